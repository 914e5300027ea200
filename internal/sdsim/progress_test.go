package sdsim_test

import (
	"context"
	"math"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/imaginebot/imaginebot/internal/sdsim"
)

const step = 100 * time.Millisecond

// twoJobs runs, in a synctest bubble, job A (10 steps of 100ms) and, 250ms
// in, job B (5 steps) queued behind it. during runs at 250ms (A at step 2, B
// waiting for the lock); after runs once both answered.
func twoJobs(t *testing.T, opts sdsim.Options, during, after func(t *testing.T, c *apiClient)) {
	synctest.Test(t, func(t *testing.T) {
		opts.StepDelay = step
		sim := sdsim.New(opts)
		defer sim.Close()
		c := memClient(t, sim)
		idKey := "force_task_id"
		if opts.Flavor == sdsim.FlavorSeed {
			idKey = "task_id"
		}
		var wg sync.WaitGroup
		run := func(id string, steps int) {
			wg.Go(func() {
				status, body, err := c.do(context.Background(), "POST", "/sdapi/v1/txt2img",
					map[string]any{idKey: id, "steps": steps, "width": 64, "height": 64, "seed": 1})
				if err != nil || status != http.StatusOK {
					t.Errorf("txt2img %s: %d %.200s %v", id, status, body, err)
				}
			})
		}
		run("A", 10)
		time.Sleep(250 * time.Millisecond)
		run("B", 5)
		synctest.Wait()
		during(t, c)
		wg.Wait()
		after(t, c)
	})
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestProgressSeedFlavor(t *testing.T) {
	poll := func(c *apiClient, query string) progressResponse {
		var p progressResponse
		c.getJSON("/sdapi/v1/progress"+query, &p)
		return p
	}
	twoJobs(t, sdsim.Options{Flavor: sdsim.FlavorSeed}, func(t *testing.T, c *apiClient) {
		tests := []struct {
			name         string
			query        string
			wantProgress float64
			wantTaskID   string
			wantStep     float64
			wantSteps    float64
			wantText     string
			wantImage    bool
		}{
			{"running task", "?task_id=A", 0.21, "A", 2, 10, "", true},
			{"queued task", "?task_id=B", 0, "B", 0, 5, "In queue", false},
			{"unknown task gets the global answer", "?task_id=C", 0.21, "", 2, 10, "", true},
			{"no task id", "", 0.21, "A", 2, 10, "", true},
			{"skip_current_image", "?task_id=A&skip_current_image=true", 0.21, "A", 2, 10, "", false},
		}
		for _, tt := range tests {
			p := poll(c, tt.query)
			if !near(p.Progress, tt.wantProgress) || p.State["task_id"] != tt.wantTaskID ||
				p.State["sampling_step"] != tt.wantStep || p.State["sampling_steps"] != tt.wantSteps {
				t.Errorf("%s: got progress %v state %v, want %v task %q step %v/%v", tt.name, p.Progress, p.State, tt.wantProgress, tt.wantTaskID, tt.wantStep, tt.wantSteps)
			}
			if got := deref(p.TextInfo); got != tt.wantText {
				t.Errorf("%s: textinfo: got %q, want %q", tt.name, got, tt.wantText)
			}
			if (p.CurrentImage != nil) != tt.wantImage {
				t.Fatalf("%s: current_image present: got %v, want %v", tt.name, p.CurrentImage != nil, tt.wantImage)
			}
			if p.CurrentImage != nil {
				img, _ := decodePNG(t, *p.CurrentImage)
				if img.Bounds().Dx() != 16 || img.Bounds().Dy() != 16 {
					t.Errorf("%s: preview size %v, want 16x16 (a quarter of 64)", tt.name, img.Bounds())
				}
			}
		}
		if p := poll(c, "?task_id=A"); !near(p.ETARelative, 0.25/0.21-0.25) || p.State["job"] != "scripts_txt2img" {
			t.Errorf("eta %v job %v, want %v scripts_txt2img", p.ETARelative, p.State["job"], 0.25/0.21-0.25)
		}
	}, func(t *testing.T, c *apiClient) {
		if p := poll(c, "?task_id=A"); p.Progress != 1 || p.State["task_id"] != "A" || p.State["sampling_step"] != 10.0 || p.State["sampling_steps"] != 10.0 {
			t.Errorf("finished A: got progress %v state %v, want 1 with step 10/10", p.Progress, p.State)
		}
		p := poll(c, "")
		if p.Progress != 0 || p.State["job_count"] != 0.0 || p.State["task_id"] != "" || p.CurrentImage != nil || p.TextInfo != nil {
			t.Errorf("idle: got %+v, want progress 0, job_count 0, task_id \"\", no image", p)
		}
	})
}

func TestProgressA1111Flavor(t *testing.T) {
	poll := func(c *apiClient, body any) taskProgressResponse {
		var p taskProgressResponse
		c.postJSON("/internal/progress", body, &p)
		return p
	}
	twoJobs(t, sdsim.Options{Flavor: sdsim.FlavorA1111}, func(t *testing.T, c *apiClient) {
		p := poll(c, map[string]any{"id_task": "A", "id_live_preview": -1})
		if !p.Active || p.Queued || p.Completed || p.Progress == nil || !near(*p.Progress, 0.2) || p.ETA == nil || !near(*p.ETA, 1.0) {
			t.Errorf("A: got %+v progress %v eta %v, want active at 0.2 with eta 1.0", p, deref(p.Progress), deref(p.ETA))
		}
		if p.LivePreview == nil || !strings.HasPrefix(*p.LivePreview, "data:image/png;base64,") || deref(p.IDLivePreview) != 1 {
			t.Fatalf("A: live preview %.40v id %v, want a data URI with id 1", deref(p.LivePreview), deref(p.IDLivePreview))
		}
		decodePNG(t, strings.TrimPrefix(*p.LivePreview, "data:image/png;base64,"))
		// The same id again, with no new step: no image.
		if p := poll(c, map[string]any{"id_task": "A", "id_live_preview": 1}); p.LivePreview != nil || deref(p.IDLivePreview) != 1 {
			t.Errorf("unchanged preview: got %.40v id %v, want none and id 1", deref(p.LivePreview), deref(p.IDLivePreview))
		}
		// live_preview false: progress only, id echoed.
		if p := poll(c, map[string]any{"id_task": "A", "id_live_preview": 0, "live_preview": false}); p.LivePreview != nil || deref(p.IDLivePreview) != 0 {
			t.Errorf("live_preview false: got %.40v id %v, want none and id 0", deref(p.LivePreview), deref(p.IDLivePreview))
		}
		time.Sleep(step)
		if p := poll(c, map[string]any{"id_task": "A", "id_live_preview": 1}); p.LivePreview == nil || deref(p.IDLivePreview) != 2 || !near(*p.Progress, 0.3) {
			t.Errorf("after a step: got id %v progress %v, want a new preview with id 2 at 0.3", deref(p.IDLivePreview), deref(p.Progress))
		}
		p = poll(c, map[string]any{"id_task": "B"})
		if p.Active || !p.Queued || p.Completed || p.Progress != nil || p.ETA != nil || deref(p.IDLivePreview) != -1 || deref(p.TextInfo) != "In queue: 1/1" {
			t.Errorf("B: got %+v text %q, want queued, In queue: 1/1", p, deref(p.TextInfo))
		}
		if p := poll(c, map[string]any{"id_task": "nope"}); p.Active || p.Queued || p.Completed || deref(p.TextInfo) != "Waiting..." {
			t.Errorf("unknown: got %+v, want Waiting...", p)
		}
		var g progressResponse
		c.getJSON("/sdapi/v1/progress", &g)
		if _, ok := g.State["task_id"]; ok || g.State["stopping_generation"] != false {
			t.Errorf("global state %v: want stopping_generation and no task_id", g.State)
		}
		var pending struct {
			Size  int      `json:"size"`
			Tasks []string `json:"tasks"`
		}
		c.getJSON("/internal/pending-tasks", &pending)
		if pending.Size != 1 || pending.Tasks[0] != "B" {
			t.Errorf("pending-tasks: got %+v, want [B]", pending)
		}
	}, func(t *testing.T, c *apiClient) {
		for _, id := range []string{"A", "B"} {
			if p := poll(c, map[string]any{"id_task": id}); p.Active || p.Queued || !p.Completed || deref(p.TextInfo) != "Waiting..." {
				t.Errorf("%s done: got %+v, want completed", id, p)
			}
		}
		// Without id_task, None == None while idle: A1111 says "active".
		if p := poll(c, map[string]any{}); !p.Active || p.Progress == nil || *p.Progress != 0 || p.ETA != nil {
			t.Errorf("no id_task while idle: got %+v, want active with progress 0", p)
		}
	})
}

func TestProgressGlobalFlavor(t *testing.T) {
	twoJobs(t, sdsim.Options{Flavor: sdsim.FlavorGlobal}, func(t *testing.T, c *apiClient) {
		status, body := c.post("/internal/progress", map[string]any{"id_task": "A"})
		if status != http.StatusNotFound || string(body) != `{"detail":"Not Found"}` {
			t.Errorf("/internal/progress: got %d %s, want 404", status, body)
		}
		var p progressResponse
		c.getJSON("/sdapi/v1/progress?task_id=B", &p)
		_, hasStop := p.State["stopping_generation"]
		_, hasTask := p.State["task_id"]
		if !near(p.Progress, 0.21) || hasStop || hasTask || p.CurrentImage == nil {
			t.Errorf("got progress %v state %v, want 0.21 without stopping_generation or task_id, with an image", p.Progress, p.State)
		}
	}, func(t *testing.T, c *apiClient) {
		var p progressResponse
		c.getJSON("/sdapi/v1/progress", &p)
		// nextjob resets sampling_step after the last batch; job_count 0 means idle.
		if p.Progress != 0 || p.State["job"] != "" || p.State["job_no"] != 1.0 || p.State["sampling_steps"] != 5.0 {
			t.Errorf("idle after B: got %v %v", p.Progress, p.State)
		}
	})
}

func TestProgressPhases(t *testing.T) {
	// Hires fix doubles job_count; n_iter names the batch; a model load shows job_count -1.
	synctest.Test(t, func(t *testing.T) {
		sim := sdsim.New(sdsim.Options{StepDelay: step, ModelLoadDelay: time.Second})
		defer sim.Close()
		c := memClient(t, sim)
		var wg sync.WaitGroup
		wg.Go(func() {
			status, body, err := c.do(context.Background(), "POST", "/sdapi/v1/txt2img", map[string]any{
				"steps": 4, "width": 32, "height": 32, "n_iter": 2, "enable_hr": true, "hr_second_pass_steps": 2,
				"override_settings": map[string]any{"sd_model_checkpoint": "sd_xl_base_1.0"}})
			if err != nil || status != 200 {
				t.Errorf("txt2img: %d %.200s %v", status, body, err)
			}
		})
		check := func(at string, wantProgress float64, wantState map[string]any) {
			t.Helper()
			var p progressResponse
			c.getJSON("/sdapi/v1/progress?skip_current_image=true", &p)
			if !near(p.Progress, wantProgress) {
				t.Errorf("%s: progress %v, want %v", at, p.Progress, wantProgress)
			}
			for k, v := range wantState {
				if p.State[k] != v {
					t.Errorf("%s: state[%s] = %v, want %v", at, k, p.State[k], v)
				}
			}
		}
		time.Sleep(500 * time.Millisecond)
		check("loading", 0.01, map[string]any{"job_count": -1.0, "job": "scripts_txt2img"})
		if got := sim.CurrentModel(); !strings.HasPrefix(got, "sd_xl_base_1.0.safetensors [") {
			t.Errorf("during an override job: model %q, want the override", got)
		}
		// Load 0-1s, batch 1: base pass 1.0-1.4s (4 steps), hires pass
		// 1.4-1.6s; at 1.55s the hires pass has done 1 step of 2.
		time.Sleep(1050 * time.Millisecond)
		check("batch 1 hires", 0.01+1.0/4+0.25*1/2, map[string]any{"job_count": 4.0, "job_no": 1.0, "job": "Batch 1 out of 2", "sampling_steps": 2.0})
		wg.Wait()
		if got := sim.CurrentModel(); !strings.HasPrefix(got, "v1-5-pruned-emaonly.safetensors [") {
			t.Errorf("after the override job: model %q, want the original restored", got)
		}
	})
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
