package main

import (
	"testing"

	"github.com/imaginebot/imaginebot/internal/config"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// TestConfigExample keeps config.yaml.example loadable and faithful to the
// seed document: its default negative prompt and its style.
func TestConfigExample(t *testing.T) {
	cfg, err := config.Load("../../config.yaml.example", func(string) string { return "" })
	if err != nil {
		t.Fatalf("config.yaml.example: %v", err)
	}
	if cfg.Defaults.NegativePrompt != config.DefaultNegativePrompt {
		t.Errorf("example negative prompt differs from the seed's:\n got %q\nwant %q", cfg.Defaults.NegativePrompt, config.DefaultNegativePrompt)
	}
	st := settingsFrom(cfg).Styles[0]
	got := imagine.ComposePrompt(st, "a girl")
	want := "((best quality)), ((masterpiece)), " + "a girl" + " <lora:loraName:0.5>"
	if got != want {
		t.Errorf("example style composes %q, want %q", got, want)
	}
	s := settingsFrom(cfg)
	flux, pony := s.ProfileFor("flux1-dev-fp8.safetensors [1be961341b]"), s.ProfileFor("SDXL/ponyDiffusionV6XL.safetensors")
	if flux == nil || flux.CFGScale != 1 || flux.DistilledCFG != 3.5 || flux.Scheduler != "Simple" {
		t.Errorf("example Flux profile = %+v, want cfg 1, distilled 3.5, scheduler Simple", flux)
	}
	if pony == nil || pony.Width != 1024 || pony.Height != 1024 || pony.ClipSkip != 2 || pony.PromptPrefix == "" {
		t.Errorf("example Pony profile = %+v, want 1024x1024, clip skip 2 and quality tags", pony)
	}
	if s.ProfileFor("v1-5-pruned-emaonly.safetensors") != nil {
		t.Errorf("example profiles catch SD 1.5")
	}
	d, in := s.Defaults, s.Limits.Input
	if d.Strength != 0.6 || d.UpscaleBy != 2 || d.Upscaler != "R-ESRGAN 4x+" || d.VaryStrength != 0.15 || in.MaxBytes != 10<<20 || in.MaxPixels != 4096*4096 {
		t.Errorf("example image settings = %+v, %+v; want the documented defaults", d, in)
	}
	if s.CheckInput == nil {
		t.Error("settingsFrom sets no input checker")
	} else if _, err := s.CheckInput([]byte("not a picture")); err == nil {
		t.Error("the input checker took text")
	}
	if s.ImageHeader == nil {
		t.Error("settingsFrom sets no header reader for the results ⬆ Upscale enlarges")
	}
	if cfg.Discord.Enabled() || cfg.Telegram.Enabled() {
		t.Errorf("example enables a platform without tokens in the environment")
	}
}
