package imagine

import (
	"context"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// TestSwitchKeepsFairOrder submits 5 jobs from 3 users while a slow model
// switch runs and checks that they start in exactly the order they start in
// without the switch, and that every one of them runs on the new model. It
// runs each case many times: a race between the switch and the workers'
// Pop would show as a different order on some run.
func TestSwitchKeepsFairOrder(t *testing.T) {
	type job struct {
		user, prompt string
		steps        int // seconds; chosen so that no two jobs end at the same instant
	}
	tests := []struct {
		name     string
		backends int
		running  []job // jobs that run when the switch is asked for
		jobs     []job
		want     []string // the fair start order, running first
		// noReference: without a switch, two idle backends would start
		// the first jobs as they arrive, so no order without a switch
		// compares; with it, the jobs must start in the fair order want.
		noReference bool
	}{
		{
			name:     "one backend, idle",
			backends: 1,
			jobs:     []job{{"A", "A1", 3}, {"A", "A2", 2}, {"B", "B1", 4}, {"C", "C1", 2}, {"B", "B2", 2}},
			want:     []string{"A1", "B1", "C1", "A2", "B2"},
		},
		{
			// A has started a job in this round, so A's next jobs wait for
			// the next round, behind B's and C's first.
			name:     "one backend, running a job",
			backends: 1,
			running:  []job{{"A", "A0", 1}},
			jobs:     []job{{"A", "A1", 3}, {"A", "A2", 2}, {"B", "B1", 4}, {"C", "C1", 2}, {"B", "B2", 2}},
			want:     []string{"A0", "B1", "C1", "A1", "B2", "A2"},
		},
		{
			name:        "two backends, idle",
			backends:    2,
			noReference: true,
			jobs:        []job{{"A", "A1", 3}, {"A", "A2", 2}, {"B", "B1", 4}, {"C", "C1", 2}, {"B", "B2", 2}},
			want:        []string{"A1", "B1", "C1", "A2", "B2"},
		},
		{
			name:     "two backends, both running a job",
			backends: 2,
			running:  []job{{"A", "A0", 1}, {"D", "D0", 2}},
			jobs:     []job{{"A", "A1", 3}, {"A", "A2", 2}, {"B", "B1", 4}, {"C", "C1", 2}, {"B", "B2", 2}},
			want:     []string{"A0", "D0", "B1", "C1", "A1", "B2", "A2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// order runs the case in a bubble and returns the start order,
			// with or without a model switch asked for before the jobs
			// are submitted.
			order := func(t *testing.T, switching bool) []string {
				var got []string
				synctest.Test(t, func(t *testing.T) {
					log := &startLog{}
					var backends []Backend
					var fakes []*fakeBackend
					for i := range tt.backends {
						// Loads of different lengths, so that no two workers
						// take a job at the same instant.
						fb := &fakeBackend{stepTime: time.Second, switchTime: time.Duration(200+130*i) * time.Millisecond, model: "a.safetensors [111]", starts: log}
						fakes = append(fakes, fb)
						backends = append(backends, fb)
					}
					s, _ := startService(t, Config{PerUser: 5, MaxQueue: 100}, backends...)
					var tks []*Ticket
					running := map[string]bool{}
					for _, j := range tt.running {
						tks = append(tks, submit(t, s, user(j.user), j.prompt, j.steps))
						running[j.prompt] = true
						synctest.Wait()
					}
					switched := make(chan error, 1)
					if switching {
						go func() { _, err := s.SwitchModel(context.Background(), "b"); switched <- err }()
						time.Sleep(10 * time.Millisecond) // every idle backend is loading now
					} else {
						switched <- nil
					}
					for _, j := range tt.jobs {
						tks = append(tks, submit(t, s, user(j.user), j.prompt, j.steps))
						synctest.Wait()
					}
					for _, tk := range tks {
						st := final(t, tk.Watch)
						if st.State != Done {
							t.Fatalf("%s ended %v: %v", tk.Params.UserPrompt, st.State, st.Err)
						}
						if switching && !running[tk.Params.UserPrompt] && st.Result.Model != "b.safetensors [222]" {
							t.Errorf("%s, queued during the switch, ran on %q, want the new model", tk.Params.UserPrompt, st.Result.Model)
						}
					}
					if err := <-switched; err != nil {
						t.Fatalf("SwitchModel: %v", err)
					}
					// One backend loads the model at once, while idle; the
					// others load it with the first job that needs it.
					idle := 0
					for i, fb := range fakes {
						var switches []string
						for _, e := range fb.events() {
							if strings.HasPrefix(e, "switch ") {
								switches = append(switches, e)
							}
						}
						if len(switches) > 1 || (len(switches) == 1 && switches[0] != "switch b.safetensors [222] (busy 0)" && switches[0] != "switch b.safetensors [222] (in a job)") {
							t.Errorf("backend %d: switches %v, want at most one, while idle or in a job", i, switches)
						}
						if len(switches) == 1 && strings.HasSuffix(switches[0], "(busy 0)") {
							idle++
						}
					}
					if switching && idle != 1 {
						t.Errorf("%d backends switched while idle, want 1 (the /model load)", idle)
					}
					got = log.list()
				})
				return got
			}
			want := tt.want
			if !tt.noReference {
				if without := order(t, false); !slices.Equal(without, want) {
					t.Fatalf("without a switch the jobs start in the order %v; the test expects the fair order %v", without, want)
				}
			}
			for run := range 25 {
				if got := order(t, true); !slices.Equal(got, want) {
					t.Fatalf("run %d: with a switch the jobs start in the order %v, want %v", run, got, want)
				}
			}
		})
	}
}

// TestSwitchOrderUnderRealTime repeats the switch with jobs waiting on real
// time, where the workers' Pop, the switch's wake-up and the submissions
// really race (synctest runs goroutines in a bubble but cannot force every
// interleaving). One backend: jobs must run in exactly the fair order.
func TestSwitchOrderUnderRealTime(t *testing.T) {
	const runs = 30
	for run := range runs {
		log := &startLog{}
		fb := &fakeBackend{stepTime: time.Millisecond, switchTime: 5 * time.Millisecond, model: "a.safetensors [111]", starts: log}
		s, stop := startService(t, Config{PerUser: 5, MaxQueue: 100}, fb)
		switched := make(chan error, 1)
		go func() { _, err := s.SwitchModel(context.Background(), "b"); switched <- err }()
		var tks []*Ticket
		for _, j := range []struct{ user, prompt string }{{"A", "A1"}, {"A", "A2"}, {"B", "B1"}, {"C", "C1"}, {"B", "B2"}} {
			tks = append(tks, submit(t, s, user(j.user), j.prompt, 2))
		}
		for _, tk := range tks {
			if st := final(t, tk.Watch); st.State != Done {
				t.Fatalf("run %d: %s ended %v: %v", run, tk.Params.UserPrompt, st.State, st.Err)
			}
		}
		if err := <-switched; err != nil {
			t.Fatalf("SwitchModel: %v", err)
		}
		stop()
		// The switch may be asked for before or after A1 is taken; either
		// way the fair order holds.
		got, want := log.list(), []string{"A1", "B1", "C1", "A2", "B2"}
		if !slices.Equal(got, want) {
			t.Fatalf("run %d: start order %v, want %v", run, got, want)
		}
	}
}
