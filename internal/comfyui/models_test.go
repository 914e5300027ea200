package comfyui

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/imaginebot/imaginebot/internal/comfysim"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

func TestModels(t *testing.T) {
	_, ts := newSim(t, comfysim.Options{Checkpoints: []string{"base.safetensors", "sdxl/juggernaut.safetensors", "flux/dev.ckpt"}})
	b := newBackend(t, Config{URL: ts.URL})
	ctx := ctxT(t)
	models, err := b.Models(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []imagine.Model{{Title: "base.safetensors", Name: "base"}, {Title: "sdxl/juggernaut.safetensors", Name: "sdxl/juggernaut"}, {Title: "flux/dev.ckpt", Name: "flux/dev"}}
	if !slices.Equal(models, want) {
		t.Errorf("models %v", models)
	}
	if cur, err := b.CurrentModel(ctx); err != nil || cur != "base.safetensors" {
		t.Errorf("current %q %v, want the first listed", cur, err)
	}
	for _, name := range []string{"sdxl/juggernaut.safetensors", "SDXL/Juggernaut", "juggernaut", "sdxl/juggernaut.safetensors [1234abcd]"} {
		if got, err := b.SwitchModel(ctx, name); err != nil || got != "sdxl/juggernaut.safetensors" {
			t.Errorf("SwitchModel(%q) = %q, %v", name, got, err)
		}
	}
	if cur, _ := b.CurrentModel(ctx); cur != "sdxl/juggernaut.safetensors" {
		t.Errorf("current %q after the switch", cur)
	}
	_, err = b.SwitchModel(ctx, "nope")
	if !errors.Is(err, imagine.ErrModelNotFound) || !strings.Contains(err.Error(), "flux/dev.ckpt") {
		t.Errorf("unknown model: %v", err)
	}
	// A job's own model wins over the selection; an unknown one is refused.
	p := params("x")
	p.Model = "flux/dev"
	res, err := b.Generate(ctx, p, nil)
	if err != nil || res.Model != "flux/dev.ckpt" {
		t.Errorf("Params.Model: %v %+v", err, res)
	}
	p.Model = "nope"
	if _, err := b.Generate(ctx, p, nil); !errors.Is(err, imagine.ErrModelNotFound) {
		t.Errorf("unknown Params.Model: %v", err)
	}
}

func TestLister(t *testing.T) {
	_, ts := newSim(t, comfysim.Options{Samplers: []string{"euler", "lcm"}, Schedulers: []string{"karras"}, LoRAs: []string{"a.safetensors"}})
	b := newBackend(t, Config{URL: ts.URL})
	var l imagine.Lister = b
	s, err1 := l.Samplers(ctxT(t))
	sc, err2 := l.Schedulers(ctxT(t))
	lo, err3 := l.Loras(ctxT(t))
	if err := errors.Join(err1, err2, err3); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s, []string{"euler", "lcm"}) || !slices.Equal(sc, []string{"karras"}) || !slices.Equal(lo, []string{"a.safetensors"}) {
		t.Errorf("lists %v %v %v", s, sc, lo)
	}
}
