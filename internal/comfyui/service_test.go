package comfyui

import (
	"bytes"
	"context"
	"errors"
	"image"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/comfysim"
	"github.com/imaginebot/imaginebot/internal/imagefile"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// startService runs the core on one ComfyUI backend, with the input
// checker the bot uses.
func startService(t *testing.T, b *Backend) *imagine.Service {
	t.Helper()
	cfg := imagine.Config{
		PerUser: 3, MaxQueue: 100,
		Settings: imagine.Settings{
			CheckInput: imagefile.InputChecker(imagine.InputLimits{}),
			Defaults:   imagine.Defaults{Width: 64, Height: 64, Steps: 4, BatchSize: 1, NegativePrompt: "lowres", CFGScale: 7, Upscaler: "R-ESRGAN 4x+"},
			Limits:     imagine.Limits{MaxWidth: 512, MaxHeight: 512, MaxSteps: 50, MaxBatch: 4, MaxPromptLength: 500},
		},
	}
	s := imagine.New(cfg, []imagine.NamedBackend{{Name: "comfy", Backend: b}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = s.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return s
}

func waitEnd(t *testing.T, tk *imagine.Ticket) imagine.Status {
	t.Helper()
	timeout := time.After(testWait)
	for {
		if st := tk.Watch.Latest(); st.State.Terminal() {
			return st
		}
		select {
		case <-tk.Watch.Changed():
		case <-timeout:
			t.Fatalf("job %q did not end", tk.Params.UserPrompt)
		}
	}
}

// TestServiceImageJobs runs image jobs through the core on ComfyUI: a
// picture submitted with a prompt becomes an img2img of the picture's
// aspect at the default area, with the default strength as denoise;
// ⬆ Upscale on its result doubles it; 🎨 Vary ends in a clear refusal.
func TestServiceImageJobs(t *testing.T) {
	sim, ts := newSim(t, comfysim.Options{})
	s := startService(t, newBackend(t, Config{URL: ts.URL}))
	who := imagine.Requester{Platform: imagine.Telegram, UserID: "1"}
	pic := picture(t, 300, 150)

	req := imagine.NewRequest("a cat", who)
	req.Init = &imagine.InputImage{Data: pic}
	tk, err := s.Submit(req)
	if err != nil {
		t.Fatal(err)
	}
	if st := waitEnd(t, tk); st.State != imagine.Done {
		t.Fatalf("img2img ended %v: %v", st.State, st.Err)
	}
	if tk.Params.Width != 88 || tk.Params.Height != 64 {
		t.Fatalf("core asked for %dx%d", tk.Params.Width, tk.Params.Height)
	}
	ups := sim.Uploads()
	if len(ups) != 1 || !bytes.Equal(ups[0].Data, pic) {
		t.Fatalf("%d uploads; the first is the picture: %v", len(ups), len(ups) > 0 && bytes.Equal(ups[0].Data, pic))
	}
	runs := sim.Runs()
	if len(runs) != 1 || !slices.Equal(runs[0].Denoise, []float64{imagine.DefaultStrength}) || !slices.Equal(runs[0].Saved, []image.Point{{88, 64}}) {
		t.Errorf("the server ran %+v; want denoise %v and 88x64", runs, imagine.DefaultStrength)
	}
	out, err := s.Image(tk.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if img, _ := decode(t, out); img.Bounds().Dx() != 88 || img.Bounds().Dy() != 64 {
		t.Errorf("result %v, want 88x64 as the caption says", img.Bounds())
	}

	rec, err := s.Record(tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	up, err := s.Submit(rec.UpscaleImage(who, 0, out))
	if err != nil {
		t.Fatal(err)
	}
	if st := waitEnd(t, up); st.State != imagine.Done {
		t.Fatalf("upscale ended %v: %v", st.State, st.Err)
	}
	big, err := s.Image(up.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if img, _ := decode(t, big); img.Bounds().Dx() != 176 || img.Bounds().Dy() != 128 {
		t.Errorf("upscaled %v, want 176x128", img.Bounds())
	}
	if ups := sim.Uploads(); len(ups) != 2 || !bytes.Equal(ups[1].Data, out) {
		t.Errorf("the upscale did not upload the result's image")
	}

	vary, err := s.Submit(imagine.NewRequest("a dog", who).Vary(who, 42))
	if err != nil {
		t.Fatal(err)
	}
	st := waitEnd(t, vary)
	if st.State == imagine.Done || !errors.Is(st.Err, imagine.ErrRejected) || !strings.Contains(imagine.Describe(st.Err, "en"), "cannot make variations") {
		t.Errorf("vary ended %v: %v (%q)", st.State, st.Err, imagine.Describe(st.Err, "en"))
	}
}
