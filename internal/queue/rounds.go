package queue

// This file holds the turn-taking rules; the package documentation explains
// them. Every function here needs q.mu held.

// currentLocked returns the list of users who have a waiting job and have not
// started a job in the current round, in turn order.
func (q *Fair[T]) currentLocked() *userList[T] { return &q.turns[q.cur] }

// nextLocked returns the list of users who have a waiting job and already
// started a job in the current round, in turn order.
func (q *Fair[T]) nextLocked() *userList[T] { return &q.turns[1-q.cur] }

// enlistLocked gives a turn to u, who had no waiting job and is about to get
// one: in this round, or in the next one if u already started a job in this
// round (whether that job is still running or not).
func (q *Fair[T]) enlistLocked(u *userState[T]) {
	if u.list != nil { // u is in idle
		u.list.remove(u)
	}
	if u.served == q.round {
		q.giveTurnLocked(u, q.round+1)
	} else {
		q.giveTurnLocked(u, q.round)
	}
}

// giveTurnLocked puts u at the end of the list of round (the current or
// the next one) and records the turn.
func (q *Fair[T]) giveTurnLocked(u *userState[T], round uint64) {
	if round == q.round {
		q.currentLocked().pushBack(u)
	} else {
		q.nextLocked().pushBack(u)
	}
	q.seq++
	u.turn = Turn{Round: round, Seq: q.seq}
}

// delistLocked takes away the turn of u, who no longer has a waiting job.
func (q *Fair[T]) delistLocked(u *userState[T]) {
	l := u.list
	l.remove(u)
	if l == q.nextLocked() && l.len == 0 {
		// Nobody waits for the next round any more, so a second job in this
		// round from an idle user can no longer delay anyone by a round.
		q.dropIdleLocked()
	}
}

// popLocked starts the first job of the first user in the current round,
// beginning the next round first if every user in this one has had a turn.
func (q *Fair[T]) popLocked() (Item[T], bool) {
	cur := q.currentLocked()
	if cur.len == 0 {
		if q.nextLocked().len == 0 {
			return Item[T]{}, false
		}
		q.cur = 1 - q.cur
		q.round++
		q.dropIdleLocked()
		cur = q.currentLocked()
	}
	u := cur.head
	cur.remove(u)
	j := u.waiting.head
	u.waiting.remove(j)
	q.waiting--
	j.running = true
	q.running.pushBack(j)
	u.running++
	u.served = q.round
	if u.waiting.len > 0 {
		q.giveTurnLocked(u, q.round+1)
	}
	return j.item(), true
}

// settleLocked forgets u if they have nothing waiting or running, unless
// they started a job in this round while other users wait for the next one:
// then u is kept in idle until the round ends, so that a job u pushes now
// waits for the next round. Without this, a user whose job finishes quickly
// could push again and start again in the same round, over and over, while
// the users in the next round wait.
func (q *Fair[T]) settleLocked(u *userState[T]) {
	if u.waiting.len > 0 || u.running > 0 {
		return
	}
	if u.served == q.round && q.nextLocked().len > 0 {
		q.idle.pushBack(u)
		return
	}
	delete(q.users, u.name)
}

// dropIdleLocked forgets every user in idle.
func (q *Fair[T]) dropIdleLocked() {
	for u := q.idle.head; u != nil; u = q.idle.head {
		q.idle.remove(u)
		delete(q.users, u.name)
	}
}
