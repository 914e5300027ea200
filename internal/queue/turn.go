package queue

import (
	"cmp"
	"slices"
)

// Turn is when a user's first waiting job starts: in round Round, after
// the users whose turn in that round has a smaller Seq. A user's turn
// changes only when they get a job while having none waiting (Push) and
// when one of their jobs starts while others wait (Pop, TryPop), so saving
// it then, with the jobs, is enough to put the queue back as it was after
// a restart (see Restore).
type Turn struct {
	Round uint64
	Seq   uint64
}

// Turn returns user's turn, and false if the user has no waiting job.
func (q *Fair[T]) Turn(user string) (Turn, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	u := q.users[user]
	if u == nil || u.waiting.len == 0 {
		return Turn{}, false
	}
	return u.turn, true
}

// Saved is a job saved from an earlier queue, for Restore.
type Saved[T any] struct {
	User  string
	Value T
}

// Restore fills a new, empty queue with the jobs of an earlier one, so that
// they start in the order they would have started there. running are jobs
// that had started and must run again: they count as running at once, in
// the current round, and Restore returns them as items for the caller to
// run. waiting are the jobs that waited, each user's in the order they
// were pushed; turns holds each such user's last saved Turn (a user
// without one goes last). The limits are not checked: every saved job
// comes back. Restore returns the items of running, then the IDs of
// waiting, both in the order given; it must be called before any other
// method.
func (q *Fair[T]) Restore(running, waiting []Saved[T], turns map[string]Turn) ([]Item[T], []ID) {
	q.mu.Lock()
	defer q.mu.Unlock()
	items := make([]Item[T], 0, len(running))
	for _, s := range running {
		u := q.userLocked(s.User)
		q.lastID++
		j := &job[T]{id: q.lastID, value: s.Value, user: u, running: true}
		q.jobs[j.id] = j
		q.running.pushBack(j)
		u.running++
		u.served = q.round
		items = append(items, j.item())
	}
	ids := make([]ID, 0, len(waiting))
	var order []*userState[T]
	for _, s := range waiting {
		u := q.userLocked(s.User)
		if u.waiting.len == 0 {
			order = append(order, u)
		}
		q.lastID++
		j := &job[T]{id: q.lastID, value: s.Value, user: u}
		q.jobs[j.id] = j
		u.waiting.pushBack(j)
		q.waiting++
		ids = append(ids, j.id)
	}
	// Users get their turns back in the saved order. The earliest saved
	// round becomes the current one and any later round the next one: a
	// queue only ever has those two.
	last := Turn{Round: ^uint64(0)}
	turnOf := func(u *userState[T]) Turn {
		if t, ok := turns[u.name]; ok {
			return t
		}
		return last
	}
	slices.SortStableFunc(order, func(a, b *userState[T]) int {
		ta, tb := turnOf(a), turnOf(b)
		return cmp.Or(cmp.Compare(ta.Round, tb.Round), cmp.Compare(ta.Seq, tb.Seq))
	})
	if len(order) > 0 {
		first := turnOf(order[0]).Round
		for _, u := range order {
			round := q.round
			if turnOf(u).Round != first {
				round = q.round + 1
				u.served = q.round
			}
			q.giveTurnLocked(u, round)
		}
	}
	return items, ids
}

// userLocked returns user's record, creating it.
func (q *Fair[T]) userLocked(name string) *userState[T] {
	u := q.users[name]
	if u == nil {
		u = &userState[T]{name: name}
		q.users[name] = u
	}
	return u
}
