package sdsim_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/imaginebot/imaginebot/internal/sdsim"
)

func TestInterrupt(t *testing.T) {
	tests := []struct {
		name       string
		req        map[string]any
		at         time.Duration // when the interrupt arrives
		wantTime   time.Duration // when txt2img answers
		wantImages int
		wantSize   int
		wantSeeds  int
	}{
		{"mid job", map[string]any{"steps": 10}, 350 * time.Millisecond, 400 * time.Millisecond, 1, 64, 1},
		{"skips later batches", map[string]any{"steps": 4, "n_iter": 3, "batch_size": 2}, 550 * time.Millisecond, 600 * time.Millisecond, 4, 64, 6},
		{"hires pass skipped", map[string]any{"steps": 4, "enable_hr": true}, 250 * time.Millisecond, 300 * time.Millisecond, 1, 64, 1},
		{"during the hires pass", map[string]any{"steps": 4, "enable_hr": true}, 450 * time.Millisecond, 500 * time.Millisecond, 1, 128, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				sim := sdsim.New(sdsim.Options{StepDelay: step})
				defer sim.Close()
				c := memClient(t, sim)
				req := map[string]any{"width": 64, "height": 64, "seed": 9}
				for k, v := range tt.req {
					req[k] = v
				}
				var wg sync.WaitGroup
				var resp txt2imgResponse
				var info genInfo
				t0 := time.Now()
				wg.Go(func() {
					status, body, err := c.do(context.Background(), "POST", "/sdapi/v1/txt2img", req)
					if err != nil || status != http.StatusOK {
						t.Errorf("txt2img: %d %.200s %v", status, body, err)
						return
					}
					if took := time.Since(t0); took != tt.wantTime {
						t.Errorf("answered after %v, want %v", took, tt.wantTime)
					}
					mustUnmarshal(t, body, &resp)
					mustUnmarshal(t, []byte(resp.Info), &info)
				})
				time.Sleep(tt.at)
				if status, body := c.post("/sdapi/v1/interrupt", nil); status != 200 || string(body) != "{}" {
					t.Errorf("interrupt: got %d %s, want 200 {}", status, body)
				}
				var p progressResponse
				c.getJSON("/sdapi/v1/progress", &p)
				if p.State["interrupted"] != true {
					t.Errorf("state.interrupted: got %v, want true", p.State["interrupted"])
				}
				wg.Wait()
				if len(resp.Images) != tt.wantImages || len(info.AllSeeds) != tt.wantSeeds {
					t.Fatalf("got %d images and %d seeds, want %d and %d", len(resp.Images), len(info.AllSeeds), tt.wantImages, tt.wantSeeds)
				}
				img, _ := decodePNG(t, resp.Images[len(resp.Images)-1])
				if img.Bounds().Dx() != tt.wantSize {
					t.Errorf("image width %d, want %d", img.Bounds().Dx(), tt.wantSize)
				}
				// The interrupted picture is still noisy: not the finished one.
				full, _ := c.txt2img(req)
				finished, _ := decodePNG(t, full.Images[len(full.Images)-1])
				if sameImage(img, finished) {
					t.Errorf("interrupted image equals the finished one, want a partly denoised picture")
				}
			})
		})
	}
}

func TestInterruptWhenIdle(t *testing.T) {
	sim := sdsim.New(sdsim.Options{StepDelay: time.Nanosecond})
	defer sim.Close()
	c := memClient(t, sim)
	if status, body := c.post("/sdapi/v1/interrupt", nil); status != 200 || string(body) != "{}" {
		t.Errorf("interrupt: got %d %s, want 200 {}", status, body)
	}
	// The flag stays set while idle, but the next job's start clears it.
	resp, _ := c.txt2img(map[string]any{"steps": 3, "width": 8, "height": 8})
	if len(resp.Images) != 1 {
		t.Errorf("next job: %d images, want 1", len(resp.Images))
	}
	var p progressResponse
	c.getJSON("/sdapi/v1/progress", &p)
	if p.State["interrupted"] != false {
		t.Errorf("after the next job: interrupted %v, want false", p.State["interrupted"])
	}
}

func TestInterruptDuringModelLoad(t *testing.T) {
	// Interrupted before the first batch: A1111 has no image to report and
	// fails with IndexError.
	synctest.Test(t, func(t *testing.T) {
		sim := sdsim.New(sdsim.Options{StepDelay: step, ModelLoadDelay: time.Second})
		defer sim.Close()
		c := memClient(t, sim)
		var wg sync.WaitGroup
		wg.Go(func() {
			status, body, _ := c.do(context.Background(), "POST", "/sdapi/v1/txt2img", map[string]any{
				"steps": 3, "width": 8, "height": 8, "override_settings": map[string]any{"sd_model_checkpoint": "sd_xl_base_1.0"}})
			if status != 500 || string(body) != `{"error":"IndexError","detail":"","body":"","errors":"list index out of range"}` {
				t.Errorf("got %d %s, want 500 IndexError", status, body)
			}
		})
		time.Sleep(500 * time.Millisecond)
		c.post("/sdapi/v1/interrupt", nil)
		wg.Wait()
	})
}

func TestSkip(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := sdsim.New(sdsim.Options{StepDelay: step})
		defer sim.Close()
		c := memClient(t, sim)
		var wg sync.WaitGroup
		var resp txt2imgResponse
		t0 := time.Now()
		wg.Go(func() {
			_, body, _ := c.do(context.Background(), "POST", "/sdapi/v1/txt2img", map[string]any{"steps": 4, "n_iter": 2, "width": 8, "height": 8})
			mustUnmarshal(t, body, &resp)
		})
		time.Sleep(150 * time.Millisecond)
		if status, body := c.post("/sdapi/v1/skip", nil); status != 200 || string(body) != "null" {
			t.Errorf("skip: got %d %s", status, body)
		}
		wg.Wait()
		// Batch 1 stops after its second step (0.2s), batch 2 runs its 4 steps.
		if len(resp.Images) != 2 || time.Since(t0) != 600*time.Millisecond {
			t.Errorf("got %d images after %v, want 2 after 600ms", len(resp.Images), time.Since(t0))
		}
	})
}
