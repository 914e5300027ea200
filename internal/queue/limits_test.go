package queue

import (
	"errors"
	"fmt"
	"testing"
)

func TestPushLimits(t *testing.T) {
	tests := []struct {
		name         string
		perUser, max int
		steps        string
		push         string
		want         error
	}{
		{name: "user at limit with waiting jobs", perUser: 3, steps: "A1 A2 A3", push: "A4", want: ErrUserLimit},
		{name: "running job counts", perUser: 3, steps: "A1 pop A2 A3", push: "A4", want: ErrUserLimit},
		{name: "done frees the slot", perUser: 3, steps: "A1 pop A2 A3 done:A1", push: "A4"},
		{name: "cancel frees the slot", perUser: 3, steps: "A1 A2 A3 cancel:A2", push: "A4"},
		{name: "other users unaffected", perUser: 3, steps: "A1 A2 A3", push: "B1"},
		{name: "one job per user", perUser: 1, steps: "A1 pop", push: "A2", want: ErrUserLimit},
		{name: "one job per user after done", perUser: 1, steps: "A1 pop done:A1", push: "A2"},
		{name: "queue full", max: 2, steps: "A1 B1", push: "C1", want: ErrFull},
		{name: "max counts only waiting jobs", max: 2, steps: "A1 B1 pop", push: "C1"},
		{name: "user limit reported before full", perUser: 1, max: 2, steps: "A1 B1", push: "A2", want: ErrUserLimit},
		{name: "closed", steps: "A1 close", push: "B1", want: ErrClosed},
		{name: "closed beats limits", perUser: 1, max: 1, steps: "A1 close", push: "A2", want: ErrClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScript(t, New[string](tt.perUser, tt.max))
			s.run(tt.steps)
			if err := s.push(tt.push); !errors.Is(err, tt.want) {
				t.Errorf("Push(%q) = %v, want %v", tt.push, err, tt.want)
			}
		})
	}
}

func TestUnlimited(t *testing.T) {
	for _, limit := range []int{0, -1} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			q := New[int](limit, limit)
			for i := range 1000 {
				if _, err := q.Push("A", i); err != nil {
					t.Fatalf("push %d: %v", i, err)
				}
			}
			if got := q.Len(); got != 1000 {
				t.Errorf("Len() = %d, want 1000", got)
			}
		})
	}
}

func TestIDsAreUniqueAndNotReused(t *testing.T) {
	q := New[int](0, 0)
	seen := make(map[ID]bool)
	for i := range 100 {
		id, err := q.Push(fmt.Sprint(i%3), i)
		if err != nil {
			t.Fatal(err)
		}
		if seen[id] || id == 0 {
			t.Fatalf("push %d got ID %d, already used or zero", i, id)
		}
		seen[id] = true
		if i%2 == 0 {
			it, _ := q.TryPop()
			q.Done(it.ID)
		} else {
			q.Cancel(id)
		}
	}
}

func TestUserJobs(t *testing.T) {
	s := newScript(t, New[string](0, 0))
	s.run("A1 A2 A3 B1 pop pop pop")
	tests := []struct {
		user             string
		waiting, running int
	}{
		{"A", 1, 2},
		{"B", 0, 1},
		{"C", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.user, func(t *testing.T) {
			w, r := s.q.UserJobs(tt.user)
			if w != tt.waiting || r != tt.running {
				t.Errorf("UserJobs(%q) = %d, %d, want %d, %d", tt.user, w, r, tt.waiting, tt.running)
			}
		})
	}
}
