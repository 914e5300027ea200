package imagine

import (
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func TestBannedWords(t *testing.T) {
	m := newModerator(Moderation{BannedWords: []string{"Gore", "blood bath", "暴力", "a.b"}})
	tests := []struct {
		prompt, negative string
		banned           bool
	}{
		{"a cat", "", false},
		{"gore", "", true},
		{"GORE, on a hill", "", true},
		{"(gore:1.3)", "", true},
		{"a gorest forest", "", false},
		{"gory", "", false},
		{"a blood bath", "", true},
		{"a blood  bath", "", false},
		{"bloodbath", "", false},
		{"some 暴力场景", "", true},
		{"a cat", "gore", true},
		{"axb", "", false},
		{"a.b", "", true},
	}
	for _, tt := range tests {
		_, err := m.check(Request{Prompt: tt.prompt, NegativePrompt: tt.negative}, time.Now())
		if got := errors.Is(err, ErrBannedWords); got != tt.banned {
			t.Errorf("check(%q, %q) banned = %v, want %v", tt.prompt, tt.negative, got, tt.banned)
		}
		if err != nil && strings.Contains(Describe(err, "en"), "gore") {
			t.Errorf("the refusal names the word: %q", Describe(err, "en"))
		}
	}
}

func TestBlockedAndCooldown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fb := &fakeBackend{stepTime: time.Millisecond}
		s, _ := startService(t, Config{PerUser: 5, MaxQueue: 100, Moderation: Moderation{
			BlockedUsers: []string{"tg:666"},
			Cooldown:     10 * time.Second,
		}}, fb)
		if _, err := s.Submit(NewRequest("x", user("666"))); !errors.Is(err, ErrBlocked) {
			t.Errorf("blocked user: %v, want ErrBlocked", err)
		}
		dc := Requester{Platform: Discord, UserID: "666"}
		if _, err := s.Submit(NewRequest("x", dc)); err != nil {
			t.Errorf("the same id on another platform was refused: %v", err)
		}
		submit(t, s, user("A"), "first", 1)
		_, err := s.Submit(NewRequest("second", user("A")))
		if !errors.Is(err, ErrCooldown) || !strings.Contains(Describe(err, "en"), "10s") {
			t.Errorf("second request within the cooldown: %v (%q)", err, Describe(err, "en"))
		}
		if _, err := s.Submit(NewRequest("", user("B"))); !errors.Is(err, ErrEmptyPrompt) {
			t.Fatalf("empty prompt: %v", err)
		}
		submit(t, s, user("B"), "a refused request does not start a cooldown", 1)
		time.Sleep(10 * time.Second)
		submit(t, s, user("A"), "after the cooldown", 1)
	})
}

func TestGracefulShutdown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fb := &fakeBackend{stepTime: time.Second}
		s, stop := startService(t, Config{PerUser: 5, MaxQueue: 100, ShutdownTimeout: 10 * time.Second}, fb, &fakeBackend{stepTime: time.Second})
		short := submit(t, s, user("A"), "short", 5)
		long := submit(t, s, user("B"), "long", 30)
		queued := submit(t, s, user("C"), "queued", 1)
		synctest.Wait()
		stop()
		synctest.Wait()
		if _, err := s.Submit(NewRequest("late", user("D"))); !errors.Is(err, ErrShuttingDown) || !strings.Contains(Describe(err, "en"), "restarting") {
			t.Errorf("late request: %v", err)
		}
		st := final(t, queued.Watch)
		if st.State != Failed || !strings.Contains(Describe(st.Err, "en"), "before your request ran") {
			t.Errorf("queued job: %v %q", st.State, Describe(st.Err, "en"))
		}
		if st := final(t, short.Watch); st.State != Done {
			t.Errorf("a job that finishes within the shutdown timeout ended %v (%v)", st.State, st.Err)
		}
		st = final(t, long.Watch)
		if st.State != Failed || !errors.Is(st.Err, ErrShuttingDown) || st.Duration != 10*time.Second {
			t.Errorf("a job longer than the timeout ended %v after %v (%v), want failed after 10s", st.State, st.Duration, st.Err)
		}
	})
}
