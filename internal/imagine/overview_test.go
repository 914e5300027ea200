package imagine

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// prompts lists the views' prompts, in order.
func prompts(views []JobView) []string {
	var out []string
	for _, v := range views {
		out = append(out, v.Prompt)
	}
	return out
}

// TestOverview follows the dashboard's view of a service with two working
// backends of two kinds and one that is down: the running jobs with their
// backends, progress and previews, the waiting jobs in fair order with
// their positions, each backend's state, and the default model.
func TestOverview(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := &fakeBackend{stepTime: time.Second, model: "a.safetensors [111]"}
		b := &fakeBackend{stepTime: time.Second, model: "b.safetensors [222]"}
		dead := &flakyBackend{fakeBackend: fakeBackend{stepTime: time.Second}}
		dead.setDown(true)
		s := New(Config{Settings: testSettings(), PerUser: 5, MaxQueue: 100}, []NamedBackend{
			{Name: "gpu0", Backend: a},
			{Name: "comfy", Backend: b, Kind: BackendComfyUI},
			{Name: "gpu2", Backend: dead, Kind: BackendA1111},
		})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { s.Run(ctx); close(done) }()
		defer func() { cancel(); <-done }()
		synctest.Wait() // the backends' models are read; gpu2 is down

		tks := map[string]*Ticket{}
		for _, j := range []struct{ who, prompt string }{
			{"A", "A1"}, {"A", "A2"}, {"A", "A3"}, {"B", "B1"}, {"C", "C1"},
		} {
			tks[j.prompt] = submit(t, s, user(j.who), j.prompt, 4)
		}
		time.Sleep(1500 * time.Millisecond) // one step of A1 and A2
		synctest.Wait()

		o := s.Overview()
		if got, want := prompts(o.Running), []string{"A1", "A2"}; !slices.Equal(got, want) {
			t.Errorf("running %v, want %v", got, want)
		}
		for i, backend := range []string{"gpu0", "comfy"} {
			if i >= len(o.Running) {
				break
			}
			v := o.Running[i]
			if v.State != Running || v.Backend != backend || v.Progress != 0.25 || !bytes.Equal(v.Preview, []byte{1}) ||
				v.Requester.Key() != "tg:A" || v.Steps != 4 || v.Width != 512 || v.Started.IsZero() {
				t.Errorf("running job %d = %+v, want on %s at 25%% with the first preview", i, v, backend)
			}
		}
		// A had two turns already: B and C come first.
		if got, want := prompts(o.Waiting), []string{"B1", "C1", "A3"}; !slices.Equal(got, want) {
			t.Errorf("waiting %v, want %v", got, want)
		}
		for i, v := range o.Waiting {
			if v.State != Queued || v.Position != i+1 || v.ID != tks[v.Prompt].ID || v.Preview != nil || v.Backend != "" {
				t.Errorf("waiting job %d = %+v", i, v)
			}
			// Chat users' /queue shows the same places.
			mine, _ := s.Jobs(v.Requester)
			for _, m := range mine {
				if m.ID == v.ID && m.Position != v.Position {
					t.Errorf("%s: the overview's position %d, /queue's %d", v.Prompt, v.Position, m.Position)
				}
			}
		}
		wantBackends := []BackendView{
			{Name: "gpu0", Kind: BackendA1111, Loaded: "a.safetensors [111]", Busy: true, Job: tks["A1"].ID},
			{Name: "comfy", Kind: BackendComfyUI, Loaded: "b.safetensors [222]", Busy: true, Job: tks["A2"].ID},
			{Name: "gpu2", Kind: BackendA1111, Down: true},
		}
		if !slices.Equal(o.Backends, wantBackends) {
			t.Errorf("backends\n got %+v\nwant %+v", o.Backends, wantBackends)
		}

		// A job cancelled while it waits leaves the line; the others move up.
		if err := s.Cancel(tks["B1"].ID, user("B"), false); err != nil {
			t.Fatal(err)
		}
		// Within overviewMaxAge callers share the lists read before; the
		// running jobs' progress is read at each call.
		time.Sleep(overviewMaxAge / 2)
		if o := s.Overview(); len(o.Waiting) != 3 {
			t.Errorf("50 ms later: %d waiting, want the 3 read before shared", len(o.Waiting))
		}
		time.Sleep(overviewMaxAge / 2)
		o = s.Overview()
		if got, want := prompts(o.Waiting), []string{"C1", "A3"}; !slices.Equal(got, want) || o.Waiting[0].Position != 1 || o.Waiting[1].Position != 2 {
			t.Errorf("after a cancel: waiting %+v, want C1, A3 at 1, 2", o.Waiting)
		}

		for _, tk := range tks {
			final(t, tk.Watch)
		}
		synctest.Wait() // the workers are freed
		if _, err := s.SwitchModel(context.Background(), "b"); err != nil {
			t.Fatal(err)
		}
		o = s.Overview()
		if len(o.Running) != 0 || len(o.Waiting) != 0 || o.DefaultModel != "b.safetensors [222]" {
			t.Errorf("at rest: %+v, want nothing running or waiting, default model b", o)
		}
		for _, v := range o.Backends {
			if v.Busy || v.Job != 0 {
				t.Errorf("backend at rest: %+v", v)
			}
		}
	})
}

// TestOverviewLeavesTheWatch: reading the running jobs' statuses for the
// dashboard does not consume the change signal of the adapter that owns
// the Watch.
func TestOverviewLeavesTheWatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, _ := startService(t, Config{PerUser: 3, MaxQueue: 10}, &fakeBackend{stepTime: time.Second})
		tk := submit(t, s, user("A"), "a cat", 3)
		for range 2 { // each step: a new preview the adapter must see
			tk.Watch.Latest()
			select { // the adapter has seen everything so far
			case <-tk.Watch.Changed():
			default:
			}
			time.Sleep(time.Second)
			synctest.Wait()
			if o := s.Overview(); len(o.Running) != 1 || o.Running[0].Preview == nil {
				t.Fatalf("overview %+v, want the running job with a preview", o)
			}
			select {
			case <-tk.Watch.Changed():
			default:
				t.Fatal("the adapter missed a status: Overview consumed its signal")
			}
		}
		final(t, tk.Watch)
	})
}

// BenchmarkOverview measures an admin dashboard's poll of a busy service:
// 1,000 jobs waiting (100 users, 10 each) and 4 backends running jobs
// with previews.
func BenchmarkOverview(b *testing.B) {
	preview := bytes.Repeat([]byte{1}, 30<<10)
	gen := func(ctx context.Context, p Params, progress func(Progress)) (*Result, error) {
		progress(Progress{Fraction: 0.5, Step: 1, Steps: 2, Preview: preview})
		<-ctx.Done()
		return nil, ctx.Err()
	}
	var backends []Backend
	for range 4 {
		backends = append(backends, &fakeBackend{gen: gen})
	}
	s, _ := startService(b, Config{PerUser: 20}, backends...)
	for i := range 1004 {
		req := NewRequest(fmt.Sprint("prompt ", i), user(fmt.Sprint(i%100)))
		if _, err := s.Submit(req); err != nil {
			b.Fatal(err)
		}
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		o := s.Overview()
		if len(o.Running) == 4 && o.Running[3].Preview != nil && len(o.Waiting) == 1000 {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("the service did not settle: %d running, %d waiting", len(o.Running), len(o.Waiting))
		}
		time.Sleep(time.Millisecond)
	}
	// read is what a poll costs when the lists are read anew (at most
	// every overviewMaxAge); shared, when they are not.
	b.Run("read", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			s.readOverview()
		}
	})
	b.Run("shared", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			s.Overview()
		}
	})
}

// BenchmarkDispatchWithViewers drains a backlog of 1,000 short jobs on 4
// backends while dashboard viewers poll Overview, and reports the
// dispatch gap (a backend's idle time between two jobs): the issue wants
// its p99 unchanged by 100 viewers. "100/1s" is 100 viewers polling every
// second, staggered; "100/50ms" polls twenty times as often.
func BenchmarkDispatchWithViewers(b *testing.B) {
	for _, c := range []struct {
		name    string
		viewers int
		every   time.Duration
	}{
		{"none", 0, 0},
		{"100/1s", 100, time.Second},
		{"100/50ms", 100, 50 * time.Millisecond},
	} {
		b.Run(c.name, func(b *testing.B) {
			var gaps []time.Duration
			var polls atomic.Int64
			for range b.N {
				var fakes []*fakeBackend
				for range 4 {
					fakes = append(fakes, &fakeBackend{stepTime: time.Millisecond, model: "a.safetensors [111]", timed: true})
				}
				ctx, cancel := context.WithCancel(context.Background())
				var wg sync.WaitGroup
				view := func(s *Service) {
					for i := range c.viewers {
						wg.Go(func() {
							// Staggered, as viewers' browsers are.
							t := time.NewTimer(c.every * time.Duration(i) / time.Duration(c.viewers))
							defer t.Stop()
							for {
								select {
								case <-ctx.Done():
									return
								case <-t.C:
								}
								s.Overview()
								polls.Add(1)
								t.Reset(c.every)
							}
						})
					}
				}
				_, _, g := benchBacklogWith(b, fakes, Config{}, false, 1000, 50, func(int) string { return "" }, view)
				cancel()
				wg.Wait()
				gaps = append(gaps, g...)
			}
			reportGaps(b, gaps)
			b.ReportMetric(float64(polls.Load())/float64(b.N), "polls/run")
		})
	}
}
