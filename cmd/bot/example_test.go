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
	if cfg.Discord.Enabled() || cfg.Telegram.Enabled() {
		t.Errorf("example enables a platform without tokens in the environment")
	}
}
