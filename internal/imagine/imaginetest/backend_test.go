package imaginetest_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/imagine/imaginetest"
)

func params(seed int64, batch int) imagine.Params {
	return imagine.Params{Prompt: "a cat", UserPrompt: "a cat", Width: 96, Height: 64, Steps: 4, Seed: seed, BatchSize: batch}
}

func decode(t *testing.T, data []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	return img
}

func TestGenerate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := imaginetest.New(imaginetest.Options{StepDelay: time.Second})
		var got []imagine.Progress
		start := time.Now()
		res, err := b.Generate(context.Background(), params(42, 2), func(p imagine.Progress) { got = append(got, p) })
		if err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took != 4*time.Second {
			t.Errorf("4 steps took %v, want 4s", took)
		}
		if end := b.Jobs()[0].End; !end.Equal(start.Add(4 * time.Second)) {
			t.Errorf("job end %v, want 4s after the start %v", end, start)
		}
		if len(got) != 4 || got[0].Step != 1 || got[3].Fraction != 1 || got[0].ETA != 3*time.Second || got[3].ETA != 0 {
			t.Errorf("progress %+v, want steps 1-4 with ETA counting down", got)
		}
		for _, p := range got {
			if img := decode(t, p.Preview); img.Bounds().Dx() != 16 {
				t.Errorf("preview %v, want 16×16", img.Bounds())
			}
		}
		if len(res.Images) != 2 || !slices.Equal(res.Seeds, []int64{42, 43}) || res.Model != imaginetest.DefaultModels[0].Name {
			t.Fatalf("result: %d images, seeds %v, model %q", len(res.Images), res.Seeds, res.Model)
		}
		for _, data := range res.Images {
			if r := decode(t, data).Bounds(); r.Dx() != 96 || r.Dy() != 64 {
				t.Errorf("image %v, want 96×64", r)
			}
		}
		if bytes.Equal(res.Images[0], res.Images[1]) {
			t.Error("images of different seeds are the same")
		}
		again, _ := b.Generate(context.Background(), params(42, 1), nil)
		if !bytes.Equal(again.Images[0], res.Images[0]) {
			t.Error("the same seed drew a different image")
		}
		random, _ := b.Generate(context.Background(), params(-1, 1), nil)
		if s := random.Seeds[0]; s < 0 || s > imagine.MaxSeed {
			t.Errorf("random seed %d out of range", s)
		}
		jobs := b.Jobs()
		if len(jobs) != 3 || jobs[0].Seq != 1 || jobs[2].Seq != 3 || !jobs[0].Done || jobs[0].Steps != 4 ||
			jobs[0].Params.BatchSize != 2 || jobs[0].Model != imaginetest.DefaultModels[0].Title || !slices.Equal(jobs[0].Seeds, []int64{42, 43}) {
			t.Errorf("jobs %+v", jobs)
		}
	})
}

func TestHiresSize(t *testing.T) {
	b := imaginetest.New(imaginetest.Options{})
	p := params(1, 1)
	p.EnableHR, p.HRScale = true, 1.5
	res, err := b.Generate(context.Background(), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := decode(t, res.Images[0]).Bounds(); r.Dx() != 144 || r.Dy() != 96 {
		t.Errorf("hires image %v, want 144×96 (96×64 scaled by 1.5)", r)
	}
}

func TestPreviewEvery(t *testing.T) {
	for _, tt := range []struct {
		every, want int
	}{{0, 4}, {1, 4}, {2, 2}, {-1, 0}} {
		b := imaginetest.New(imaginetest.Options{PreviewEvery: tt.every})
		n := 0
		if _, err := b.Generate(context.Background(), params(1, 1), func(p imagine.Progress) {
			if p.Preview != nil {
				n++
			}
		}); err != nil {
			t.Fatal(err)
		}
		if n != tt.want {
			t.Errorf("PreviewEvery %d: %d previews, want %d", tt.every, n, tt.want)
		}
	}
}

func TestScriptedFailures(t *testing.T) {
	rejected := &imagine.RejectedError{Reason: "steps", Err: errors.New("422")}
	tests := []struct {
		name      string
		fail      imaginetest.Failure
		wantKind  error
		wantSteps int
	}{
		{"down before the first step", imaginetest.Failure{Err: imagine.ErrBackendDown}, imagine.ErrBackendDown, 0},
		{"out of memory after two steps", imaginetest.Failure{Err: imagine.ErrOutOfMemory, AfterStep: 2}, imagine.ErrOutOfMemory, 2},
		{"no image after all steps", imaginetest.Failure{Err: imagine.ErrNoImage, AfterStep: 4}, imagine.ErrNoImage, 4},
		{"rejected", imaginetest.Failure{Err: rejected}, imagine.ErrRejected, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := imaginetest.New(imaginetest.Options{})
			b.FailNext(tt.fail)
			steps := 0
			res, err := b.Generate(context.Background(), params(1, 1), func(imagine.Progress) { steps++ })
			if res != nil || !errors.Is(err, tt.wantKind) || steps != tt.wantSteps {
				t.Fatalf("got %v, %v after %d steps, want %v after %d", res, err, steps, tt.wantKind, tt.wantSteps)
			}
			if j := b.Jobs()[0]; !j.Done || !errors.Is(j.Err, tt.wantKind) || j.Steps != tt.wantSteps {
				t.Errorf("job %+v", j)
			}
			if _, err := b.Generate(context.Background(), params(1, 1), nil); err != nil {
				t.Errorf("the next generation: %v, want success", err)
			}
		})
	}
	b := imaginetest.New(imaginetest.Options{})
	b.FailNext(imaginetest.Failure{Err: rejected})
	_, err := b.Generate(context.Background(), params(1, 1), nil)
	var re *imagine.RejectedError
	if !errors.As(err, &re) || re.Reason != "steps" {
		t.Errorf("rejection %v, want the *RejectedError", err)
	}
	if got := imagine.Describe(err, "en"); got != catalog.T("en", catalog.MsgFailRejected, "steps") {
		t.Errorf("Describe = %q", got)
	}
}

func TestHang(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := imaginetest.New(imaginetest.Options{StepDelay: time.Second})
		b.FailNext(imaginetest.Failure{Hang: true, AfterStep: 2})
		ctx, cancel := context.WithCancel(context.Background())
		steps := 0
		errc := make(chan error, 1)
		go func() {
			_, err := b.Generate(ctx, params(1, 1), func(imagine.Progress) { steps++ })
			errc <- err
		}()
		time.Sleep(time.Hour)
		synctest.Wait()
		if j := b.Jobs()[0]; j.Done || j.Steps != 2 || steps != 2 {
			t.Fatalf("after an hour: job %+v after %d progress reports, want it hanging after 2 steps", j, steps)
		}
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Errorf("hanging generation ended with %v, want context.Canceled", err)
		}
		if _, err := b.Generate(context.Background(), params(1, 1), nil); err != nil {
			t.Errorf("the next generation: %v, want success", err)
		}
	})
}

func TestDown(t *testing.T) {
	b := imaginetest.New(imaginetest.Options{})
	b.SetDown(true)
	ctx := context.Background()
	_, gerr := b.Generate(ctx, params(1, 1), nil)
	_, merr := b.Models(ctx)
	_, cerr := b.CurrentModel(ctx)
	_, serr := b.SwitchModel(ctx, "anime-v3")
	for _, err := range []error{gerr, merr, cerr, serr} {
		if !errors.Is(err, imagine.ErrBackendDown) {
			t.Errorf("while down: %v, want ErrBackendDown", err)
		}
	}
	if n := len(b.Jobs()); n != 0 {
		t.Errorf("%d jobs recorded while down", n)
	}
	b.SetDown(false)
	if _, err := b.Generate(ctx, params(1, 1), nil); err != nil {
		t.Errorf("back up: %v", err)
	}
}

func TestJobTimes(t *testing.T) {
	// Start and End bound each generation on the clock, so that a test can
	// tell how long the backend sat idle between two jobs.
	synctest.Test(t, func(t *testing.T) {
		b := imaginetest.New(imaginetest.Options{StepDelay: time.Second})
		t0 := time.Now()
		if _, err := b.Generate(context.Background(), params(1, 1), nil); err != nil {
			t.Fatal(err)
		}
		time.Sleep(3 * time.Second)
		if _, err := b.Generate(context.Background(), params(2, 1), nil); err != nil {
			t.Fatal(err)
		}
		jobs := b.Jobs()
		for i, want := range []struct{ start, end time.Duration }{{0, 4 * time.Second}, {7 * time.Second, 11 * time.Second}} {
			if j := jobs[i]; j.Start.Sub(t0) != want.start || j.End.Sub(t0) != want.end {
				t.Errorf("job %d ran from %v to %v, want %v to %v", j.Seq, j.Start.Sub(t0), j.End.Sub(t0), want.start, want.end)
			}
		}
	})
}

func TestManualStepsAndCancel(t *testing.T) {
	b := imaginetest.New(imaginetest.Options{Manual: true})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		_, err := b.Generate(ctx, params(1, 1), nil)
		errc <- err
	}()
	wait := func(what string, cond func() bool) {
		t.Helper()
		wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer wcancel()
		if err := b.WaitFor(wctx, cond); err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
	}
	wait("the job to start", func() bool { return len(b.Jobs()) == 1 })
	b.Advance(2)
	wait("two steps", func() bool { return b.Jobs()[0].Steps == 2 })
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled generation: %v, want context.Canceled", err)
	}
	if j := b.Jobs()[0]; !j.Done || j.Steps != 2 || !errors.Is(j.Err, context.Canceled) {
		t.Errorf("job %+v, want done after 2 steps, cancelled", j)
	}
	if n := b.MaxConcurrent(); n != 1 {
		t.Errorf("MaxConcurrent = %d", n)
	}
}

func TestModels(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := imaginetest.New(imaginetest.Options{SwitchDelay: 2 * time.Second})
		ctx := context.Background()
		models, err := b.Models(ctx)
		if err != nil || !slices.Equal(models, imaginetest.DefaultModels) {
			t.Fatalf("Models = %v, %v", models, err)
		}
		start := time.Now()
		title, err := b.SwitchModel(ctx, "anime-v3")
		if err != nil || title != models[1].Title || time.Since(start) != 2*time.Second {
			t.Fatalf("switch by name: %q, %v after %v", title, err, time.Since(start))
		}
		if cur, _ := b.CurrentModel(ctx); cur != models[1].Title {
			t.Errorf("current %q after the switch", cur)
		}
		res, _ := b.Generate(ctx, params(1, 1), nil)
		if res.Model != "anime-v3" || b.Jobs()[0].Model != models[1].Title {
			t.Errorf("generated on %q (job %q), want the switched model", res.Model, b.Jobs()[0].Model)
		}
		if _, err := b.SwitchModel(ctx, "nope"); !errors.Is(err, imagine.ErrModelNotFound) {
			t.Errorf("unknown model: %v", err)
		}
		b.FailNextSwitch(imagine.ErrModelLoad)
		if _, err := b.SwitchModel(ctx, models[0].Title); !errors.Is(err, imagine.ErrModelLoad) {
			t.Errorf("scripted load failure: %v", err)
		}
		if cur, _ := b.CurrentModel(ctx); cur != models[1].Title {
			t.Errorf("current %q after a failed load, want it unchanged", cur)
		}
		if got := b.Switches(); !slices.Equal(got, []string{"anime-v3", "nope", models[0].Title}) {
			t.Errorf("Switches = %v", got)
		}
	})
}

func TestService(t *testing.T) {
	// The backend drives the real core: one job ends in the backend's image,
	// the next in the scripted failure's sentence.
	synctest.Test(t, func(t *testing.T) {
		b := imaginetest.New(imaginetest.Options{StepDelay: 100 * time.Millisecond})
		svc := imagine.New(imagine.Config{
			PerUser: 2, MaxQueue: 10,
			Settings: imagine.Settings{
				Defaults: imagine.Defaults{Width: 64, Height: 64, Steps: 4, BatchSize: 1, HRScale: 2, DenoisingStrength: 0.5, CFGScale: 7},
				Limits:   imagine.Limits{MaxWidth: 512, MaxHeight: 512, MaxSteps: 50, MaxBatch: 4, MaxPromptLength: 500},
			},
		}, []imagine.NamedBackend{{Name: "mem", Backend: b}})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go svc.Run(ctx)
		who := imagine.Requester{Platform: imagine.Telegram, UserID: "1"}
		req := imagine.NewRequest("a cat", who)
		req.Seed = 7
		b.FailNext(imaginetest.Failure{}, imaginetest.Failure{Err: imagine.ErrOutOfMemory, AfterStep: 1})
		var ends []imagine.Status
		for range 2 {
			tk, err := svc.Submit(req)
			if err != nil {
				t.Fatal(err)
			}
			for !tk.Watch.Latest().State.Terminal() {
				<-tk.Watch.Changed()
			}
			ends = append(ends, tk.Watch.Latest())
		}
		if st := ends[0]; st.State != imagine.Done || len(st.Result.Images) != 1 || st.Result.Seeds[0] != 7 || st.Duration != 400*time.Millisecond {
			t.Errorf("first job %v %+v after %v, want done with seed 7 after 4 steps", st.State, st.Result, st.Duration)
		}
		if st := ends[1]; st.State != imagine.Failed || imagine.Describe(st.Err, "en") != catalog.T("en", catalog.MsgFailOOM) {
			t.Errorf("second job %v %v, want the out-of-memory failure", st.State, st.Err)
		}
		if jobs := b.Jobs(); len(jobs) != 2 || jobs[0].Params.Width != 64 || jobs[1].Steps != 1 {
			t.Errorf("jobs %+v", jobs)
		}
	})
}

// BenchmarkGenerate1024 measures a generation of one 1024×1024 image with no
// step delay: the cost the fake adds to an adapter test.
func BenchmarkGenerate1024(b *testing.B) {
	be := imaginetest.New(imaginetest.Options{})
	p := imagine.Params{Prompt: "x", Width: 1024, Height: 1024, Steps: 20, Seed: 1, BatchSize: 1}
	for b.Loop() {
		if _, err := be.Generate(context.Background(), p, func(imagine.Progress) {}); err != nil {
			b.Fatal(err)
		}
	}
}
