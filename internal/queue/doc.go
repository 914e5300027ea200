// Package queue holds Fair, an in-memory job queue that is fair between users.
//
// Each user's jobs start in the order they were pushed. Across users the
// queue deals turns in rounds: in a round every user with a waiting job starts
// one job, and a job that has already started counts for the round in which
// it started. For example, user A pushes A1, A2 and A3 and A1 starts at once
// on an idle worker; then users B and C push B1 and C1. The jobs start in the
// order A1, B1, C1, A2, A3: A has had its turn in this round, B and C have
// not. (A plain ring of waiting users would start A1, A2, B1, C1, A3.)
//
// # How
//
// The queue keeps two lists of users with waiting jobs, each in turn order:
// the current round's, of users who have not started a job in this round, and
// the next round's, of users who have. Pop starts the first job of the first
// user of the current round and moves that user to the end of the next
// round's list if they still have jobs waiting. When the current round's list
// is empty, Pop first begins a new round: the next round's list becomes the
// current one. Push gives a user who had nothing waiting a turn at the end of
// the current round, or at the end of the next round if they already started
// a job in this round, whether it is still running or not. A user who has
// waiting jobs keeps their place, so cancelling a user's first job hands the
// turn to their next job rather than sending the user to the back.
//
// This gives the guarantee, checked by a randomised test: from the moment a
// job becomes the first waiting job of its user (it was pushed, or the job
// before it started or was cancelled) until it starts, every other user
// starts at most one job. In particular, between two starts of a user who
// waited all along, every other user who waited all along starts at most one
// job. Ordering jobs by (round, arrival) instead breaks this: after pushes
// Y1, X1, X2, Y2 it starts Y1, X1, X2, Y2, so Y waits for two jobs of X;
// this queue starts Y1, X1, Y2, X2.
//
// A user's record is dropped as soon as they have nothing waiting or running,
// with one exception that keeps the rounds honest: a user who started a job
// in this round while others wait for the next round is remembered until the
// round ends (or nobody waits for the next round any more), so that a job
// they push meanwhile joins the next round. Otherwise a user whose jobs
// finish quickly could start a job in every gap and keep the round from ever
// ending. So memory is O(jobs waiting or running + users who started a job in
// the current round).
//
// # Cost
//
// Push, Pop, TryPop, Done and Cancel take O(1) time whatever the number of
// users and jobs: a map operation and a few linked-list splices. Position
// takes O(u + w), where u users have waiting jobs and w jobs wait for the
// job's user. Snapshot and Close take O(n + u) for n jobs. A blocked Pop is
// woken by every Push, so Push costs O(number of blocked Pops); the queue is
// meant for a handful of workers.
package queue
