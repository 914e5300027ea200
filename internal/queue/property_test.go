package queue

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// check compares the queue's whole state with the model and returns the
// snapshot, whose first waiting job the next TryPop must return.
func (m *model) check() Snapshot[int] {
	t := m.t
	t.Helper()
	snap := m.q.Snapshot()
	if got, want := m.q.Len(), m.nWaiting(); got != want || len(snap.Waiting) != want {
		t.Fatalf("Len() = %d, len(Snapshot().Waiting) = %d, want %d", got, len(snap.Waiting), want)
	}
	byUser := make(map[string][]ID)
	for i, it := range snap.Waiting {
		if m.owner[it.ID] != it.User {
			t.Fatalf("waiting %+v, want user %q", it, m.owner[it.ID])
		}
		byUser[it.User] = append(byUser[it.User], it.ID)
		if pos, ok := m.q.Position(it.ID); !ok || pos != i+1 {
			t.Fatalf("Position(%d) = %d, %v, want %d, true", it.ID, pos, ok, i+1)
		}
	}
	maxPerUser := 0
	for _, u := range m.users {
		// Catches lost, duplicated and reordered jobs.
		if got, want := byUser[u], m.waiting[u]; !slices.Equal(got, want) {
			t.Fatalf("user %s waiting %v in snapshot, want %v", u, got, want)
		}
		w, r := m.q.UserJobs(u)
		if w != len(m.waiting[u]) || r != m.nRunning(u) {
			t.Fatalf("UserJobs(%s) = %d, %d, want %d, %d", u, w, r, len(m.waiting[u]), m.nRunning(u))
		}
		maxPerUser = max(maxPerUser, w+r)
	}
	if snap.MaxPerUser != maxPerUser {
		t.Fatalf("MaxPerUser = %d, want %d", snap.MaxPerUser, maxPerUser)
	}
	var running []ID
	for _, it := range snap.Running {
		running = append(running, it.ID)
		if pos, ok := m.q.Position(it.ID); ok {
			t.Fatalf("Position(%d) of a running job = %d, true", it.ID, pos)
		}
	}
	if !slices.Equal(running, m.running) {
		t.Fatalf("running %v, want %v", running, m.running)
	}
	m.checkMemory()
	return snap
}

// checkMemory checks that the queue remembers only what it has to: jobs
// waiting or running, and users with such jobs or in idle.
func (m *model) checkMemory() {
	t := m.t
	t.Helper()
	q := m.q
	q.mu.Lock()
	defer q.mu.Unlock()
	if got, want := len(q.jobs), m.nWaiting()+len(m.running); got != want {
		t.Fatalf("queue holds %d jobs, want %d", got, want)
	}
	for name, u := range q.users {
		if u.waiting.len == 0 && u.running == 0 && u.list != &q.idle {
			t.Fatalf("user %s remembered with no jobs and not idle", name)
		}
	}
	if q.idle.len > 0 && q.nextLocked().len == 0 {
		t.Fatalf("%d idle users remembered while nobody waits for the next round", q.idle.len)
	}
}

// checkConsecutive checks the property in the brief's words on the events
// recorded so far.
func (m *model) checkConsecutive() {
	m.t.Helper()
	if err := consecutiveViolation(m.users, m.events); err != nil {
		m.t.Fatal(err)
	}
}

// consecutiveViolation returns an error if, between two consecutive starts
// of a user who waited the whole time, another user who waited the whole
// time started more than one job.
func consecutiveViolation(users []string, events []event) error {
	last := make(map[int]int) // user index -> event of the user's last start
	for k, e := range events {
		if e.started < 0 {
			continue
		}
		y := e.started
		s1, ok := last[y]
		last[y] = k
		if !ok {
			continue
		}
		both := ^uint64(0) // users waiting after every event in [s1, k)
		for _, f := range events[s1:k] {
			both &= f.waiting
		}
		if both&(1<<y) == 0 {
			continue
		}
		starts := make(map[int]int)
		for _, f := range events[s1+1 : k] {
			if f.started >= 0 && both&(1<<f.started) != 0 {
				starts[f.started]++
				if starts[f.started] > 1 {
					return fmt.Errorf("between starts of %s (events %d and %d), %s started %d jobs, want at most 1",
						users[y], s1, k, users[f.started], starts[f.started])
				}
			}
		}
	}
	return nil
}

// TestConsecutiveViolation shows that the property check can fail: it
// rejects the order (round, arrival) gives for pushes Y1 X1 X2 Y2 X3.
func TestConsecutiveViolation(t *testing.T) {
	const y, x, none, both = 0, 1, -1, 3
	pushes := []event{{none, 1 << y}, {none, both}, {none, both}, {none, both}, {none, both}}
	tests := []struct {
		name    string
		starts  []event
		wantErr bool
	}{
		{name: "Y1 X1 X2 Y2 X3", starts: []event{{y, both}, {x, both}, {x, both}, {y, 1 << x}, {x, 0}}, wantErr: true},
		{name: "Y1 X1 Y2 X2 X3", starts: []event{{y, both}, {x, both}, {y, 1 << x}, {x, 1 << x}, {x, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := consecutiveViolation([]string{"Y", "X"}, slices.Concat(pushes, tt.starts))
			if (err != nil) != tt.wantErr {
				t.Errorf("got error %v, want error: %v", err, tt.wantErr)
			}
		})
	}
}

// TestFairnessProperty replays random arrival patterns with interleaved
// pops, dones and cancels, checking every answer against the model, the
// fairness properties and the memory bound.
func TestFairnessProperty(t *testing.T) {
	for seed := range uint64(400) {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 1))
			perUser := rng.IntN(5)                        // 0: unlimited
			maxWaiting := []int{0, 0, 4, 12}[rng.IntN(4)] // 0: unlimited
			m := newModel(t, perUser, maxWaiting, 2+rng.IntN(6))
			var pushP, hotP float64
			for step := range 300 {
				if step%40 == 0 { // a new phase: bursts of arrivals or of work
					pushP, hotP = rng.Float64(), rng.Float64()
				}
				snap := m.check()
				user := m.users[rng.IntN(len(m.users))]
				if rng.Float64() < hotP {
					user = m.users[0] // one user pushing a lot
				}
				switch r := rng.Float64(); {
				case r < pushP:
					m.push(user)
				case r < pushP+(1-pushP)*0.5:
					m.pop(snap)
				case r < pushP+(1-pushP)*0.85:
					m.done(rng)
				default:
					m.cancel(rng)
				}
			}
			m.checkConsecutive()
			if rng.IntN(2) == 0 {
				snap := m.check()
				if got := m.q.Close(); !slices.Equal(got, snap.Waiting) {
					t.Fatalf("Close() = %v, want the snapshot order %v", got, snap.Waiting)
				}
				m.waiting = make(map[string][]ID)
			}
			for len(m.running) > 0 || m.nWaiting() > 0 {
				m.pop(m.check())
				m.done(rng)
			}
			if n := len(m.q.users) + len(m.q.jobs); n != 0 {
				t.Fatalf("%d users and jobs remembered after all jobs ended, want 0", n)
			}
		})
	}
}

// FuzzFair runs the model with operations chosen by the fuzzer's bytes.
func FuzzFair(f *testing.F) {
	f.Add(uint8(3), uint8(0), []byte("\x00\x00\x00\x10\x01\x01\x10\x10\x10"))
	f.Add(uint8(0), uint8(5), []byte("\x00\x01\x02\x00\x11\x21\x31\x12\x03\x10\x10"))
	f.Fuzz(func(t *testing.T, perUser, maxWaiting uint8, ops []byte) {
		m := newModel(t, int(perUser%6), int(maxWaiting%20), 4)
		rng := rand.New(rand.NewPCG(uint64(len(ops)), 2))
		for _, op := range ops {
			snap := m.check()
			switch (op >> 4) % 4 {
			case 0:
				m.push(m.users[op%4])
			case 1:
				m.pop(snap)
			case 2:
				m.done(rng)
			case 3:
				m.cancel(rng)
			}
		}
		m.check()
		m.checkConsecutive()
	})
}
