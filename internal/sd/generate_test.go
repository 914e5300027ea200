package sd_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/sd"
	"github.com/imaginebot/imaginebot/internal/sdsim"
)

func TestGenerateEveryFlavor(t *testing.T) {
	tests := []struct {
		flavor       sdsim.Flavor
		wantMode     sd.ProgressMode
		wantSteps    bool // the mode reports sampling steps
		wantInternal bool // the client polls /internal/progress
	}{
		{sdsim.FlavorSeed, sd.ModeTaskID, true, false},
		{sdsim.FlavorA1111, sd.ModeInternal, false, true},
		{sdsim.FlavorGlobal, sd.ModeGlobal, true, true}, // probed once, answered 404
	}
	for _, tt := range tests {
		t.Run(tt.flavor.String(), func(t *testing.T) {
			srv := fastSim(t, sdsim.Options{Flavor: tt.flavor, StepDelay: 3 * time.Millisecond, PreviewEvery: 2})
			c := newClient(t, srv, nil)
			var samples []sd.Progress
			resp, err := c.Generate(context.Background(), sd.Txt2ImgRequest{Prompt: "a red fox", Width: 64, Height: 64, Steps: 30, Seed: -1}, func(p sd.Progress) {
				samples = append(samples, p)
			})
			if err != nil {
				t.Fatalf("Generate: %v", err)
			}
			if len(resp.Images) != 1 {
				t.Fatalf("len(Images) = %d; want 1", len(resp.Images))
			}
			if w, h := pngSize(t, resp.Images[0]); w != 64 || h != 64 {
				t.Errorf("image is %dx%d; want 64x64", w, h)
			}
			if resp.Info.Seed < 0 || len(resp.Info.AllSeeds) != 1 || resp.Info.Steps != 30 || resp.Info.Prompt != "a red fox" || resp.RawInfo == "" || len(resp.Parameters) == 0 {
				t.Errorf("Info = %+v; want the real seed, 30 steps and the prompt", resp.Info)
			}
			if got := c.Mode(); got != tt.wantMode {
				t.Errorf("Mode() = %v; want %v", got, tt.wantMode)
			}

			var previews, withSteps int
			var last float64
			for _, p := range samples {
				if p.Fraction < last || p.Fraction > 1 {
					t.Errorf("Fraction went %v -> %v; want a non-decreasing value in 0..1", last, p.Fraction)
				}
				last = p.Fraction
				if p.Steps > 0 {
					withSteps++
					if p.Steps != 30 || p.Step > p.Steps {
						t.Errorf("Step/Steps = %d/%d; want n/30", p.Step, p.Steps)
					}
				}
				if p.Preview != nil {
					previews++
					pngSize(t, p.Preview)
				}
			}
			if last <= 0 {
				t.Errorf("no sample showed progress in %d samples", len(samples))
			}
			if previews == 0 {
				t.Errorf("no preview arrived in %d samples", len(samples))
			}
			if (withSteps > 0) != tt.wantSteps {
				t.Errorf("%d of %d samples had steps; want steps: %v", withSteps, len(samples), tt.wantSteps)
			}

			// Both task ids are sent, equal, and the polls ask for that task.
			posts := records(srv, "POST", "/sdapi/v1/txt2img")
			if len(posts) != 1 {
				t.Fatalf("txt2img requests = %d; want 1", len(posts))
			}
			var body struct {
				TaskID      string `json:"task_id"`
				ForceTaskID string `json:"force_task_id"`
			}
			if err := json.Unmarshal(posts[0].Body, &body); err != nil {
				t.Fatal(err)
			}
			if body.TaskID == "" || body.TaskID != body.ForceTaskID {
				t.Errorf("task_id, force_task_id = %q, %q; want one fresh id twice", body.TaskID, body.ForceTaskID)
			}
			internal := records(srv, "POST", "/internal/progress")
			if (len(internal) > 0) != tt.wantInternal {
				t.Errorf("%d /internal/progress polls; want some: %v", len(internal), tt.wantInternal)
			}
			for _, r := range internal {
				if r.Status == 200 && r.TaskID != body.ForceTaskID {
					t.Errorf("/internal/progress asked for %q; want %q", r.TaskID, body.ForceTaskID)
				}
			}
		})
	}
}

func TestGenerateDetectsOnce(t *testing.T) {
	for _, flavor := range []sdsim.Flavor{sdsim.FlavorSeed, sdsim.FlavorA1111, sdsim.FlavorGlobal} {
		t.Run(flavor.String(), func(t *testing.T) {
			srv := fastSim(t, sdsim.Options{Flavor: flavor})
			c := newClient(t, srv, nil)
			req := sd.Txt2ImgRequest{Prompt: "x", Width: 64, Height: 64, Steps: 20, Seed: 1}
			if _, err := c.Generate(context.Background(), req, func(sd.Progress) {}); err != nil {
				t.Fatal(err)
			}
			mode := c.Mode()
			srv.Reset()
			var ids []string
			for range 2 {
				if _, err := c.Generate(context.Background(), req, func(sd.Progress) {}); err != nil {
					t.Fatal(err)
				}
				var body struct {
					TaskID string `json:"task_id"`
				}
				posts := records(srv, "POST", "/sdapi/v1/txt2img")
				json.Unmarshal(posts[len(posts)-1].Body, &body)
				ids = append(ids, body.TaskID)
			}
			if c.Mode() != mode {
				t.Errorf("Mode() = %v after more jobs; want %v kept", c.Mode(), mode)
			}
			if ids[0] == ids[1] {
				t.Errorf("task ids %q and %q; want a fresh one per job", ids[0], ids[1])
			}
			// Once decided, the client no longer polls what the server lacks.
			switch mode {
			case sd.ModeTaskID, sd.ModeGlobal:
				if n := len(records(srv, "POST", "/internal/progress")); n != 0 {
					t.Errorf("mode %v: %d /internal/progress polls after detection; want 0", mode, n)
				}
			case sd.ModeInternal:
				if n := len(records(srv, "GET", "/sdapi/v1/progress")); n != 0 {
					t.Errorf("mode %v: %d /sdapi/v1/progress polls after detection; want 0", mode, n)
				}
			default:
				t.Errorf("Mode() = %v after a job; want it decided", mode)
			}
		})
	}
}

func TestGenerateKeepsCallerTaskID(t *testing.T) {
	srv := fastSim(t, sdsim.Options{Flavor: sdsim.FlavorA1111})
	c := newClient(t, srv, nil)
	_, err := c.Generate(context.Background(), sd.Txt2ImgRequest{Prompt: "x", Width: 64, Height: 64, Steps: 10, Seed: 1, TaskID: "mine-1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	posts := records(srv, "POST", "/sdapi/v1/txt2img")
	if len(posts) != 1 || !bytes.Contains(posts[0].Body, []byte(`"task_id":"mine-1"`)) || !bytes.Contains(posts[0].Body, []byte(`"force_task_id":"mine-1"`)) {
		t.Errorf("txt2img body = %s; want task_id and force_task_id mine-1", posts[0].Body)
	}
	if n := len(records(srv, "POST", "/internal/progress")) + len(records(srv, "GET", "/sdapi/v1/progress")); n != 0 {
		t.Errorf("%d progress polls with a nil onProgress; want none", n)
	}
}

func TestTxt2ImgGrid(t *testing.T) {
	srv := fastSim(t, sdsim.Options{ReturnGrid: true})
	c := newClient(t, srv, nil)
	resp, err := c.Txt2Img(context.Background(), sd.Txt2ImgRequest{Prompt: "x", Width: 64, Height: 96, BatchSize: 2, NIter: 2, Steps: 5, Seed: 100})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Info.IndexOfFirstImage != 1 || len(resp.Info.AllSeeds) != 4 {
		t.Errorf("index_of_first_image, all_seeds = %d, %v; want 1 and four seeds", resp.Info.IndexOfFirstImage, resp.Info.AllSeeds)
	}
	if len(resp.Images) != 4 {
		t.Fatalf("len(Images) = %d; want 4 (the grid left out)", len(resp.Images))
	}
	for i, img := range resp.Images {
		if w, h := pngSize(t, img); w != 64 || h != 96 {
			t.Errorf("image %d is %dx%d; want 64x96, not the grid", i, w, h)
		}
	}
}

func TestTxt2ImgWithoutImages(t *testing.T) {
	srv := fastSim(t, sdsim.Options{})
	c := newClient(t, srv, nil)
	no := false
	resp, err := c.Txt2Img(context.Background(), sd.Txt2ImgRequest{Prompt: "x", Width: 64, Height: 64, Steps: 3, Seed: 7, SendImages: &no})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Images) != 0 || resp.Info.Seed != 7 {
		t.Errorf("Images, seed = %d images, %d; want none, 7", len(resp.Images), resp.Info.Seed)
	}
}

func TestHiresGetsDenoisingStrength(t *testing.T) {
	srv := fastSim(t, sdsim.Options{})
	c := newClient(t, srv, nil)
	_, err := c.Txt2Img(context.Background(), sd.Txt2ImgRequest{Prompt: "x", Width: 64, Height: 64, Steps: 3, Seed: 7, EnableHR: true, HRScale: 1.5, HRUpscaler: "Latent"})
	if err != nil {
		t.Fatal(err)
	}
	posts := records(srv, "POST", "/sdapi/v1/txt2img")
	if len(posts) != 1 || !bytes.Contains(posts[0].Body, []byte(`"denoising_strength":0.7`)) {
		t.Errorf("txt2img body = %s; want denoising_strength 0.7 with enable_hr", posts[0].Body)
	}
}

func TestPollFailuresDoNotFailTheJob(t *testing.T) {
	srv := fastSim(t, sdsim.Options{Flavor: sdsim.FlavorSeed})
	srv.SetFault(sdsim.Fault{Kind: sdsim.FaultDown, Path: "/sdapi/v1/progress"})
	c := newClient(t, srv, nil)
	calls := 0
	resp, err := c.Generate(context.Background(), sd.Txt2ImgRequest{Prompt: "x", Width: 64, Height: 64, Steps: 20, Seed: 1}, func(sd.Progress) { calls++ })
	if err != nil || len(resp.Images) != 1 {
		t.Fatalf("Generate = %v; want success although every poll failed", err)
	}
	if calls != 0 || len(records(srv, "GET", "/sdapi/v1/progress")) == 0 {
		t.Errorf("onProgress calls = %d with failing polls; want 0 (and some polls tried)", calls)
	}
}
