package queue

import "testing"

func TestSnapshotAndPosition(t *testing.T) {
	tests := []struct {
		name       string
		steps      string
		waiting    string // in start order
		running    string // in start order
		maxPerUser int
	}{
		{name: "empty"},
		{name: "brief example", steps: "A1 A2 A3 pop B1 C1", waiting: "B1 C1 A2 A3", running: "A1", maxPerUser: 3},
		{
			name:       "current and next round",
			steps:      "A1 A2 A3 B1 B2 C1 pop pop D1 D2",
			waiting:    "C1 D1 A2 B2 D2 A3",
			running:    "A1 B1",
			maxPerUser: 3,
		},
		{
			name:       "only the next round",
			steps:      "A1 A2 A3 B1 B2 pop pop",
			waiting:    "A2 B2 A3",
			running:    "A1 B1",
			maxPerUser: 3,
		},
		{name: "running only", steps: "A1 B1 pop pop done:A1", running: "B1", maxPerUser: 1},
		{name: "after close", steps: "A1 A2 B1 pop close", running: "A1", maxPerUser: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScript(t, New[string](0, 0))
			s.run(tt.steps)
			snap := s.q.Snapshot()
			if got := labels(snap.Waiting); got != tt.waiting {
				t.Errorf("Waiting %q, want %q", got, tt.waiting)
			}
			if got := labels(snap.Running); got != tt.running {
				t.Errorf("Running %q, want %q", got, tt.running)
			}
			if snap.MaxPerUser != tt.maxPerUser {
				t.Errorf("MaxPerUser %d, want %d", snap.MaxPerUser, tt.maxPerUser)
			}
			if got := s.q.Len(); got != len(snap.Waiting) {
				t.Errorf("Len() = %d, want %d", got, len(snap.Waiting))
			}
			for i, it := range snap.Waiting {
				if it.ID != s.ids[it.Value] || it.User != userOf(it.Value) {
					t.Errorf("waiting item %+v, want ID %d", it, s.ids[it.Value])
				}
				if pos, ok := s.q.Position(it.ID); !ok || pos != i+1 {
					t.Errorf("Position(%s) = %d, %v, want %d, true", it.Value, pos, ok, i+1)
				}
			}
			for _, it := range snap.Running {
				if pos, ok := s.q.Position(it.ID); ok {
					t.Errorf("Position(%s) of a running job = %d, true, want false", it.Value, pos)
				}
			}
			// The snapshot is the order in which the jobs really start.
			if got := s.run("drain"); got != tt.waiting {
				t.Errorf("drained %q, want the snapshot order %q", got, tt.waiting)
			}
		})
	}
}
