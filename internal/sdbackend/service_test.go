package sdbackend

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/sd"
	"github.com/imaginebot/imaginebot/internal/sdsim"
)

// startService runs the core on one simulated SD server.
func startService(t testing.TB, srv *sdsim.Server, cfg imagine.Config) *imagine.Service {
	t.Helper()
	c, err := sd.New(sd.Config{URL: srv.URL, PollInterval: 5 * time.Millisecond, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Settings = imagine.Settings{
		CheckInput: cfg.Settings.CheckInput,
		Defaults:   imagine.Defaults{Width: 64, Height: 64, Steps: 4, BatchSize: 1, NegativePrompt: "lowres", HRScale: 2, DenoisingStrength: 0.5, CFGScale: 7},
		Limits:     imagine.Limits{MaxWidth: 512, MaxHeight: 512, MaxSteps: 50, MaxBatch: 4, MaxPromptLength: 500},
	}
	if cfg.PerUser == 0 {
		cfg.PerUser, cfg.MaxQueue = 3, 100000
	}
	s := imagine.New(cfg, []imagine.NamedBackend{{Name: "sim", Backend: New(c)}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return s
}

func submit(t testing.TB, s *imagine.Service, user, prompt string) *imagine.Ticket {
	t.Helper()
	tk, err := s.Submit(imagine.NewRequest(prompt, imagine.Requester{Platform: imagine.Telegram, UserID: user}))
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	return tk
}

func waitEnd(t testing.TB, tk *imagine.Ticket) imagine.Status {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		if st := tk.Watch.Latest(); st.State.Terminal() {
			return st
		}
		select {
		case <-tk.Watch.Changed():
		case <-timeout:
			t.Fatalf("job %s did not end", tk.Params.UserPrompt)
		}
	}
}

// TestModelSwitchNeverOverlapsGeneration checks, on the simulated server's
// own records, that the checkpoint is never changed while a txt2img runs.
func TestModelSwitchNeverOverlapsGeneration(t *testing.T) {
	srv := sdsim.NewServer(sdsim.Options{StepDelay: 20 * time.Millisecond, ModelLoadDelay: 100 * time.Millisecond})
	defer srv.Close()
	s := startService(t, srv, imagine.Config{})
	first := submit(t, s, "a", "first")
	for first.Watch.Latest().State != imagine.Running {
		<-first.Watch.Changed()
	}
	second := submit(t, s, "b", "second")
	models, err := s.Models(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	title, err := s.SwitchModel(context.Background(), models[1].Name)
	if err != nil || title != models[1].Title {
		t.Fatalf("SwitchModel = %q, %v", title, err)
	}
	for _, tk := range []*imagine.Ticket{first, second} {
		if st := waitEnd(t, tk); st.State != imagine.Done {
			t.Fatalf("%s ended %v: %v", tk.Params.UserPrompt, st.State, st.Err)
		}
	}
	var gens, switches []sdsim.Record
	for _, r := range srv.Records() {
		switch {
		case r.Path == "/sdapi/v1/txt2img":
			gens = append(gens, r)
		case r.Path == "/sdapi/v1/options" && r.Method == "POST":
			switches = append(switches, r)
		}
	}
	if len(gens) != 2 || len(switches) != 1 {
		t.Fatalf("records: %d txt2img, %d option posts; want 2 and 1", len(gens), len(switches))
	}
	sw := switches[0]
	for _, g := range gens {
		if g.Start.Before(sw.End) && sw.Start.Before(g.End) {
			t.Errorf("model switch %v–%v overlaps txt2img %v–%v", sw.Start, sw.End, g.Start, g.End)
		}
	}
	if !gens[1].Start.After(sw.End) {
		t.Errorf("the queued job started before the switch ended")
	}
	if got := srv.CurrentModel(); got != models[1].Title {
		t.Errorf("server model = %q, want %q", got, models[1].Title)
	}
}

// TestWorkerSurvivesServerFaults runs a job into each fault of the
// simulated server and checks that it fails clearly and the next job works.
func TestWorkerSurvivesServerFaults(t *testing.T) {
	srv := sdsim.NewServer(sdsim.Options{StepDelay: time.Millisecond})
	defer srv.Close()
	s := startService(t, srv, imagine.Config{RetryDelays: []time.Duration{10 * time.Millisecond}})
	tests := []struct {
		fault sdsim.FaultKind
		want  error
	}{
		{sdsim.FaultOOM, imagine.ErrOutOfMemory},
		{sdsim.FaultValidation, imagine.ErrRejected},
		{sdsim.FaultMalformed, imagine.ErrBackend},
		{sdsim.FaultDown, imagine.ErrBackendDown},
		{sdsim.FaultNoImages, imagine.ErrNoImage},
		{sdsim.FaultEmptyImage, imagine.ErrNoImage},
		{sdsim.FaultNullImage, imagine.ErrNoImage},
		{sdsim.FaultBadBase64, imagine.ErrNoImage},
		{sdsim.FaultNotImage, imagine.ErrNoImage},
	}
	for i, tt := range tests {
		t.Run(tt.fault.String(), func(t *testing.T) {
			srv.SetFault(sdsim.Fault{Kind: tt.fault, Path: "/sdapi/v1/txt2img", Times: 2})
			st := waitEnd(t, submit(t, s, fmt.Sprint("u", i), "faulty"))
			if st.State != imagine.Failed || !errors.Is(st.Err, tt.want) {
				t.Fatalf("job ended %v (%v), want failed with %v", st.State, st.Err, tt.want)
			}
			srv.SetFault(sdsim.Fault{})
			if st := waitEnd(t, submit(t, s, fmt.Sprint("v", i), "healthy")); st.State != imagine.Done {
				t.Fatalf("the next job ended %v (%v), want done", st.State, st.Err)
			}
		})
	}
}

// BenchmarkDispatchGap measures, on the simulated server's records, the
// time from the end of one txt2img to the arrival of the next while a
// backlog waits: the worker must not sleep between jobs.
func BenchmarkDispatchGap(b *testing.B) {
	srv := sdsim.NewServer(sdsim.Options{StepDelay: time.Microsecond})
	defer srv.Close()
	s := startService(b, srv, imagine.Config{})
	var tickets []*imagine.Ticket
	b.ResetTimer()
	for i := range b.N + 1 {
		req := imagine.NewRequest("gap", imagine.Requester{Platform: imagine.Telegram, UserID: fmt.Sprint(i)})
		req.Steps = 1
		tk, err := s.Submit(req)
		if err != nil {
			b.Fatal(err)
		}
		tickets = append(tickets, tk)
	}
	for _, tk := range tickets {
		if st := waitEnd(b, tk); st.State != imagine.Done {
			b.Fatalf("job ended %v: %v", st.State, st.Err)
		}
	}
	b.StopTimer()
	var gaps []time.Duration
	var prevEnd time.Time
	for _, r := range srv.Records() {
		if r.Path != "/sdapi/v1/txt2img" {
			continue
		}
		if !prevEnd.IsZero() {
			gaps = append(gaps, r.Start.Sub(prevEnd))
		}
		prevEnd = r.End
	}
	if len(gaps) == 0 {
		return
	}
	slices.Sort(gaps)
	b.ReportMetric(float64(gaps[len(gaps)/2].Microseconds()), "median-gap-µs")
	b.ReportMetric(float64(gaps[len(gaps)*99/100].Microseconds()), "p99-gap-µs")
}
