package imagine

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestAdmit: Admit refuses what Submit would refuse for who asks or how
// often, without queueing anything, and lets everyone else through.
func TestAdmit(t *testing.T) {
	hold := make(chan struct{})
	b := &fakeBackend{stepTime: time.Millisecond}
	b.gen = func(ctx context.Context, p Params, progress func(Progress)) (*Result, error) {
		select {
		case <-hold:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return &Result{Images: make([][]byte, p.BatchSize), Seeds: make([]int64, p.BatchSize)}, nil
	}
	s, _ := startService(t, Config{PerUser: 2, MaxQueue: 50, DailyImages: 3,
		Moderation: Moderation{BlockedUsers: []string{"tg:eve"}, Cooldown: time.Hour}}, b)
	defer close(hold)
	admin := user("root")
	admin.Admin = true
	if err := s.Block("tg:mallory", admin); err != nil {
		t.Fatal(err)
	}
	// cap: two jobs waiting or running. quota: 3 images asked for today.
	// cool: one request just now (the cooldown is an hour).
	for _, who := range []string{"cap", "cap"} {
		s.mod.cooldown = 0
		submit(t, s, user(who), "hold", 1)
	}
	big := NewRequest("three", user("quota"))
	big.BatchSize = 3
	if _, err := s.Submit(big); err != nil {
		t.Fatal(err)
	}
	s.mod.cooldown = time.Hour
	submit(t, s, user("cool"), "now", 1)
	queued := s.queue.Len()

	for _, tt := range []struct {
		who  Requester
		want error
	}{
		{user("ann"), nil},
		{user("eve"), ErrBlocked},
		{user("mallory"), ErrBlocked},
		{user("cap"), ErrUserLimit},
		{user("quota"), ErrQuota},
		{user("cool"), ErrCooldown},
		{admin, nil},
	} {
		err := s.Admit(NewRequest("a picture", tt.who))
		if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("Admit(%s) = %v, want %v", tt.who.Key(), err, tt.want)
		}
		var ue *UserError
		if err != nil && !errors.As(err, &ue) {
			t.Errorf("Admit(%s) = %v: not a UserError", tt.who.Key(), err)
		}
	}
	if s.queue.Len() != queued {
		t.Errorf("Admit queued something: %d jobs waiting, want %d", s.queue.Len(), queued)
	}
	// Admit registers no cooldown: ann may still submit at once.
	if _, err := s.Submit(NewRequest("after", user("ann"))); err != nil {
		t.Errorf("Submit after Admit: %v", err)
	}
}
