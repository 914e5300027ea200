package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imaginebot/imaginebot/internal/comfysim"
)

// TestComfyUIImageChecks: "bot check" on a ComfyUI backend names the
// workflow's img2img path (or the built-in graph), refuses a workflow
// whose img2img path cannot be mapped (as the start does), and says
// whether defaults.upscaler is among the server's upscale models.
func TestComfyUIImageChecks(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	good, err := os.ReadFile("../../internal/comfyui/testdata/img2img_workflow.json")
	if err != nil {
		t.Fatal(err)
	}
	var graph map[string]map[string]any
	if err := json.Unmarshal(good, &graph); err != nil {
		t.Fatal(err)
	}
	// The picture's encoder feeds no sampler: the path cannot be mapped.
	graph["62"]["inputs"].(map[string]any)["latent_image"] = []any{"10", 0}
	bad, _ := json.Marshal(graph)
	goodPath, badPath := write("img2img.json", good), write("broken.json", bad)
	env := func(string) string { return "" }

	for _, tt := range []struct {
		name     string
		opts     comfysim.Options
		workflow string
		upscaler string
		err      string
		want     []string
	}{
		{name: "built-in graphs", workflow: "", upscaler: "R-ESRGAN 4x+", want: []string{
			"ok    sd comfy: workflow built-in txt2img graph (7 nodes): KSampler 3, prompt 6, negative 7, EmptyLatentImage 5, CheckpointLoaderSimple 4; img2img: built-in graph",
			`ok    sd comfy: defaults.upscaler "R-ESRGAN 4x+" is the upscale model RealESRGAN_x4plus.pth`,
			"note  sd comfy: ComfyUI has no subseed, so 🎨 Vary is refused on this backend",
		}},
		{name: "the workflow's img2img path", workflow: goodPath, upscaler: "4x-UltraSharp", want: []string{
			"img2img: LoadImage 60 → an ImageScale the bot adds → VAEEncode 61 → KSampler 62",
			`ok    sd comfy: defaults.upscaler "4x-UltraSharp" is the upscale model 4x-UltraSharp.pth`,
		}},
		{name: "unknown upscaler", upscaler: "SwinIR 4x", want: []string{
			`warn  sd comfy: defaults.upscaler "SwinIR 4x" is not among ComfyUI's upscale models (RealESRGAN_x4plus.pth, 4x-UltraSharp.pth, RealESRGAN_x2.pth); the Upscale button will fail`,
		}},
		{name: "no upscale models", opts: comfysim.Options{NoUpscaleModels: true}, upscaler: "R-ESRGAN 4x+", want: []string{
			"warn  sd comfy: the server has no upscale models (put one into ComfyUI's models/upscale_models); the Upscale button will say this server cannot upscale",
		}},
		{name: "unmappable img2img path", workflow: badPath, upscaler: "R-ESRGAN 4x+",
			err: "sd backend comfy: comfyui: workflow " + badPath + ": VAEEncode node 61 encodes a picture but is not linked to a KSampler's latent_image"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sim := comfysim.New(tt.opts)
			ts := httptest.NewServer(sim)
			defer ts.Close()
			defer sim.Close()
			config := write("config.yaml", fmt.Appendf(nil, "sd:\n  backends:\n    - {name: comfy, kind: comfyui, url: %s, workflow: %q}\ndefaults: {upscaler: %q}\nstore: {path: ':memory:'}\n", ts.URL, tt.workflow, tt.upscaler))
			var out, errOut bytes.Buffer
			err := runCheck(context.Background(), []string{"-config", config}, env, &out, &errOut)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("bot check: %v, want %q", err, tt.err)
				}
				if err := run(context.Background(), []string{"-config", config}, env, &out, &errOut); err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("start: %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("bot check: %v\n%s", err, out.String())
			}
			for _, want := range tt.want {
				if !strings.Contains(out.String(), want) {
					t.Errorf("bot check output lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}
