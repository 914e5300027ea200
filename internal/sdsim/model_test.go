package sdsim_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/imaginebot/imaginebot/internal/sdsim"
)

type sdModel struct {
	Title     string  `json:"title"`
	ModelName string  `json:"model_name"`
	Hash      string  `json:"hash"`
	SHA256    string  `json:"sha256"`
	Filename  string  `json:"filename"`
	Config    *string `json:"config"`
}

func listModels(c *apiClient) []sdModel {
	var models []sdModel
	c.getJSON("/sdapi/v1/sd-models", &models)
	return models
}

func currentCheckpoint(c *apiClient) string {
	var opts map[string]any
	c.getJSON("/sdapi/v1/options", &opts)
	s, _ := opts["sd_model_checkpoint"].(string)
	return s
}

func TestModelList(t *testing.T) {
	sim := sdsim.New(sdsim.Options{Models: []string{"a.safetensors", "sdxl/b.ckpt"}})
	defer sim.Close()
	models := listModels(memClient(t, sim))
	if len(models) != 2 {
		t.Fatalf("got %d models, want 2", len(models))
	}
	title := regexp.MustCompile(`^(a\.safetensors|sdxl/b\.ckpt) \[[0-9a-f]{10}\]$`)
	for i, want := range []struct{ name, file string }{{"a", "a.safetensors"}, {"sdxl_b", "sdxl/b.ckpt"}} {
		m := models[i]
		if !title.MatchString(m.Title) || m.ModelName != want.name || !strings.HasSuffix(m.Filename, "/"+want.file) ||
			len(m.SHA256) != 64 || m.Hash != m.SHA256[:10] || !strings.HasSuffix(m.Title, "["+m.Hash+"]") || m.Config != nil {
			t.Errorf("model %d: got %+v", i, m)
		}
	}
	if got := sim.CurrentModel(); got != models[0].Title {
		t.Errorf("CurrentModel: got %q, want the first model %q", got, models[0].Title)
	}
}

func TestModelSwitchAliases(t *testing.T) {
	sim := sdsim.New(sdsim.Options{})
	defer sim.Close()
	c := memClient(t, sim)
	xl := listModels(c)[1]
	v15 := listModels(c)[0]
	tests := []struct {
		name       string
		value      any
		wantStatus int
		wantBody   string
		wantModel  string
	}{
		{"title", xl.Title, 200, "null", xl.Title},
		{"model_name", v15.ModelName, 200, "null", v15.Title},
		{"file name", "sd_xl_base_1.0.safetensors", 200, "null", xl.Title},
		{"short hash", v15.Hash, 200, "null", v15.Title},
		{"sha256", xl.SHA256, 200, "null", xl.Title},
		{"name [hash]", "v1-5-pruned-emaonly [" + v15.Hash + "]", 200, "null", v15.Title},
		{"unknown", "nope", 500, `{"error":"RuntimeError","detail":"","body":"","errors":"model 'nope' not found"}`, v15.Title},
		{"not a string", 123, 500, `{"error":"RuntimeError","detail":"","body":"","errors":"model 123 not found"}`, v15.Title},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := c.post("/sdapi/v1/options", map[string]any{"sd_model_checkpoint": tt.value})
			if status != tt.wantStatus || string(body) != tt.wantBody {
				t.Errorf("POST: got %d %s, want %d %s", status, body, tt.wantStatus, tt.wantBody)
			}
			if got := currentCheckpoint(c); got != tt.wantModel {
				t.Errorf("model: got %q, want %q", got, tt.wantModel)
			}
		})
	}
}

func TestOptionsKeys(t *testing.T) {
	sim := sdsim.New(sdsim.Options{PreviewEvery: 3})
	defer sim.Close()
	c := memClient(t, sim)
	var opts map[string]any
	c.getJSON("/sdapi/v1/options", &opts)
	for k, want := range map[string]any{"samples_format": "png", "live_previews_enable": true, "show_progress_every_n_steps": 3.0} {
		if opts[k] != want {
			t.Errorf("options[%s]: got %v, want %v", k, opts[k], want)
		}
	}
	if h, _ := opts["sd_checkpoint_hash"].(string); len(h) != 64 {
		t.Errorf("sd_checkpoint_hash: got %q, want a sha256", h)
	}
	if status, body := c.post("/sdapi/v1/options", map[string]any{"live_previews_enable": false, "jpeg_quality": 90}); status != 200 || string(body) != "null" {
		t.Errorf("set known keys: got %d %s", status, body)
	}
	c.getJSON("/sdapi/v1/options", &opts)
	if opts["live_previews_enable"] != false || opts["jpeg_quality"] != 90.0 {
		t.Errorf("after POST: got %v %v", opts["live_previews_enable"], opts["jpeg_quality"])
	}
	// Keys are set in order until the unknown one raises.
	status, body := c.post("/sdapi/v1/options", `{"jpeg_quality": 70, "no_such_key": 1, "n_rows": 5}`)
	if status != 500 || string(body) != `{"error":"KeyError","detail":"","body":"","errors":"'no_such_key'"}` {
		t.Errorf("unknown key: got %d %s", status, body)
	}
	c.getJSON("/sdapi/v1/options", &opts)
	if opts["jpeg_quality"] != 70.0 || opts["n_rows"] != -1.0 {
		t.Errorf("after KeyError: jpeg_quality %v n_rows %v, want 70 and -1", opts["jpeg_quality"], opts["n_rows"])
	}
	if status, _ := c.post("/sdapi/v1/options", `{"no_such_key": null}`); status != 200 {
		t.Errorf("unknown key set to null: got %d, want 200 (A1111 compares with None first)", status)
	}
}

func TestModelSwitchWaitsAndLoads(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := sdsim.New(sdsim.Options{StepDelay: step, ModelLoadDelay: 2 * time.Second})
		defer sim.Close()
		c := memClient(t, sim)
		models := listModels(c)
		t0 := time.Now()
		var wg sync.WaitGroup
		var infoB genInfo
		wg.Go(func() { // job A: 0 - 1s
			_, _, _ = c.do(context.Background(), "POST", "/sdapi/v1/txt2img", map[string]any{"steps": 10, "width": 8, "height": 8})
		})
		time.Sleep(500 * time.Millisecond)
		wg.Go(func() { // the switch: waits for A, loads 1 - 3s
			status, body, err := c.do(context.Background(), "POST", "/sdapi/v1/options", map[string]any{"sd_model_checkpoint": "sd_xl_base_1.0"})
			if err != nil || status != 200 || string(body) != "null" || time.Since(t0) != 3*time.Second {
				t.Errorf("switch: %d %s %v after %v, want 200 null after 3s", status, body, err, time.Since(t0))
			}
		})
		time.Sleep(time.Second)
		wg.Go(func() { // job B, queued behind the switch: 3 - 3.2s
			status, body, err := c.do(context.Background(), "POST", "/sdapi/v1/txt2img", map[string]any{"steps": 2, "width": 8, "height": 8})
			if err != nil || status != 200 {
				t.Errorf("job B: %d %.200s %v", status, body, err)
				return
			}
			var resp txt2imgResponse
			mustUnmarshal(t, body, &resp)
			mustUnmarshal(t, []byte(resp.Info), &infoB)
		})
		time.Sleep(500 * time.Millisecond) // 2s: loading
		if got := currentCheckpoint(c); got != models[0].Title {
			t.Errorf("during the load: model %q, want still %q", got, models[0].Title)
		}
		wg.Wait()
		if got := currentCheckpoint(c); got != models[1].Title || sim.CurrentModel() != models[1].Title {
			t.Errorf("after the load: model %q, want %q", got, models[1].Title)
		}
		if infoB.SDModelName != "sd_xl_base_1.0" || infoB.SDModelHash != models[1].Hash {
			t.Errorf("job B ran on %q %q, want the new model", infoB.SDModelName, infoB.SDModelHash)
		}

		// Selecting the current title again returns at once, without the lock.
		t1 := time.Now()
		if status, _ := c.post("/sdapi/v1/options", map[string]any{"sd_model_checkpoint": models[1].Title}); status != 200 || time.Since(t1) != 0 {
			t.Errorf("same model: %d after %v, want 200 at once", status, time.Since(t1))
		}

		// A failed load answers 200 null after the delay and changes nothing.
		sim.SetFault(sdsim.Fault{Kind: sdsim.FaultLoadFails, Times: 1})
		t1 = time.Now()
		status, body := c.post("/sdapi/v1/options", map[string]any{"sd_model_checkpoint": models[0].Title})
		if status != 200 || string(body) != "null" || time.Since(t1) != 2*time.Second {
			t.Errorf("failed load: got %d %s after %v, want 200 null after 2s", status, body, time.Since(t1))
		}
		if got := currentCheckpoint(c); got != models[1].Title {
			t.Errorf("after a failed load: model %q, want unchanged %q", got, models[1].Title)
		}
		// Times: 1, so the next switch works.
		c.post("/sdapi/v1/options", map[string]any{"sd_model_checkpoint": models[0].Title})
		if got := currentCheckpoint(c); got != models[0].Title {
			t.Errorf("retry: model %q, want %q", got, models[0].Title)
		}
	})
}

func TestOverrideSettingsModel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := sdsim.New(sdsim.Options{StepDelay: step, ModelLoadDelay: time.Second})
		defer sim.Close()
		c := memClient(t, sim)
		models := listModels(c)
		run := func(req map[string]any) (genInfo, time.Duration) {
			t0 := time.Now()
			_, info := c.txt2img(req)
			return info, time.Since(t0)
		}
		base := map[string]any{"steps": 2, "width": 8, "height": 8}
		with := func(kv map[string]any) map[string]any {
			m := map[string]any{}
			for k, v := range base {
				m[k] = v
			}
			for k, v := range kv {
				m[k] = v
			}
			return m
		}
		tests := []struct {
			name      string
			req       map[string]any
			wantModel string
			wantTime  time.Duration
			wantAfter string
		}{
			{"override loads the model", with(map[string]any{"override_settings": map[string]any{"sd_model_checkpoint": models[1].Title}}),
				"sd_xl_base_1.0", 1200 * time.Millisecond, models[0].Title},
			{"the next job reloads the selected model", base, "v1-5-pruned-emaonly", 1200 * time.Millisecond, models[0].Title},
			{"unknown override is silently ignored", with(map[string]any{"override_settings": map[string]any{"sd_model_checkpoint": "nope"}}),
				"v1-5-pruned-emaonly", 200 * time.Millisecond, models[0].Title},
			{"restore_afterwards false keeps it", with(map[string]any{"override_settings": map[string]any{"sd_model_checkpoint": "sd_xl_base_1.0"},
				"override_settings_restore_afterwards": false}), "sd_xl_base_1.0", 1200 * time.Millisecond, models[1].Title},
		}
		for _, tt := range tests {
			info, took := run(tt.req)
			if info.SDModelName != tt.wantModel || took != tt.wantTime || sim.CurrentModel() != tt.wantAfter {
				t.Errorf("%s: ran on %q in %v, then model %q; want %q in %v, then %q",
					tt.name, info.SDModelName, took, sim.CurrentModel(), tt.wantModel, tt.wantTime, tt.wantAfter)
			}
		}
	})
}

func TestRefreshCheckpointsWaitsForTheJob(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := sdsim.New(sdsim.Options{StepDelay: step})
		defer sim.Close()
		c := memClient(t, sim)
		var wg sync.WaitGroup
		wg.Go(func() {
			_, _, _ = c.do(context.Background(), "POST", "/sdapi/v1/txt2img", map[string]any{"steps": 3, "width": 8, "height": 8})
		})
		synctest.Wait()
		t0 := time.Now()
		status, body := c.post("/sdapi/v1/refresh-checkpoints", nil)
		if status != http.StatusOK || string(body) != "null" || time.Since(t0) != 300*time.Millisecond {
			t.Errorf("got %d %s after %v, want 200 null after the job's 300ms", status, body, time.Since(t0))
		}
		wg.Wait()
	})
}
