package store

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/imagine/imaginetest"
)

// settings are small images with few steps.
var settings = imagine.Settings{
	Defaults: imagine.Defaults{Width: 64, Height: 64, Steps: 4, BatchSize: 1, HRScale: 2, DenoisingStrength: 0.5, CFGScale: 7},
	Limits:   imagine.Limits{MaxWidth: 512, MaxHeight: 512, MaxSteps: 50, MaxBatch: 4, MaxPromptLength: 500},
}

// newService is a Service on s and b, restored from s.
func newService(t *testing.T, s imagine.Store, b *imaginetest.Backend) *imagine.Service {
	t.Helper()
	svc := imagine.New(imagine.Config{PerUser: 5, MaxQueue: 100, Settings: settings, Store: s},
		[]imagine.NamedBackend{{Name: "sd", Backend: b}})
	// Before any Submit: Run would restore the jobs submitted meanwhile a
	// second time.
	if err := svc.Restore(context.Background()); err != nil {
		t.Fatal(err)
	}
	return svc
}

// run runs svc until the test ends; stop ends it and waits.
func run(t *testing.T, svc *imagine.Service) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() {
		defer close(ran)
		svc.Run(ctx)
	}()
	stop = func() {
		cancel()
		<-ran
	}
	t.Cleanup(stop)
	return stop
}

// waitCtx bounds a test's waits; a failure to get there is reported, not
// timed.
func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// waitingOrder is the prompts of the waiting jobs, in the order they will
// start.
func waitingOrder(svc *imagine.Service, users ...string) []string {
	order := map[int]string{}
	for _, u := range users {
		mine, _ := svc.Jobs(who(u))
		for _, j := range mine {
			if j.State == imagine.Queued {
				order[j.Position] = j.Prompt
			}
		}
	}
	var out []string
	for i := 1; i <= len(order); i++ {
		out = append(out, order[i])
	}
	return out
}

// prompts are the user prompts of the backend's generations, in order.
func prompts(b *imaginetest.Backend) []string {
	var out []string
	for _, j := range b.Jobs() {
		out = append(out, j.Params.UserPrompt)
	}
	return out
}

// TestRestoreThroughTheCore submits jobs of several users to a Service on
// the DB, stops it as a crash would while one job runs, and restores them
// from the file in a new Service: the running job runs first, then the
// others in the order they would have started.
func TestRestoreThroughTheCore(t *testing.T) {
	ctx := waitCtx(t)
	path := filepath.Join(t.TempDir(), "imaginebot.db")
	d := open(t, path)
	b := imaginetest.New(imaginetest.Options{Manual: true})
	svc := newService(t, d, b)
	stop := run(t, svc)
	submit := func(svc *imagine.Service, user, prompt string) {
		t.Helper()
		if _, err := svc.Submit(imagine.NewRequest(prompt, who(user))); err != nil {
			t.Fatalf("submit %s: %v", prompt, err)
		}
	}
	submit(svc, "a", "a1")
	if err := b.WaitFor(ctx, func() bool { return len(b.Jobs()) == 1 }); err != nil {
		t.Fatal(err)
	}
	for _, s := range [][2]string{{"a", "a2"}, {"a", "a3"}, {"a", "a4"}, {"b", "b1"}, {"b", "b2"}, {"c", "c1"}} {
		submit(svc, s[0], s[1])
	}
	order := waitingOrder(svc, "a", "b", "c")
	if len(order) != 6 || order[0] != "b1" {
		t.Fatalf("waiting order %v: not fair, the test means nothing", order)
	}
	// The crash: the file is closed under the service, which writes
	// nothing more (its writes fail), and then stops.
	d.Close()
	stop()

	d = open(t, path)
	b = imaginetest.New(imaginetest.Options{})
	svc = newService(t, d, b)
	resumed := svc.Resumed(imagine.Telegram)
	if len(resumed) != 7 {
		t.Fatalf("%d jobs resumed, want 7", len(resumed))
	}
	for _, r := range resumed {
		st := r.Ticket.Watch.Latest()
		if st.State != imagine.Queued || !st.Restarted || st.Rerun != (r.Request.Prompt == "a1") {
			t.Errorf("%s resumed with %v restarted %v rerun %v", r.Request.Prompt, st.State, st.Restarted, st.Rerun)
		}
	}
	if got := waitingOrder(svc, "a", "b", "c"); !slices.Equal(got, order) {
		t.Errorf("restored waiting order %v, want %v", got, order)
	}
	run(t, svc)
	if err := b.WaitFor(ctx, func() bool { return len(b.Jobs()) == 7 }); err != nil {
		t.Fatal(err)
	}
	if got, want := prompts(b), append([]string{"a1"}, order...); !slices.Equal(got, want) {
		t.Errorf("after the restart the jobs ran in the order %v, want %v", got, want)
	}
	for _, r := range resumed {
		for !r.Ticket.Watch.Latest().State.Terminal() {
			select {
			case <-r.Ticket.Watch.Changed():
			case <-ctx.Done():
				t.Fatal("the restored jobs did not end")
			}
		}
		if rec, err := d.Record(ctx, r.Ticket.ID); err != nil || rec.Outcome != imagine.Done || rec.Images != 1 {
			t.Errorf("record of %s: %+v, %v; want done with an image", r.Request.Prompt, rec, err)
		}
	}
	if saved, err := d.LoadJobs(ctx); err != nil || len(saved.Jobs) != 0 || saved.LastID != 7 {
		t.Errorf("LoadJobs after every job ended: %d jobs, last id %d, %v", len(saved.Jobs), saved.LastID, err)
	}
}

// TestRestoredJobsGetTheirProfile: a job restored after a restart is
// resolved with the profile of the model the backends have loaded, as it
// was when it was submitted.
func TestRestoredJobsGetTheirProfile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "imaginebot.db")
	withProfile := settings
	model := imaginetest.DefaultModels[0].Name
	withProfile.Profiles = []imagine.Profile{{Model: model + "*", Steps: 13}}
	build := func(d *DB, b *imaginetest.Backend) *imagine.Service {
		svc := imagine.New(imagine.Config{PerUser: 5, MaxQueue: 100, Settings: withProfile, Store: d},
			[]imagine.NamedBackend{{Name: "sd", Backend: b}})
		if err := svc.Restore(context.Background()); err != nil {
			t.Fatal(err)
		}
		return svc
	}
	d := open(t, path)
	svc := build(d, imaginetest.New(imaginetest.Options{Manual: true}))
	tk, err := svc.Submit(imagine.NewRequest("a fox", who("1")))
	if err != nil {
		t.Fatal(err)
	}
	if tk.Params.Steps != 13 {
		t.Fatalf("submitted with %d steps, want the profile's 13; the test means nothing", tk.Params.Steps)
	}
	d.Close()

	d = open(t, path)
	resumed := build(d, imaginetest.New(imaginetest.Options{})).Resumed(imagine.Telegram)
	if len(resumed) != 1 || resumed[0].Ticket.Params.Steps != 13 {
		t.Errorf("resumed %+v, want the job with the profile's 13 steps", resumed)
	}
}

// TestBlockSurvivesRestart blocks a user through a Service on the file and
// finds them blocked by a new Service after the file is reopened.
func TestBlockSurvivesRestart(t *testing.T) {
	d := open(t, filepath.Join(t.TempDir(), "imaginebot.db"))
	admin := imagine.Requester{Platform: imagine.Web, UserID: "admin", Name: "admin", Admin: true}
	svc := newService(t, d, imaginetest.New(imaginetest.Options{}))
	if err := svc.Block("tg:bad", admin); err != nil {
		t.Fatal(err)
	}
	d = reopen(t, d, Options{})
	svc = newService(t, d, imaginetest.New(imaginetest.Options{}))
	if b := svc.Blocked(); len(b) != 1 || b[0].Who != "tg:bad" || b[0].By != "web:admin" || b[0].At.IsZero() {
		t.Errorf("Blocked() after a restart = %+v, want tg:bad blocked by web:admin", b)
	}
	if _, err := svc.Submit(imagine.NewRequest("hi", who("bad"))); !errors.Is(err, imagine.ErrBlocked) {
		t.Errorf("a blocked user's request after a restart: %v, want ErrBlocked", err)
	}
}
