package sdbackend

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/sd"
	"github.com/imaginebot/imaginebot/internal/sdsim"
)

// lastTxt2Img decodes the body of the last txt2img the Sim received.
func lastTxt2Img(t *testing.T, srv *sdsim.Server) map[string]any {
	t.Helper()
	var body map[string]any
	for _, r := range srv.Records() {
		if r.Path == "/sdapi/v1/txt2img" {
			body = nil
			if err := json.Unmarshal(r.Body, &body); err != nil {
				t.Fatal(err)
			}
		}
	}
	if body == nil {
		t.Fatal("no txt2img was sent")
	}
	return body
}

// TestGenerateSendsModelOptions checks the txt2img body for the fields of
// the per-model profiles and request options.
func TestGenerateSendsModelOptions(t *testing.T) {
	tests := []struct {
		name    string
		set     func(p *imagine.Params)
		want    map[string]any // keys that must have these values
		missing []string       // keys that must not be sent
	}{
		{"nothing set", func(p *imagine.Params) {}, map[string]any{"cfg_scale": 7.0},
			[]string{"scheduler", "distilled_cfg_scale", "override_settings", "override_settings_restore_afterwards"}},
		{"flux on forge", func(p *imagine.Params) {
			p.Sampler, p.Scheduler, p.CFGScale, p.DistilledCFG = "Euler", "Simple", 1, 3.5
		}, map[string]any{"sampler_name": "Euler", "scheduler": "Simple", "cfg_scale": 1.0, "distilled_cfg_scale": 3.5},
			[]string{"override_settings"}},
		{"clip skip and profile overrides", func(p *imagine.Params) {
			p.ClipSkip, p.Override = 2, map[string]any{"sd_vae": "Automatic"}
		}, map[string]any{"override_settings": map[string]any{"sd_vae": "Automatic", "CLIP_stop_at_last_layers": 2.0}},
			[]string{"override_settings_restore_afterwards"}},
		{"the job's model stays loaded", func(p *imagine.Params) {
			p.Model = "sd_xl_base_1.0.safetensors [31e35c80fc]"
		}, map[string]any{"override_settings": map[string]any{"sd_model_checkpoint": "sd_xl_base_1.0.safetensors [31e35c80fc]"}, "override_settings_restore_afterwards": false},
			nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, srv := newBackend(t, sdsim.Options{StepDelay: time.Millisecond})
			p := params()
			p.BatchSize = 1
			tt.set(&p)
			before := cloneMap(p.Override)
			if _, err := b.Generate(context.Background(), p, nil); err != nil {
				t.Fatalf("Generate: %v", err)
			}
			if !reflect.DeepEqual(cloneMap(p.Override), before) {
				t.Errorf("Generate changed the profile's override_settings: %v", p.Override)
			}
			body := lastTxt2Img(t, srv)
			for k, v := range tt.want {
				if !reflect.DeepEqual(body[k], v) {
					t.Errorf("%s = %#v, want %#v", k, body[k], v)
				}
			}
			for _, k := range tt.missing {
				if _, ok := body[k]; ok {
					t.Errorf("%s sent: %#v", k, body[k])
				}
			}
		})
	}
}

func cloneMap(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// TestGenerateModelStaysLoaded checks that a job naming its model leaves
// that model selected on the server.
func TestGenerateModelStaysLoaded(t *testing.T) {
	b, _ := newBackend(t, sdsim.Options{StepDelay: time.Millisecond})
	ctx := context.Background()
	models, err := b.Models(ctx)
	if err != nil || len(models) < 2 {
		t.Fatalf("models %v, %v", models, err)
	}
	p := params()
	p.BatchSize, p.Model = 1, models[1].Title
	res, err := b.Generate(ctx, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	cur, err := b.CurrentModel(ctx)
	if err != nil || cur != models[1].Title || res.Model == "" {
		t.Errorf("after the job: current %q (%v), result model %q; want %q", cur, err, res.Model, models[1].Title)
	}
}

func TestLister(t *testing.T) {
	ctx := context.Background()
	b, _ := newBackend(t, sdsim.Options{LoRAs: []string{"add_detail", "LowRA"}})
	samplers, err := b.Samplers(ctx)
	if err != nil || !slices.Contains(samplers, "DPM++ 2M") || !slices.Contains(samplers, "Euler a") {
		t.Errorf("samplers %q, %v", samplers, err)
	}
	schedulers, err := b.Schedulers(ctx)
	if err != nil || !slices.Contains(schedulers, "Simple") || !slices.Contains(schedulers, "SGM Uniform") {
		t.Errorf("schedulers %q, %v", schedulers, err)
	}
	loras, err := b.Loras(ctx)
	if err != nil || !slices.Equal(loras, []string{"add_detail", "LowRA"}) {
		t.Errorf("loras %q, %v", loras, err)
	}

	// A server before A1111 1.9 has no scheduler list: an error the core
	// treats as "unknown", never an empty list that would refuse every name.
	old, _ := newBackend(t, sdsim.Options{NoSchedulers: true})
	list, err := old.Schedulers(ctx)
	if err == nil || list != nil || !errors.Is(err, sd.ErrNoSchedulers) {
		t.Errorf("schedulers of an old server = %q, %v; want an ErrNoSchedulers error", list, err)
	}
	if s, err := old.Samplers(ctx); err != nil || len(s) == 0 {
		t.Errorf("samplers of an old server = %q, %v", s, err)
	}
}
