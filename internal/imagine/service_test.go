package imagine

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func user(id string) Requester { return Requester{Platform: Telegram, UserID: id, Name: id} }

func startService(t testing.TB, cfg Config, backends ...Backend) (*Service, context.CancelFunc) {
	t.Helper()
	if cfg.Settings.Limits.MaxSteps == 0 {
		cfg.Settings = testSettings()
	}
	var named []NamedBackend
	for i, b := range backends {
		named = append(named, NamedBackend{Name: fmt.Sprint("b", i), Backend: b})
	}
	s := New(cfg, named)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return s, cancel
}

func submit(t *testing.T, s *Service, who Requester, prompt string, steps int) *Ticket {
	t.Helper()
	req := NewRequest(prompt, who)
	req.Steps = steps
	tk, err := s.Submit(req)
	if err != nil {
		t.Fatalf("Submit(%q): %v", prompt, err)
	}
	return tk
}

// final waits for the terminal status.
func final(t testing.TB, w *Watch) Status {
	t.Helper()
	for {
		if st := w.Latest(); st.State.Terminal() {
			return st
		}
		<-w.Changed()
	}
}

func starts(events []string) []string {
	var out []string
	for _, e := range events {
		if p, ok := strings.CutPrefix(e, "start "); ok {
			out = append(out, p)
		}
	}
	return out
}

func TestFairStartOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fb := &fakeBackend{stepTime: time.Second}
		s, _ := startService(t, Config{PerUser: 3, MaxQueue: 100}, fb)
		var tks []*Ticket
		for _, p := range []string{"A1", "A2", "A3"} {
			tks = append(tks, submit(t, s, user("A"), p, 2))
		}
		synctest.Wait() // A1 is running
		tks = append(tks, submit(t, s, user("B"), "B1", 2), submit(t, s, user("C"), "C1", 2))
		for _, tk := range tks {
			if st := final(t, tk.Watch); st.State != Done {
				t.Fatalf("job %s ended %v: %v", tk.Params.UserPrompt, st.State, st.Err)
			}
		}
		got := starts(fb.events())
		want := []string{"A1", "B1", "C1", "A2", "A3"}
		if !slices.Equal(got, want) {
			t.Errorf("start order = %v, want %v", got, want)
		}
		if fb.maxAct != 1 {
			t.Errorf("%d generations ran at once on one backend, want 1", fb.maxAct)
		}
	})
}

func TestStatusesOfAJob(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fb := &fakeBackend{stepTime: time.Second}
		s, _ := startService(t, Config{PerUser: 3, MaxQueue: 100}, fb)
		blocker := submit(t, s, user("X"), "blocker", 3)
		synctest.Wait()
		tk := submit(t, s, user("A"), "a cat", 4)
		if st := tk.Watch.Latest(); st.State != Queued || st.Position != 1 || st.Params.UserPrompt != "a cat" {
			t.Errorf("first status = %+v, want queued at position 1", st)
		}
		final(t, blocker.Watch)
		var seen []State
		var lastPreview int
		for {
			<-tk.Watch.Changed()
			st := tk.Watch.Latest()
			if len(seen) == 0 || seen[len(seen)-1] != st.State {
				seen = append(seen, st.State)
			}
			if st.State == Running {
				if st.PreviewSeq < lastPreview || (st.PreviewSeq > 0 && st.Preview == nil) {
					t.Errorf("preview %d (%v) after %d", st.PreviewSeq, st.Preview, lastPreview)
				}
				lastPreview = st.PreviewSeq
			}
			if st.State == Done {
				if len(st.Result.Images) != 1 || st.Duration != 4*time.Second {
					t.Errorf("done status = %+v", st)
				}
				break
			}
		}
		// One preview per second. The last one and the result arrive at
		// the same instant: the reader may see the last preview or only
		// the result, but never fewer previews than the earlier steps'.
		if lastPreview != 3 && lastPreview != 4 {
			t.Errorf("saw preview %d last, want 3 or 4", lastPreview)
		}
		if !slices.Equal(seen, []State{Queued, Running, Done}) && !slices.Equal(seen, []State{Running, Done}) {
			t.Errorf("states = %v, want queued, running, done", seen)
		}
	})
}

func TestLatestWins(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fb := &fakeBackend{stepTime: time.Millisecond}
		s, _ := startService(t, Config{PerUser: 3, MaxQueue: 100}, fb)
		tk := submit(t, s, user("A"), "fast", 50)
		// A slow reader: by the time it looks, 50 progress samples and the
		// result were published; it sees the newest one only.
		time.Sleep(time.Minute)
		<-tk.Watch.Changed()
		st := tk.Watch.Latest()
		if st.State != Done {
			t.Fatalf("latest = %v, want done", st.State)
		}
		select {
		case <-tk.Watch.Changed():
			t.Errorf("a stale status was signalled after the latest was read")
		default:
		}
		if tk.Watch.publish(Status{State: Running}) {
			t.Errorf("a status replaced the terminal one")
		}
	})
}

func TestCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fb := &fakeBackend{stepTime: time.Second}
		s, _ := startService(t, Config{PerUser: 3, MaxQueue: 100}, fb)
		running := submit(t, s, user("A"), "running", 10)
		queued := submit(t, s, user("B"), "queued", 10)
		other := submit(t, s, user("C"), "other", 2)
		synctest.Wait()

		if err := s.Cancel(queued.ID, user("A"), false); !errors.Is(err, ErrNotYourJob) {
			t.Errorf("Cancel by someone else = %v, want ErrNotYourJob", err)
		}
		if err := s.Cancel(queued.ID, user("B"), false); err != nil {
			t.Fatalf("Cancel queued: %v", err)
		}
		if st := final(t, queued.Watch); st.State != Cancelled {
			t.Errorf("queued job ended %v, want cancelled", st.State)
		}
		time.Sleep(2500 * time.Millisecond)
		if err := s.Cancel(running.ID, user("admin"), true); err != nil {
			t.Fatalf("admin Cancel running: %v", err)
		}
		if st := final(t, running.Watch); st.State != Cancelled || st.Duration >= 10*time.Second {
			t.Errorf("running job ended %v after %v, want cancelled early", st.State, st.Duration)
		}
		if st := final(t, other.Watch); st.State != Done {
			t.Errorf("next job ended %v, want done", st.State)
		}
		if err := s.Cancel(other.ID, user("C"), false); !errors.Is(err, ErrJobNotFound) {
			t.Errorf("Cancel finished job = %v, want ErrJobNotFound", err)
		}
		if got := starts(fb.events()); !slices.Equal(got, []string{"running", "other"}) {
			t.Errorf("started %v, want running then other (the cancelled job never runs)", got)
		}
	})
}

func TestCaps(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fb := &fakeBackend{stepTime: time.Hour}
		s, _ := startService(t, Config{PerUser: 2, MaxQueue: 2}, fb)
		submit(t, s, user("A"), "a1", 1)
		synctest.Wait()
		submit(t, s, user("A"), "a2", 1)
		if _, err := s.Submit(NewRequest("a3", user("A"))); !errors.Is(err, ErrUserLimit) {
			t.Errorf("third job of A = %v, want ErrUserLimit", err)
		}
		submit(t, s, user("B"), "b1", 1)
		if _, err := s.Submit(NewRequest("c1", user("C"))); !errors.Is(err, ErrQueueFull) {
			t.Errorf("job over the queue cap = %v, want ErrQueueFull", err)
		}
		if _, err := s.Submit(NewRequest("", user("C"))); !errors.Is(err, ErrEmptyPrompt) {
			t.Errorf("empty prompt = %v, want ErrEmptyPrompt", err)
		}
		mine, waiting := s.Jobs(user("A"))
		// b1 comes first: A already had a turn this round.
		if waiting != 2 || len(mine) != 2 || mine[0].State != Running || mine[1].Position != 2 {
			t.Errorf("Jobs(A) = %+v, %d waiting", mine, waiting)
		}
	})
}

func TestWorkerSurvivesFaults(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		calls := map[string]int{}
		fb := &fakeBackend{}
		fb.gen = func(ctx context.Context, p Params, progress func(Progress)) (*Result, error) {
			calls[p.UserPrompt]++
			switch p.UserPrompt {
			case "oom":
				return nil, fmt.Errorf("%w: CUDA out of memory", ErrOutOfMemory)
			case "down":
				return nil, fmt.Errorf("%w: connection refused", ErrBackendDown)
			case "flaky":
				if calls["flaky"] < 3 {
					return nil, fmt.Errorf("%w: connection refused", ErrBackendDown)
				}
			case "panic-free":
				return nil, errors.New("weird")
			}
			return &Result{Images: [][]byte{{1}}, Seeds: []int64{1}}, nil
		}
		s, _ := startService(t, Config{PerUser: 5, MaxQueue: 100, RetryDelays: []time.Duration{time.Second, time.Second}}, fb)
		oom := submit(t, s, user("A"), "oom", 1)
		down := submit(t, s, user("B"), "down", 1)
		flaky := submit(t, s, user("C"), "flaky", 1)
		weird := submit(t, s, user("D"), "panic-free", 1)
		ok := submit(t, s, user("E"), "ok", 1)
		tests := []struct {
			tk   *Ticket
			want State
			kind error
			text string
		}{
			{oom, Failed, ErrOutOfMemory, "ran out of GPU memory"},
			{down, Failed, ErrBackendDown, "not reachable"},
			{flaky, Done, nil, ""},
			{weird, Failed, nil, "Something went wrong"},
			{ok, Done, nil, ""},
		}
		for _, tt := range tests {
			st := final(t, tt.tk.Watch)
			if st.State != tt.want || (tt.kind != nil && !errors.Is(st.Err, tt.kind)) {
				t.Errorf("%s ended %v (%v), want %v (%v)", tt.tk.Params.UserPrompt, st.State, st.Err, tt.want, tt.kind)
			}
			if got := Describe(st.Err, "en"); !strings.Contains(got, tt.text) {
				t.Errorf("%s: Describe = %q, want it to contain %q", tt.tk.Params.UserPrompt, got, tt.text)
			}
		}
		want := map[string]int{"oom": 1, "down": 3, "flaky": 3, "panic-free": 1, "ok": 1}
		if !maps.Equal(calls, want) {
			t.Errorf("backend calls = %v, want %v (down retried twice, flaky succeeded on its third try)", calls, want)
		}
	})
}

func TestSwitchModelWaitsForRunningJob(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fb := &fakeBackend{stepTime: time.Second, model: "a.safetensors [111]"}
		fb2 := &fakeBackend{stepTime: time.Second, model: "a.safetensors [111]"}
		s, _ := startService(t, Config{PerUser: 5, MaxQueue: 100}, fb, fb2)
		j1 := submit(t, s, user("A"), "j1", 3)
		j2 := submit(t, s, user("B"), "j2", 5)
		synctest.Wait() // both backends busy
		j3 := submit(t, s, user("C"), "j3", 1)
		title, err := s.SwitchModel(context.Background(), "b")
		if err != nil || title != "b.safetensors [222]" {
			t.Fatalf("SwitchModel = %q, %v", title, err)
		}
		for _, tk := range []*Ticket{j1, j2, j3} {
			if st := final(t, tk.Watch); st.State != Done {
				t.Errorf("%s ended %v", tk.Params.UserPrompt, st.State)
			}
		}
		// The first backend to be free loads it, after its running job;
		// the other would load it with the next job that needs it.
		ev := fb.events()
		if i := slices.IndexFunc(ev, func(e string) bool { return strings.HasPrefix(e, "switch") }); i < 0 || ev[i] != "switch b.safetensors [222] (busy 0)" {
			t.Errorf("events %v: want a switch while idle", ev)
		}
		ev = append(fb.events(), fb2.events()...)
		if j := slices.Index(ev, "start j3"); j < 0 {
			t.Errorf("j3 never started: %v", ev)
		}
		if m, _ := s.CurrentModel(context.Background()); m != "b.safetensors [222]" {
			t.Errorf("CurrentModel = %q", m)
		}
		if st := final(t, j3.Watch); st.Result.Model != "b.safetensors [222]" {
			t.Errorf("j3 (queued behind the switch) ran on %q, want the new model", st.Result.Model)
		}
		if _, err := s.SwitchModel(context.Background(), "nope"); !errors.Is(err, ErrModelNotFound) {
			t.Errorf("SwitchModel(nope) = %v, want ErrModelNotFound", err)
		}
	})
}

func TestShutdownTellsQueuedJobs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fb := &fakeBackend{stepTime: time.Second}
		s, stop := startService(t, Config{PerUser: 5, MaxQueue: 100}, fb)
		running := submit(t, s, user("A"), "running", 5)
		queued := submit(t, s, user("B"), "queued", 5)
		synctest.Wait()
		stop()
		for _, tk := range []*Ticket{running, queued} {
			st := final(t, tk.Watch)
			if st.State != Failed || !errors.Is(st.Err, ErrShuttingDown) {
				t.Errorf("%s ended %v (%v), want failed: shutting down", tk.Params.UserPrompt, st.State, st.Err)
			}
		}
		synctest.Wait()
		if _, err := s.Submit(NewRequest("late", user("C"))); !errors.Is(err, ErrShuttingDown) {
			t.Errorf("Submit after shutdown = %v, want ErrShuttingDown", err)
		}
	})
}

func TestPositionsRefresh(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fb := &fakeBackend{stepTime: time.Second}
		s, _ := startService(t, Config{PerUser: 5, MaxQueue: 100, PositionRefresh: time.Second}, fb)
		submit(t, s, user("A"), "a", 2)
		synctest.Wait()
		b := submit(t, s, user("B"), "b", 2)
		c := submit(t, s, user("C"), "c", 2)
		if st := c.Watch.Latest(); st.Position != 2 {
			t.Fatalf("c position = %d, want 2", st.Position)
		}
		final(t, b.Watch)
		// b ran; c must have been told it moved up before it started.
		time.Sleep(500 * time.Millisecond)
		_ = c
		if st := c.Watch.Latest(); st.State == Queued && st.Position != 1 {
			t.Errorf("c position = %d after b left, want 1", st.Position)
		}
	})
}
