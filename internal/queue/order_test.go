package queue

import "testing"

func TestStartOrder(t *testing.T) {
	tests := []struct {
		name  string
		steps string
		want  string
	}{
		{
			name:  "brief example: A1 starts at once, then B and C arrive",
			steps: "A1 A2 A3 pop B1 C1 drain",
			want:  "A1 B1 C1 A2 A3",
		},
		{
			name:  "brief example with A1 taken before A2 and A3 arrive",
			steps: "A1 pop A2 A3 B1 C1 drain",
			want:  "A1 B1 C1 A2 A3",
		},
		{
			name:  "per-user FIFO",
			steps: "A1 A2 A3 drain",
			want:  "A1 A2 A3",
		},
		{
			name:  "round robin over users with waiting jobs",
			steps: "A1 A2 A3 B1 B2 C1 drain",
			want:  "A1 B1 C1 A2 B2 A3",
		},
		{
			name:  "turn order kept across rounds, not arrival order",
			steps: "Y1 X1 X2 Y2 X3 drain",
			want:  "Y1 X1 Y2 X2 X3",
		},
		{
			name:  "running job counts for its round",
			steps: "A1 pop A2 B1 drain",
			want:  "A1 B1 A2",
		},
		{
			name:  "finished job still counts while others wait for the next round",
			steps: "B1 B2 A1 pop pop done:A1 A2 drain",
			want:  "B1 A1 B2 A2",
		},
		{
			name:  "fast finisher cannot take a second turn in one round",
			steps: "B1 B2 B3 A1 pop pop done:A1 A2 pop pop done:A2 A3 drain",
			want:  "B1 A1 B2 A2 B3 A3",
		},
		{
			name:  "finished user is forgotten when nobody waits",
			steps: "A1 pop done:A1 A2 B1 drain",
			want:  "A1 A2 B1",
		},
		{
			name:  "newcomers join the current round",
			steps: "A1 A2 pop B1 pop C1 drain",
			want:  "A1 B1 C1 A2",
		},
		{
			name:  "newcomers wait for users whose round has begun",
			steps: "A1 A2 B1 B2 pop pop pop C1 D1 drain",
			want:  "A1 B1 A2 B2 C1 D1",
		},
		{
			name:  "cancel keeps the user's turn",
			steps: "A1 A2 A3 B1 B2 cancel:A1 drain",
			want:  "A2 B1 A3 B2",
		},
		{
			name:  "cancel of a later job",
			steps: "A1 A2 A3 B1 B2 cancel:A2 drain",
			want:  "A1 B1 A3 B2",
		},
		{
			name:  "cancel of a user's only job",
			steps: "A1 B1 C1 cancel:B1 drain",
			want:  "A1 C1",
		},
		{
			name:  "user who cancelled everything loses the turn",
			steps: "A1 A2 B1 cancel:A1 cancel:A2 A3 drain",
			want:  "B1 A3",
		},
		{
			name:  "cancel in the next round keeps the place",
			steps: "A1 A2 A3 B1 B2 pop pop cancel:A2 C1 drain",
			want:  "A1 B1 C1 A3 B2",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScript(t, New[string](0, 0))
			if got := s.run(tt.steps); got != tt.want {
				t.Errorf("start order %q, want %q", got, tt.want)
			}
		})
	}
}
