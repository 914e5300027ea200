package queue

import (
	"context"
	"errors"
	"sync"
)

// ID identifies a job. IDs are unique within one Fair and never reused.
type ID uint64

var (
	// ErrUserLimit is returned by Push when the user already has the maximum
	// number of jobs waiting or running.
	ErrUserLimit = errors.New("queue: user job limit reached")
	// ErrFull is returned by Push when the maximum number of jobs are waiting.
	ErrFull = errors.New("queue: full")
	// ErrClosed is returned by Push and Pop after Close.
	ErrClosed = errors.New("queue: closed")
)

// Item is one job in the queue.
type Item[T any] struct {
	ID    ID
	User  string
	Value T
}

// Fair is a fair in-memory job queue: per-user FIFO, round robin across users
// with waiting jobs, counting jobs that have already started (see the package
// documentation). A job waits until Pop or TryPop starts it, then counts as
// running for its user until Done.
//
// Create a Fair with New. All methods are safe for concurrent use.
type Fair[T any] struct {
	perUser int // max jobs waiting+running per user, <= 0: unlimited
	max     int // max jobs waiting, <= 0: unlimited

	mu sync.Mutex // guards every field below and the jobs and users they point to
	// users holds a record for every user with jobs waiting or running, and for
	// the users in idle.
	users map[string]*userState[T]
	// jobs holds every waiting and running job.
	jobs map[ID]*job[T]
	// turns holds the current and the next round's lists of users with
	// waiting jobs, in turn order; turns[cur] is the current round's.
	turns [2]userList[T]
	cur   int
	// idle holds users who started a job in this round and now have nothing
	// waiting or running. They are kept only while the next round's list is
	// not empty, so that a new push from them joins the next round instead of
	// taking a second turn in this one; they are forgotten when the round ends
	// or the next round's list empties.
	idle    userList[T]
	running jobList[T] // running jobs in start order
	round   uint64     // the current round, starting at 1
	seq     uint64     // counts turns given, for Turn.Seq
	lastID  ID
	waiting int  // number of waiting jobs
	closed  bool // set by Close
	// wake is closed (and set to nil) when a job is pushed or the queue closes;
	// Pop creates it when it has to wait. nil when no Pop waits.
	wake chan struct{}
}

// New returns an empty queue that accepts at most perUser jobs (waiting plus
// running) per user and at most max waiting jobs. A limit <= 0 means
// unlimited.
func New[T any](perUser, max int) *Fair[T] {
	return &Fair[T]{
		perUser: perUser,
		max:     max,
		users:   make(map[string]*userState[T]),
		jobs:    make(map[ID]*job[T]),
		round:   1,
	}
}

// Push adds a job for user and returns its ID. It never blocks. It fails with
// ErrClosed after Close, ErrUserLimit when the user already has perUser jobs
// waiting or running, and ErrFull when max jobs are waiting, checked in that
// order.
func (q *Fair[T]) Push(user string, v T) (ID, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return 0, ErrClosed
	}
	u := q.users[user]
	if u != nil && q.perUser > 0 && u.waiting.len+u.running >= q.perUser {
		return 0, ErrUserLimit
	}
	if q.max > 0 && q.waiting >= q.max {
		return 0, ErrFull
	}
	if u == nil {
		u = &userState[T]{name: user}
		q.users[user] = u
	}
	q.lastID++
	j := &job[T]{id: q.lastID, value: v, user: u}
	q.jobs[j.id] = j
	if u.waiting.len == 0 {
		q.enlistLocked(u)
	}
	u.waiting.pushBack(j)
	q.waiting++
	if q.wake != nil {
		close(q.wake)
		q.wake = nil
	}
	return j.id, nil
}

// Pop starts the next job in fair order and returns it; the job then counts as
// running for its user until Done. If no job waits, Pop blocks until one is
// pushed, ctx ends (it returns ctx.Err()) or the queue is closed (ErrClosed).
// Pop does not start a job when ctx has already ended. Any number of
// goroutines may call Pop at once; each job goes to exactly one of them.
func (q *Fair[T]) Pop(ctx context.Context) (Item[T], error) {
	for {
		q.mu.Lock()
		if q.closed {
			q.mu.Unlock()
			return Item[T]{}, ErrClosed
		}
		if err := ctx.Err(); err != nil {
			q.mu.Unlock()
			return Item[T]{}, err
		}
		if it, ok := q.popLocked(); ok {
			q.mu.Unlock()
			return it, nil
		}
		if q.wake == nil {
			q.wake = make(chan struct{})
		}
		wake := q.wake
		q.mu.Unlock()

		select {
		case <-ctx.Done():
			return Item[T]{}, ctx.Err()
		case <-wake:
		}
	}
}

// TryPop is Pop without waiting: it reports false when no job waits or the
// queue is closed.
func (q *Fair[T]) TryPop() (Item[T], bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return Item[T]{}, false
	}
	return q.popLocked()
}

// Done records that the running job id ended, freeing its user's slot. It
// does nothing if id is not running (unknown, still waiting, or already Done).
func (q *Fair[T]) Done(id ID) {
	q.mu.Lock()
	defer q.mu.Unlock()
	j := q.jobs[id]
	if j == nil || !j.running {
		return
	}
	delete(q.jobs, id)
	q.running.remove(j)
	j.user.running--
	q.settleLocked(j.user)
}

// Cancel removes the waiting job id and returns it. It reports false if id is
// not waiting (unknown, running, Done, cancelled, or removed by Close). The
// user keeps their turn: their next job, if any, takes the cancelled job's
// place in the order.
func (q *Fair[T]) Cancel(id ID) (Item[T], bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	j := q.jobs[id]
	if j == nil || j.running {
		return Item[T]{}, false
	}
	delete(q.jobs, id)
	u := j.user
	u.waiting.remove(j)
	q.waiting--
	if u.waiting.len == 0 {
		q.delistLocked(u)
		q.settleLocked(u)
	}
	return j.item(), true
}

// Len returns the number of waiting jobs.
func (q *Fair[T]) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.waiting
}

// UserJobs returns the number of the user's jobs that are waiting and running.
func (q *Fair[T]) UserJobs(user string) (waiting, running int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if u := q.users[user]; u != nil {
		return u.waiting.len, u.running
	}
	return 0, 0
}

// Close stops the queue: from then on Push and Pop return ErrClosed, TryPop
// reports false and blocked Pops return ErrClosed. Close removes the jobs
// that were still waiting and returns them in the order they would have
// started, so that their users can be told. Running jobs stay running until
// Done. Only the first Close returns jobs.
func (q *Fair[T]) Close() []Item[T] {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return nil
	}
	q.closed = true
	items := make([]Item[T], 0, q.waiting)
	q.eachWaitingLocked(func(j *job[T]) { items = append(items, j.item()) })
	for _, l := range []*userList[T]{q.currentLocked(), q.nextLocked()} {
		for u := l.head; u != nil; u = l.head {
			for j := u.waiting.head; j != nil; j = j.next {
				delete(q.jobs, j.id)
			}
			u.waiting = jobList[T]{}
			l.remove(u)
		}
	}
	q.waiting = 0
	q.dropIdleLocked()
	for name, u := range q.users {
		if u.running == 0 {
			delete(q.users, name)
		}
	}
	if q.wake != nil {
		close(q.wake)
		q.wake = nil
	}
	return items
}
