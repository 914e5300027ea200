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

func TestOneJobAtATime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := sdsim.New(sdsim.Options{StepDelay: step, ModelLoadDelay: time.Second})
		defer sim.Close()
		c := memClient(t, sim)
		t0 := time.Now()
		var wg sync.WaitGroup
		send := func(path string, body map[string]any) {
			wg.Go(func() {
				status, b, err := c.do(context.Background(), "POST", path, body)
				if err != nil || status != http.StatusOK {
					t.Errorf("%s: %d %.200s %v", path, status, b, err)
				}
			})
			synctest.Wait() // arrival order is submission order
		}
		img := func(id string, steps int) map[string]any {
			return map[string]any{"task_id": id, "steps": steps, "width": 16, "height": 16}
		}
		send("/sdapi/v1/txt2img", img("1", 5))                                                  // 0 - 0.5s
		send("/sdapi/v1/txt2img", img("2", 3))                                                  // 0.5 - 0.8s
		send("/sdapi/v1/options", map[string]any{"sd_model_checkpoint": "sd_xl_base_1.0"})      // 0.8 - 1.8s
		send("/sdapi/v1/txt2img", img("3", 2))                                                  // 1.8 - 2.0s
		send("/sdapi/v1/refresh-checkpoints", map[string]any{})                                 // 2.0s
		send("/sdapi/v1/options", map[string]any{"sd_model_checkpoint": "v1-5-pruned-emaonly"}) // 2.0 - 3.0s
		wg.Wait()

		want := []struct {
			path       string
			start, end time.Duration
		}{
			{"/sdapi/v1/txt2img", 0, 500 * time.Millisecond},
			{"/sdapi/v1/txt2img", 500 * time.Millisecond, 800 * time.Millisecond},
			{"/sdapi/v1/options", 800 * time.Millisecond, 1800 * time.Millisecond},
			{"/sdapi/v1/txt2img", 1800 * time.Millisecond, 2000 * time.Millisecond},
			{"/sdapi/v1/refresh-checkpoints", 2000 * time.Millisecond, 2000 * time.Millisecond},
			{"/sdapi/v1/options", 2000 * time.Millisecond, 3000 * time.Millisecond},
		}
		recs := sim.Records()
		if len(recs) != len(want) {
			t.Fatalf("records: got %d, want %d", len(recs), len(want))
		}
		for i, w := range want {
			r := recs[i]
			if r.Path != w.path || r.JobStart.Sub(t0) != w.start || r.JobEnd.Sub(t0) != w.end || !r.Start.Equal(t0) {
				t.Errorf("record %d: %s handler from %v, job %v-%v; want %s job %v-%v",
					i, r.Path, r.Start.Sub(t0), r.JobStart.Sub(t0), r.JobEnd.Sub(t0), w.path, w.start, w.end)
			}
			if i > 0 && r.JobStart.Before(recs[i-1].JobEnd) {
				t.Errorf("record %d: job starts at %v before the previous ends at %v", i, r.JobStart.Sub(t0), recs[i-1].JobEnd.Sub(t0))
			}
		}
		if got := sim.Txt2ImgCount(); got != 3 {
			t.Errorf("Txt2ImgCount: got %d, want 3", got)
		}
		if err := sim.WaitIdle(context.Background()); err != nil {
			t.Errorf("WaitIdle: %v", err)
		}
	})
}

func TestWaitIdle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := sdsim.New(sdsim.Options{StepDelay: step})
		defer sim.Close()
		c := memClient(t, sim)
		var wg sync.WaitGroup
		defer wg.Wait()
		wg.Go(func() {
			_, _, _ = c.do(context.Background(), "POST", "/sdapi/v1/txt2img", map[string]any{"steps": 3, "width": 8, "height": 8})
		})
		synctest.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if err := sim.WaitIdle(ctx); err != context.DeadlineExceeded {
			t.Errorf("WaitIdle while busy: got %v, want deadline exceeded", err)
		}
		t0 := time.Now()
		if err := sim.WaitIdle(context.Background()); err != nil || time.Since(t0) != 200*time.Millisecond {
			t.Errorf("WaitIdle: got %v after %v, want nil after the job's remaining 200ms", err, time.Since(t0))
		}
	})
}
