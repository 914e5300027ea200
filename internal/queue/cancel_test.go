package queue

import "testing"

func TestCancel(t *testing.T) {
	tests := []struct {
		name    string
		steps   string
		cancel  string // a job label, or "" for an ID the queue never gave out
		wantOK  bool
		waiting string // waiting jobs in start order afterwards
	}{
		{name: "waiting job", steps: "A1 A2 B1 B2 C1", cancel: "B1", wantOK: true, waiting: "A1 B2 C1 A2"},
		{name: "user's last waiting job", steps: "A1 A2 B1 C1", cancel: "B1", wantOK: true, waiting: "A1 C1 A2"},
		{name: "job in the next round", steps: "A1 A2 A3 B1 pop", cancel: "A2", wantOK: true, waiting: "B1 A3"},
		{name: "running job", steps: "A1 A2 pop", cancel: "A1", waiting: "A2"},
		{name: "done job", steps: "A1 A2 pop done:A1", cancel: "A1", waiting: "A2"},
		{name: "cancelled twice", steps: "A1 A2 cancel:A1", cancel: "A1", waiting: "A2"},
		{name: "unknown ID", steps: "A1", waiting: "A1"},
		{name: "after close", steps: "A1 A2 close", cancel: "A2", waiting: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScript(t, New[string](0, 0))
			s.run(tt.steps)
			id := ID(1 << 40)
			if tt.cancel != "" {
				id = s.id(tt.cancel)
			}
			it, ok := s.q.Cancel(id)
			if ok != tt.wantOK {
				t.Fatalf("Cancel(%s) ok = %v, want %v", tt.cancel, ok, tt.wantOK)
			}
			if ok && (it.ID != id || it.Value != tt.cancel || it.User != userOf(tt.cancel)) {
				t.Errorf("Cancel(%s) = %+v, want ID %d", tt.cancel, it, id)
			}
			snap := s.q.Snapshot()
			if got := labels(snap.Waiting); got != tt.waiting {
				t.Errorf("waiting %q, want %q", got, tt.waiting)
			}
			for i, w := range snap.Waiting {
				if pos, ok := s.q.Position(w.ID); !ok || pos != i+1 {
					t.Errorf("Position(%s) = %d, %v, want %d, true", w.Value, pos, ok, i+1)
				}
			}
			if ok {
				if pos, ok := s.q.Position(id); ok {
					t.Errorf("Position of cancelled job = %d, true, want false", pos)
				}
			}
		})
	}
}
