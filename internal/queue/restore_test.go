package queue

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// saver saves what the core saves: every job with its user and whether it
// started, and each user's Turn after every Push and Pop.
type saver struct {
	q       *Fair[int]
	user    map[int]string // by value
	started map[int]bool
	done    map[int]bool
	turns   map[string]Turn
}

func (s *saver) push(user string, v int) {
	if _, err := s.q.Push(user, v); err != nil {
		panic(err)
	}
	s.user[v] = user
	s.saveTurn(user)
}

func (s *saver) pop() (Item[int], bool) {
	it, ok := s.q.TryPop()
	if ok {
		s.started[it.Value] = true
		s.saveTurn(it.User)
	}
	return it, ok
}

func (s *saver) saveTurn(user string) {
	if t, ok := s.q.Turn(user); ok {
		s.turns[user] = t
	}
}

// restore builds a new queue from what was saved, as the core does after
// a crash: running jobs first, waiting jobs in push order.
func (s *saver) restore() (*Fair[int], []Item[int]) {
	var running, waiting []Saved[int]
	vals := make([]int, 0, len(s.user))
	for v := range s.user {
		vals = append(vals, v)
	}
	slices.Sort(vals)
	for _, v := range vals {
		switch {
		case s.done[v]:
		case s.started[v]:
			running = append(running, Saved[int]{User: s.user[v], Value: v})
		default:
			waiting = append(waiting, Saved[int]{User: s.user[v], Value: v})
		}
	}
	q := New[int](0, 0)
	items, _ := q.Restore(running, waiting, s.turns)
	return q, items
}

func drain(q *Fair[int]) []int {
	var out []int
	for {
		it, ok := q.TryPop()
		if !ok {
			return out
		}
		out = append(out, it.Value)
	}
}

// TestRestoreKeepsTheOrder checks, over random histories of pushes, starts,
// ends and cancels, that a queue restored from the saved jobs and turns
// starts the waiting jobs in the order the first queue would have.
func TestRestoreKeepsTheOrder(t *testing.T) {
	for seed := range uint64(2000) {
		r := rand.New(rand.NewPCG(seed, 7))
		s := &saver{q: New[int](0, 0), user: map[int]string{}, started: map[int]bool{}, done: map[int]bool{}, turns: map[string]Turn{}}
		var running []Item[int]
		next := 0
		for range r.IntN(60) {
			switch op := r.IntN(10); {
			case op < 5:
				s.push(fmt.Sprint("u", r.IntN(5)), next)
				next++
			case op < 8:
				if it, ok := s.pop(); ok {
					running = append(running, it)
				}
			case op < 9 && len(running) > 0:
				i := r.IntN(len(running))
				s.q.Done(running[i].ID)
				s.done[running[i].Value] = true
				running = slices.Delete(running, i, i+1)
			default:
				snap := s.q.Snapshot()
				if len(snap.Waiting) > 0 {
					it := snap.Waiting[r.IntN(len(snap.Waiting))]
					s.q.Cancel(it.ID)
					s.done[it.Value] = true
				}
			}
		}
		q2, rerun := s.restore()
		var wantRerun, gotRerun []int
		for _, it := range running {
			wantRerun = append(wantRerun, it.Value)
		}
		for _, it := range rerun {
			gotRerun = append(gotRerun, it.Value)
		}
		slices.Sort(wantRerun)
		if !slices.Equal(gotRerun, wantRerun) {
			t.Fatalf("seed %d: restored running %v, want %v", seed, gotRerun, wantRerun)
		}
		if got, want := drain(q2), drain(s.q); !slices.Equal(got, want) {
			t.Fatalf("seed %d: restored queue starts %v, the first one %v", seed, got, want)
		}
	}
}

// TestRestoreCountsRerunJobs checks that jobs run again count against
// their users' limits and rounds: a user whose job runs again waits for
// the others' first jobs.
func TestRestoreCountsRerunJobs(t *testing.T) {
	q := New[string](2, 0)
	items, ids := q.Restore(
		[]Saved[string]{{User: "a", Value: "a1"}},
		[]Saved[string]{{User: "a", Value: "a2"}, {User: "b", Value: "b1"}},
		map[string]Turn{"a": {Round: 8, Seq: 3}, "b": {Round: 7, Seq: 9}},
	)
	if len(items) != 1 || items[0].Value != "a1" || len(ids) != 2 {
		t.Fatalf("Restore = %v, %v", items, ids)
	}
	if w, r := q.UserJobs("a"); w != 1 || r != 1 {
		t.Fatalf("UserJobs(a) = %d, %d, want 1, 1", w, r)
	}
	if _, err := q.Push("a", "a3"); err != ErrUserLimit {
		t.Fatalf("Push over the limit = %v, want ErrUserLimit", err)
	}
	q.Done(items[0].ID)
	if got := drainS(q); !slices.Equal(got, []string{"b1", "a2"}) {
		t.Fatalf("order %v, want [b1 a2]", got)
	}
}

func drainS(q *Fair[string]) []string {
	var out []string
	for {
		it, ok := q.TryPop()
		if !ok {
			return out
		}
		out = append(out, it.Value)
	}
}

// TestPeek checks that Peek names the job Pop starts next, across rounds
// and cancels.
func TestPeek(t *testing.T) {
	for seed := range uint64(300) {
		r := rand.New(rand.NewPCG(seed, 9))
		q := New[int](0, 0)
		next := 0
		for range 80 {
			switch r.IntN(3) {
			case 0:
				q.Push(fmt.Sprint("u", r.IntN(4)), next)
				next++
			case 1:
				snap := q.Snapshot()
				if len(snap.Waiting) > 0 {
					q.Cancel(snap.Waiting[r.IntN(len(snap.Waiting))].ID)
				}
			default:
				peek, ok := q.Peek()
				it, popped := q.TryPop()
				if ok != popped || peek.ID != it.ID {
					t.Fatalf("seed %d: Peek = %v, %v; TryPop = %v, %v", seed, peek, ok, it, popped)
				}
			}
		}
	}
}
