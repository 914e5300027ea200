package sd

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func ptr[T any](v T) *T { return &v }

func TestDecodeInfo(t *testing.T) {
	tests := []struct {
		file string
		want Info
	}{
		{
			file: "a1111_1_4.json", // no sd_model_name, no version: both come from the infotext
			want: Info{
				Seed: 3825577683, AllSeeds: []int64{3825577683}, Prompt: "young woman", NegativePrompt: "naked",
				Width: 512, Height: 512, Steps: 14, BatchSize: 1, SamplerName: "Euler a", CFGScale: 7,
				SDModelName: "cyberrealistic_v32", SDModelHash: "9584e2c050", DenoisingStrength: ptr(0.0),
				Infotexts:    []string{"young woman\nNegative prompt: naked\nSteps: 14, Sampler: Euler a, CFG scale: 7.0, Seed: 3825577683, Size: 512x512, Model hash: 9584e2c050, Model: cyberrealistic_v32, Seed resize from: -1x-1, Denoising strength: 0, Version: v1.4.0"},
				JobTimestamp: "20230728123810", Version: "v1.4.0", Extra: map[string]any{},
			},
		},
		{
			file: "a1111_1_8.json",
			want: Info{
				Seed: 3017949020, AllSeeds: []int64{3017949020}, Prompt: "A female elf with golden crown", NegativePrompt: "(((3d))), easynegative",
				Width: 512, Height: 512, Steps: 20, BatchSize: 1, SamplerName: "DPM++ SDE Karras", CFGScale: 7,
				SDModelName: "v1-5-pruned-emaonly", SDModelHash: "cc6cb27103",
				Infotexts:    []string{"A female elf with golden crown\nNegative prompt: (((3d))), easynegative\nSteps: 20, Sampler: DPM++ SDE Karras, CFG scale: 7.0, Seed: 3017949020, Size: 512x512, Model hash: cc6cb27103, Model: v1-5-pruned-emaonly, Version: v1.8.0"},
				JobTimestamp: "20240302230001", Version: "v1.8.0", Extra: map[string]any{},
			},
		},
		{
			file: "a1111_1_10_grid.json",
			want: Info{
				Seed: 1234, AllSeeds: []int64{1234, 1235}, Prompt: "a red fox in snow <lora:foxy:0.5>", NegativePrompt: "blurry",
				Width: 512, Height: 768, Steps: 25, BatchSize: 2, SamplerName: "DPM++ 2M", CFGScale: 6.5,
				SDModelName: "dreamshaper_8", SDModelHash: "879db523c3", DenoisingStrength: ptr(0.7), IndexOfFirstImage: 1,
				Infotexts: []string{
					"a red fox in snow <lora:foxy:0.5>\nNegative prompt: blurry\nSteps: 25, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: 1234, Size: 512x768, Model hash: 879db523c3, Model: dreamshaper_8, Denoising strength: 0.7, Hires upscale: 2.0, Hires upscaler: Latent, Lora hashes: \"foxy: 1a2b3c4d5e6f\", Version: v1.10.1",
					"a red fox in snow <lora:foxy:0.5>\nNegative prompt: blurry\nSteps: 25, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: 1235, Size: 512x768, Model hash: 879db523c3, Model: dreamshaper_8, Denoising strength: 0.7, Hires upscale: 2.0, Hires upscaler: Latent, Lora hashes: \"foxy: 1a2b3c4d5e6f\", Version: v1.10.1",
				},
				JobTimestamp: "20240801120000", Version: "v1.10.1",
				Extra: map[string]any{"Schedule type": "Karras", "Hires upscale": 2.0, "Hires upscaler": "Latent", "Lora hashes": "foxy: 1a2b3c4d5e6f"},
			},
		},
		{
			file: "odd_types.json",
			want: Info{
				Seed: 3017949020, AllSeeds: []int64{3017949020, 3017949021, 0},
				Width: 512, Height: 512, Steps: 20, SamplerName: "7", CFGScale: 7, SDModelHash: "12345",
				DenoisingStrength: ptr(0.55), JobTimestamp: "20240302230001", Version: "true",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", "info", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got, ok := decodeInfo(string(raw))
			if !ok {
				t.Fatalf("decodeInfo ok = false; want true")
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("decodeInfo =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestDecodeInfoNotAnObject(t *testing.T) {
	for _, raw := range []string{"", "null", "not json", `"a string"`, `[1,2]`, `{"seed": 1,`} {
		t.Run(raw, func(t *testing.T) {
			if got, ok := decodeInfo(raw); ok || !reflect.DeepEqual(got, Info{}) {
				t.Errorf("decodeInfo(%q) = %+v, %v; want zero, false", raw, got, ok)
			}
		})
	}
}

func TestInfotextParams(t *testing.T) {
	got := infotextParams("prompt, with: colon\nNegative prompt: x\nSteps: 20, Sampler: Euler a, Lora hashes: \"a: 1, b: 2\", Model: m_1, Version: v1.9.0")
	want := map[string]string{"Steps": "20", "Sampler": "Euler a", "Lora hashes": "a: 1, b: 2", "Model": "m_1", "Version": "v1.9.0"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("infotextParams = %v; want %v", got, want)
	}
}
