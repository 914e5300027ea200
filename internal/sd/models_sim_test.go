package sd_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/sd"
	"github.com/imaginebot/imaginebot/internal/sdsim"
)

func TestSetModel(t *testing.T) {
	ctx := context.Background()
	srv := fastSim(t, sdsim.Options{ModelLoadDelay: 10 * time.Millisecond})
	c := newClient(t, srv, nil)
	models, err := c.Models(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(models) != 2 {
		t.Fatalf("Models = %+v; want the two default checkpoints", models)
	}
	titles := srv.ModelTitles()
	for i, m := range models {
		if m.Title != titles[i] || m.ModelName == "" || m.Filename == "" {
			t.Errorf("model %d = %+v; want title %q, a model_name and a filename", i, m, titles[i])
		}
	}
	cur, err := c.CurrentModel(ctx)
	if err != nil || cur != titles[0] {
		t.Fatalf("CurrentModel = %q, %v; want %q", cur, err, titles[0])
	}

	tests := []struct {
		name string
		arg  func(sd.Model) string
		to   int
	}{
		{"by title", func(m sd.Model) string { return m.Title }, 1},
		{"by model_name", func(m sd.Model) string { return m.ModelName }, 0},
		{"by file name", func(m sd.Model) string { return m.Filename[strings.LastIndex(m.Filename, "/")+1:] }, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := c.SetModel(ctx, tt.arg(models[tt.to]))
			if err != nil {
				t.Fatalf("SetModel: %v", err)
			}
			if m.Title != titles[tt.to] || srv.CurrentModel() != titles[tt.to] {
				t.Errorf("SetModel = %q, server on %q; want %q", m.Title, srv.CurrentModel(), titles[tt.to])
			}
			posts := records(srv, "POST", "/sdapi/v1/options")
			if last := string(posts[len(posts)-1].Body); !strings.Contains(last, titles[tt.to]) {
				t.Errorf("options body = %s; want the title %q", last, titles[tt.to])
			}
		})
	}

	t.Run("unknown", func(t *testing.T) {
		before := srv.CurrentModel()
		_, err := c.SetModel(ctx, "nope")
		if !errors.Is(err, sd.ErrModelNotFound) {
			t.Fatalf("SetModel error = %v; want ErrModelNotFound", err)
		}
		if !strings.Contains(err.Error(), `"nope"`) || !strings.Contains(err.Error(), titles[0]) {
			t.Errorf("error = %q; want the name and the available models", err)
		}
		if srv.CurrentModel() != before {
			t.Errorf("server switched to %q; want it left on %q", srv.CurrentModel(), before)
		}
	})

	t.Run("server rejects unknown checkpoint", func(t *testing.T) {
		err := c.SetOptions(ctx, map[string]any{"sd_model_checkpoint": "nope.safetensors"})
		if !errors.Is(err, sd.ErrModelNotFound) {
			t.Errorf("SetOptions error = %v; want ErrModelNotFound from the 500 RuntimeError", err)
		}
	})

	t.Run("load fails", func(t *testing.T) {
		before := srv.CurrentModel()
		other := titles[0]
		if before == other {
			other = titles[1]
		}
		srv.SetFault(sdsim.Fault{Kind: sdsim.FaultLoadFails, Times: 1})
		_, err := c.SetModel(ctx, other)
		var le *sd.ModelLoadError
		if !errors.As(err, &le) {
			t.Fatalf("SetModel error = %v; want a *ModelLoadError", err)
		}
		if le.Want != other || le.Got != before {
			t.Errorf("ModelLoadError = %+v; want Want %q, Got %q", le, other, before)
		}
	})
}

func TestOptionsAndListings(t *testing.T) {
	ctx := context.Background()
	srv := fastSim(t, sdsim.Options{Username: "u", Password: "p"})
	c := newClient(t, srv, func(cfg *sd.Config) { cfg.Username, cfg.Password = "u", "p" })
	opts, err := c.Options(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := opts["sd_model_checkpoint"]; !ok || len(opts) < 5 {
		t.Errorf("Options has %d keys; want sd_model_checkpoint among many", len(opts))
	}
	loras, err := c.Loras(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(loras, func(l sd.Lora) bool { return l.Name == "add_detail" && l.Path != "" }) {
		t.Errorf("Loras = %+v; want add_detail with a path", loras)
	}
	samplers, err := c.Samplers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(samplers, func(s sd.Sampler) bool { return s.Name == "Euler a" }) {
		t.Errorf("Samplers = %+v; want Euler a", samplers)
	}
	ups, err := c.Upscalers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ups) == 0 || ups[0].Name == "" {
		t.Errorf("Upscalers = %+v; want some", ups)
	}
}
