package queue

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// model is what a test knows about a Fair[int] from the calls it made,
// without looking at the queue's order. Its methods check every answer.
type model struct {
	t            *testing.T
	q            *Fair[int]
	perUser, max int
	users        []string
	waiting      map[string][]ID // per user, in push order
	running      []ID            // in start order
	owner        map[ID]string
	ended        map[ID]bool // done or cancelled
	// since holds, for each user's first waiting job, how many jobs each
	// other user started since it became first.
	since map[ID]map[string]int
	// events records who waited after each push, start and cancel, for
	// checkConsecutive.
	events []event
}

type event struct {
	started int    // index of the user whose job started, -1 for no start
	waiting uint64 // bit i set: users[i] had a waiting job afterwards
}

// record appends an event for the state after a push, start or cancel.
func (m *model) record(started string) {
	e := event{started: slices.Index(m.users, started)}
	for i, u := range m.users {
		if len(m.waiting[u]) > 0 {
			e.waiting |= 1 << i
		}
	}
	m.events = append(m.events, e)
}

func newModel(t *testing.T, perUser, max, users int) *model {
	m := &model{
		t: t, q: New[int](perUser, max), perUser: perUser, max: max,
		waiting: make(map[string][]ID), owner: make(map[ID]string),
		ended: make(map[ID]bool), since: make(map[ID]map[string]int),
	}
	for i := range users {
		m.users = append(m.users, fmt.Sprintf("u%d", i))
	}
	return m
}

func (m *model) nWaiting() int {
	n := 0
	for _, ids := range m.waiting {
		n += len(ids)
	}
	return n
}

func (m *model) nRunning(user string) int {
	n := 0
	for _, id := range m.running {
		if m.owner[id] == user {
			n++
		}
	}
	return n
}

// headChanged starts counting for user's new first job, if any.
func (m *model) headChanged(user string) {
	if ids := m.waiting[user]; len(ids) > 0 {
		if _, ok := m.since[ids[0]]; !ok {
			m.since[ids[0]] = make(map[string]int)
		}
	}
}

func (m *model) push(user string) {
	t := m.t
	var want error
	switch {
	case m.perUser > 0 && len(m.waiting[user])+m.nRunning(user) >= m.perUser:
		want = ErrUserLimit
	case m.max > 0 && m.nWaiting() >= m.max:
		want = ErrFull
	}
	id, err := m.q.Push(user, 0)
	if !errors.Is(err, want) {
		t.Fatalf("Push(%s) = %v, want %v", user, err, want)
	}
	if err != nil {
		return
	}
	if _, ok := m.owner[id]; ok || id == 0 {
		t.Fatalf("Push(%s) reused ID %d", user, id)
	}
	m.owner[id] = user
	m.waiting[user] = append(m.waiting[user], id)
	m.headChanged(user)
	m.record("")
}

func (m *model) pop(next Snapshot[int]) {
	t := m.t
	it, ok := m.q.TryPop()
	if len(next.Waiting) == 0 {
		if ok {
			t.Fatalf("TryPop() = %+v from an empty queue", it)
		}
		return
	}
	if !ok || it != next.Waiting[0] {
		t.Fatalf("TryPop() = %+v, %v, want the snapshot's first %+v", it, ok, next.Waiting[0])
	}
	u := it.User
	if ids := m.waiting[u]; len(ids) == 0 || ids[0] != it.ID {
		t.Fatalf("TryPop() = %+v, want user %s's first waiting job (per-user FIFO), have %v", it, u, ids)
	}
	m.waiting[u] = m.waiting[u][1:]
	m.running = append(m.running, it.ID)
	delete(m.since, it.ID)
	// Property: no other user starts two jobs while a job is its user's first.
	for _, ids := range m.waiting {
		if len(ids) == 0 || m.owner[ids[0]] == u {
			continue
		}
		c := m.since[ids[0]]
		c[u]++
		if c[u] > 1 {
			t.Fatalf("user %s started %d jobs while job %d was user %s's first waiting job, want at most 1",
				u, c[u], ids[0], m.owner[ids[0]])
		}
	}
	m.headChanged(u)
	m.record(u)
}

func (m *model) done(rng *rand.Rand) {
	if len(m.running) == 0 {
		m.q.Done(ID(rng.IntN(len(m.owner) + 2))) // unknown or waiting: no-op
		return
	}
	i := rng.IntN(len(m.running))
	id := m.running[i]
	m.running = slices.Delete(m.running, i, i+1)
	m.ended[id] = true
	m.q.Done(id)
}

func (m *model) cancel(rng *rand.Rand) {
	t := m.t
	id := ID(rng.IntN(len(m.owner) + 2)) // any ID, maybe unknown or ended
	u := m.owner[id]
	i := slices.Index(m.waiting[u], id)
	it, ok := m.q.Cancel(id)
	if ok != (i >= 0) {
		t.Fatalf("Cancel(%d) ok = %v, want %v", id, ok, i >= 0)
	}
	if !ok {
		return
	}
	if it.ID != id || it.User != u {
		t.Fatalf("Cancel(%d) = %+v, want user %s", id, it, u)
	}
	m.waiting[u] = slices.Delete(m.waiting[u], i, i+1)
	m.ended[id] = true
	delete(m.since, id)
	m.headChanged(u)
	m.record("")
}
