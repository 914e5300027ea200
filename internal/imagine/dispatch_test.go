package imagine

import (
	"context"
	"errors"
	"github.com/imaginebot/imaginebot/internal/catalog"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// submitModel submits prompt for who with --model model and steps steps.
func submitModel(t *testing.T, s *Service, who Requester, prompt, model string, steps int) *Ticket {
	t.Helper()
	req := NewRequest(prompt, who)
	req.Steps, req.Model = steps, model
	tk, err := s.Submit(req)
	if err != nil {
		t.Fatalf("Submit(%q): %v", prompt, err)
	}
	return tk
}

// switchesIn counts the model loads in a backend's events.
func switchesIn(f *fakeBackend) int {
	n := 0
	for _, e := range f.events() {
		if strings.HasPrefix(e, "switch ") {
			n++
		}
	}
	return n
}

// ranOn returns which backends ran each prompt.
func ranOn(fakes ...*fakeBackend) map[string]int {
	out := map[string]int{}
	for i, f := range fakes {
		for _, e := range f.events() {
			if p, ok := strings.CutPrefix(e, "start "); ok {
				out[p] = i
			}
		}
	}
	return out
}

// TestAffinity: jobs go to the free backend that has their model loaded,
// so a load of two models on two backends needs no switch at all.
func TestAffinity(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := &fakeBackend{stepTime: time.Second, model: "a.safetensors [111]"}
		b := &fakeBackend{stepTime: time.Second, model: "b.safetensors [222]"}
		s, _ := startService(t, Config{PerUser: 5, MaxQueue: 100}, a, b)
		synctest.Wait() // the workers have read their models
		var tks []*Ticket
		for i, m := range []string{"b", "a", "b", "a", "a", "b"} {
			tks = append(tks, submitModel(t, s, user(string(rune('A'+i))), m+string(rune('0'+i)), m, 2))
		}
		for _, tk := range tks {
			if st := final(t, tk.Watch); st.State != Done {
				t.Fatalf("%s ended %v: %v", tk.Params.UserPrompt, st.State, st.Err)
			}
		}
		if n := switchesIn(a) + switchesIn(b); n != 0 {
			t.Errorf("%d model switches, want none: %v %v", n, a.events(), b.events())
		}
		for p, i := range ranOn(a, b) {
			if want := map[byte]int{'a': 0, 'b': 1}[p[0]]; i != want {
				t.Errorf("%s ran on backend %d, want %d (the one with its model)", p, i, want)
			}
		}
	})
}

// TestAffinityWait: the next job waits for a busy backend that has its
// model for up to AffinityWait, and no later job overtakes it meanwhile;
// after that a free backend switches.
func TestAffinityWait(t *testing.T) {
	for _, tt := range []struct {
		name     string
		wait     time.Duration
		wantOn   int // the backend that runs "next b"
		switches int
	}{
		{"the busy backend frees first", 10 * time.Second, 1, 0},
		// Both switch: "next b" loads b on backend 0, then "later a"
		// finds a only on the busy one, and waits for it in vain.
		{"the wait runs out", 500 * time.Millisecond, 0, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				log := &startLog{}
				a := &fakeBackend{stepTime: time.Second, model: "a.safetensors [111]", starts: log}
				b := &fakeBackend{stepTime: time.Second, model: "b.safetensors [222]", starts: log}
				s, _ := startService(t, Config{PerUser: 5, MaxQueue: 100, AffinityWait: tt.wait}, a, b)
				synctest.Wait()
				long := submitModel(t, s, user("A"), "long b", "b", 2)
				synctest.Wait() // on b, for 2s
				next := submitModel(t, s, user("B"), "next b", "b", 1)
				later := submitModel(t, s, user("C"), "later a", "a", 1)
				time.Sleep(400 * time.Millisecond)
				synctest.Wait()
				if got := log.list(); !slices.Equal(got, []string{"long b"}) {
					t.Errorf("started %v while next b waits for its model: a later job overtook it", got)
				}
				for _, tk := range []*Ticket{long, next, later} {
					if st := final(t, tk.Watch); st.State != Done {
						t.Fatalf("%s ended %v", tk.Params.UserPrompt, st.State)
					}
				}
				if got := ranOn(a, b)["next b"]; got != tt.wantOn {
					t.Errorf("next b ran on backend %d, want %d", got, tt.wantOn)
				}
				if n := switchesIn(a) + switchesIn(b); n != tt.switches {
					t.Errorf("%d switches, want %d", n, tt.switches)
				}
			})
		})
	}
}

// TestBackendDownMovesJob: a backend that stops answering hands its running
// job to another backend that offers the model, at once; it takes no jobs
// until it answers again, and is reported down and then up.
func TestBackendDownMovesJob(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dead := &flakyBackend{fakeBackend: fakeBackend{stepTime: time.Second, model: "a.safetensors [111]"}}
		live := &fakeBackend{stepTime: time.Second, model: "a.safetensors [111]"}
		obs := &upObserver{}
		s, _ := startService(t, Config{PerUser: 5, MaxQueue: 100, Observer: obs}, dead, live)
		synctest.Wait()
		dead.setDown(true)
		first := submit(t, s, user("A"), "first", 1) // to the first free backend: dead
		second := submit(t, s, user("B"), "second", 1)
		for _, tk := range []*Ticket{first, second} {
			if st := final(t, tk.Watch); st.State != Done {
				t.Fatalf("%s ended %v: %v; want it moved to the live backend", tk.Params.UserPrompt, st.State, st.Err)
			}
		}
		if !slices.Contains(live.events(), "start first") {
			t.Errorf("live backend events %v, want first to run there", live.events())
		}
		if got := obs.list(); !slices.Equal(got, []string{"b0 down"}) {
			t.Errorf("backend states %v, want b0 down", got)
		}
		dead.setDown(false)
		time.Sleep(2 * probeEvery)
		synctest.Wait()
		if got := obs.list(); !slices.Equal(got, []string{"b0 down", "b0 up"}) {
			t.Errorf("backend states %v, want b0 down, then up once it answers", got)
		}
	})
}

// TestAllBackendsDown: with every backend down jobs wait, nothing is lost,
// and they run when one comes back.
func TestAllBackendsDown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		x := &flakyBackend{fakeBackend: fakeBackend{stepTime: time.Second}}
		y := &flakyBackend{fakeBackend: fakeBackend{stepTime: time.Second}}
		s, _ := startService(t, Config{PerUser: 5, MaxQueue: 100}, x, y)
		synctest.Wait()
		x.setDown(true)
		y.setDown(true)
		tk := submit(t, s, user("A"), "patient", 1)
		time.Sleep(30 * time.Second)
		synctest.Wait()
		st := tk.Watch.Latest()
		if st.State != Queued {
			t.Fatalf("with every backend down the job is %v: %v; want it queued", st.State, st.Err)
		}
		if !st.NoBackend || !strings.Contains(QueueLine("en", st), "No image server answers") {
			t.Errorf("the user reads %q while every backend is down, want to be told", QueueLine("en", st))
		}
		y.setDown(false)
		if st := final(t, tk.Watch); st.State != Done {
			t.Errorf("after a backend came back the job ended %v: %v", st.State, st.Err)
		}
		if !slices.Contains(y.events(), "start patient") {
			t.Errorf("y events %v: want the job to run on the backend that came back", y.events())
		}
	})
}

// TestUnknownModelFails: a job for a model no backend offers is refused
// at Submit; one that gets past (a job restored after the checkpoint was
// deleted) ends with the reason when it is next, instead of waiting.
func TestUnknownModelFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, _ := startService(t, Config{PerUser: 5, MaxQueue: 100}, &fakeBackend{stepTime: time.Millisecond})
		synctest.Wait() // the backend's models are known
		req := NewRequest("x", user("A"))
		req.Model = "nonexistent"
		if _, err := s.Submit(req); !errors.Is(err, ErrModelNotFound) {
			t.Errorf("Submit = %v, want ErrModelNotFound", err)
		}
		s.mu.Lock()
		w, _, err := s.chooseLocked(Params{}, "nonexistent", 0)
		s.mu.Unlock()
		if w != nil || !errors.Is(err, ErrModelNotFound) {
			t.Errorf("chooseLocked = %v, %v; want ErrModelNotFound", w, err)
		}
	})
}

// flakyBackend is a fakeBackend that can stop answering, as a crashed
// server does: every call fails with ErrBackendDown.
type flakyBackend struct {
	fakeBackend
	downMu sync.Mutex
	down   bool
}

func (f *flakyBackend) setDown(down bool) {
	f.downMu.Lock()
	defer f.downMu.Unlock()
	f.down = down
}

func (f *flakyBackend) isDown() bool {
	f.downMu.Lock()
	defer f.downMu.Unlock()
	return f.down
}

func (f *flakyBackend) Generate(ctx context.Context, p Params, progress func(Progress)) (*Result, error) {
	if f.isDown() {
		return nil, ErrBackendDown
	}
	return f.fakeBackend.Generate(ctx, p, progress)
}

func (f *flakyBackend) CurrentModel(ctx context.Context) (string, error) {
	if f.isDown() {
		return "", ErrBackendDown
	}
	return f.fakeBackend.CurrentModel(ctx)
}

func (f *flakyBackend) Models(ctx context.Context) ([]Model, error) {
	if f.isDown() {
		return nil, ErrBackendDown
	}
	return f.fakeBackend.Models(ctx)
}

// upObserver records BackendUp calls.
type upObserver struct {
	noObserver
	mu     sync.Mutex
	events []string
}

func (o *upObserver) BackendUp(b string, up bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	state := "down"
	if up {
		state = "up"
	}
	o.events = append(o.events, b+" "+state)
}

func (o *upObserver) list() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.events)
}

func TestSameModel(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{"sdxl/Juggernaut.safetensors [abc123]", "juggernaut", true},
		{"v1-5-pruned-emaonly.safetensors", "V1-5-PRUNED-EMAONLY", true},
		{"flux1-dev.gguf", "flux1-dev", true},
		{"a.safetensors [111]", "b.safetensors [222]", false},
		{"", "", false},
		{"model.v2", "model", false},
	} {
		if got := sameModel(tt.a, tt.b); got != tt.want {
			t.Errorf("sameModel(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestNewModelOffered: a checkpoint added to a server after start is
// offered there as soon as Submit accepts it (the dispatcher reads the same
// lists as Submit's checks).
func TestNewModelOffered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeBackend{stepTime: time.Second, model: "a.safetensors", offer: []string{"a"}}
		s, _ := startService(t, Config{PerUser: 5, MaxQueue: 100}, f)
		synctest.Wait()
		f.mu.Lock()
		f.offer = []string{"a", "c"}
		f.mu.Unlock()
		req := NewRequest("new", user("A"))
		req.Model = "c"
		if _, err := s.Submit(req); !errors.Is(err, ErrModelNotFound) {
			t.Fatalf("Submit before the lists were read again = %v, want ErrModelNotFound", err)
		}
		time.Sleep(listTTL + time.Second) // the lists are read again
		synctest.Wait()
		tk, err := s.Submit(req)
		if err != nil {
			t.Fatalf("Submit after the refresh: %v", err)
		}
		if st := final(t, tk.Watch); st.State != Done {
			t.Errorf("the job for the new model ended %v: %v", st.State, st.Err)
		}
	})
}

// refusingBackend is a fakeBackend that makes no variations, as ComfyUI.
type refusingBackend struct{ *fakeBackend }

func (refusingBackend) Refuses(p Params) error {
	if p.Kind == KindVary {
		return userErr(ErrRejected, catalog.MsgVaryUnsupported)
	}
	return nil
}

// A job a backend refuses runs on one that does not; with none, it fails
// with the refusal's reason instead of reaching a backend.
func TestRefusedJobsGoElsewhere(t *testing.T) {
	for _, tc := range []struct {
		name     string
		backends func() (refusing, other *fakeBackend, all []Backend)
		wantErr  bool
	}{
		{"beside a backend that can", func() (*fakeBackend, *fakeBackend, []Backend) {
			r, o := &fakeBackend{stepTime: time.Millisecond}, &fakeBackend{stepTime: time.Millisecond}
			return r, o, []Backend{refusingBackend{r}, o} // the refusing one is first: first free
		}, false},
		{"alone", func() (*fakeBackend, *fakeBackend, []Backend) {
			r := &fakeBackend{stepTime: time.Millisecond}
			return r, nil, []Backend{refusingBackend{r}}
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				refusing, other, all := tc.backends()
				s, _ := startService(t, Config{PerUser: 5, MaxQueue: 100}, all...)
				synctest.Wait()
				req := NewRequest("a fox", user("A")).Vary(user("A"), 42)
				tk, err := s.Submit(req)
				if err != nil {
					t.Fatalf("Submit: %v", err)
				}
				st := final(t, tk.Watch)
				if tc.wantErr {
					var ue *UserError
					if st.State != Failed || !errors.As(st.Err, &ue) || ue.ID != catalog.MsgVaryUnsupported {
						t.Errorf("final = %v %v, want Failed with MsgVaryUnsupported", st.State, st.Err)
					}
				} else if st.State != Done {
					t.Errorf("final = %v %v, want Done", st.State, st.Err)
				}
				if got := starts(refusing.events()); len(got) != 0 {
					t.Errorf("the refusing backend ran %v", got)
				}
				if other != nil && len(starts(other.events())) != 1 {
					t.Errorf("the other backend ran %v, want the variation", starts(other.events()))
				}
				// A plain job still runs on the refusing backend.
				if tc.wantErr {
					if st := final(t, submit(t, s, user("B"), "plain", 1).Watch); st.State != Done {
						t.Errorf("a txt2img beside the refusal = %v %v", st.State, st.Err)
					}
				}
			})
		})
	}
}
