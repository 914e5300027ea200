package sdsim_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/sdsim"
)

func TestTxt2ImgImages(t *testing.T) {
	tests := []struct {
		name       string
		opts       sdsim.Options
		req        map[string]any
		wantImages int
		wantFirst  int // index_of_first_image
		wantSize   [2]int
		wantGrid   [2]int // size of the grid image when wantFirst == 1
		wantChunk  string
		wantInText []string
	}{
		{
			name:       "defaults",
			req:        map[string]any{"prompt": "a lighthouse", "seed": 1234},
			wantImages: 1, wantSize: [2]int{512, 512}, wantChunk: "tEXt",
			wantInText: []string{"a lighthouse\nSteps: 50, Sampler: Euler, Schedule type: Automatic, CFG scale: 7", "Seed: 1234", "Size: 512x512", "Model: v1-5-pruned-emaonly", "Version: v1.10.1"},
		},
		{
			name:       "size and negative prompt",
			req:        map[string]any{"prompt": "p", "negative_prompt": "blurry", "width": 640, "height": 384, "steps": 3, "seed": 5},
			wantImages: 1, wantSize: [2]int{640, 384}, wantChunk: "tEXt",
			wantInText: []string{"p\nNegative prompt: blurry\nSteps: 3,", "Size: 640x384"},
		},
		{
			name:       "size rounded down to a multiple of 8",
			req:        map[string]any{"width": 100, "height": 75, "steps": 2, "seed": 5},
			wantImages: 1, wantSize: [2]int{96, 72}, wantChunk: "tEXt",
			wantInText: []string{"Size: 100x75"},
		},
		{
			name:       "batch and iterations",
			req:        map[string]any{"width": 64, "height": 64, "steps": 2, "batch_size": 2, "n_iter": 3, "seed": 10},
			wantImages: 6, wantSize: [2]int{64, 64}, wantChunk: "tEXt",
			wantInText: []string{"Seed: 1"},
		},
		{
			name:       "hires fix by scale",
			req:        map[string]any{"width": 64, "height": 48, "steps": 2, "seed": 1, "enable_hr": true, "hr_scale": 1.5, "hr_upscaler": "R-ESRGAN 4x+", "denoising_strength": 0.6},
			wantImages: 1, wantSize: [2]int{96, 72}, wantChunk: "tEXt",
			wantInText: []string{"Size: 64x48", "Denoising strength: 0.6", "Hires upscale: 1.5", "Hires upscaler: R-ESRGAN 4x+"},
		},
		{
			name:       "hires fix by resize",
			req:        map[string]any{"width": 64, "height": 32, "steps": 2, "seed": 1, "enable_hr": true, "hr_resize_x": 128, "hr_second_pass_steps": 3},
			wantImages: 1, wantSize: [2]int{128, 64}, wantChunk: "tEXt",
			wantInText: []string{"Hires resize: 128x0", "Hires steps: 3"},
		},
		{
			name:       "grid with save_images",
			req:        map[string]any{"width": 64, "height": 64, "steps": 2, "batch_size": 2, "seed": 1, "save_images": true},
			wantImages: 3, wantFirst: 1, wantSize: [2]int{64, 64}, wantGrid: [2]int{128, 64}, wantChunk: "tEXt",
		},
		{
			name:       "grid with ReturnGrid",
			opts:       sdsim.Options{ReturnGrid: true},
			req:        map[string]any{"width": 32, "height": 32, "steps": 1, "batch_size": 4, "seed": 1},
			wantImages: 5, wantFirst: 1, wantSize: [2]int{32, 32}, wantGrid: [2]int{64, 64}, wantChunk: "tEXt",
		},
		{
			name:       "no grid for one image",
			opts:       sdsim.Options{ReturnGrid: true},
			req:        map[string]any{"width": 32, "height": 32, "steps": 1, "seed": 1},
			wantImages: 1, wantSize: [2]int{32, 32}, wantChunk: "tEXt",
		},
		{
			name:       "send_images false",
			req:        map[string]any{"width": 32, "height": 32, "steps": 1, "send_images": false},
			wantImages: 0,
		},
		{
			name:       "non-Latin-1 prompt uses iTXt",
			req:        map[string]any{"prompt": "кот в шляпе, 猫", "width": 32, "height": 32, "steps": 1, "seed": 3},
			wantImages: 1, wantSize: [2]int{32, 32}, wantChunk: "iTXt",
			wantInText: []string{"кот в шляпе, 猫\nSteps: 1"},
		},
		{
			name:       "LoRA hashes",
			req:        map[string]any{"prompt": "x <lora:add_detail:0.5> <lora:nope:1>", "width": 32, "height": 32, "steps": 1, "seed": 3},
			wantImages: 1, wantSize: [2]int{32, 32}, wantChunk: "tEXt",
			wantInText: []string{`Lora hashes: "add_detail: `},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			opts.StepDelay = time.Nanosecond
			sim := sdsim.New(opts)
			defer sim.Close()
			c := memClient(t, sim)
			resp, info := c.txt2img(tt.req)
			if got := len(resp.Images); got != tt.wantImages {
				t.Fatalf("images: got %d, want %d", got, tt.wantImages)
			}
			if info.IndexOfFirstImage != tt.wantFirst {
				t.Errorf("index_of_first_image: got %d, want %d", info.IndexOfFirstImage, tt.wantFirst)
			}
			if got := len(info.Infotexts); tt.wantImages > 0 && got != tt.wantImages {
				t.Errorf("infotexts: got %d, want %d", got, tt.wantImages)
			}
			for i, b64 := range resp.Images {
				img, chunks := decodePNG(t, b64)
				want := tt.wantSize
				if i < tt.wantFirst {
					want = tt.wantGrid
				}
				if got := [2]int{img.Bounds().Dx(), img.Bounds().Dy()}; got != want {
					t.Errorf("image %d: size %v, want %v", i, got, want)
				}
				typ, text := parametersText(t, chunks)
				if typ != tt.wantChunk {
					t.Errorf("image %d: chunk %s, want %s", i, typ, tt.wantChunk)
				}
				if text != info.Infotexts[i] {
					t.Errorf("image %d: parameters %q, want infotexts[%d] %q", i, text, i, info.Infotexts[i])
				}
				for _, s := range tt.wantInText {
					if !strings.Contains(text, s) {
						t.Errorf("image %d: parameters %q, want it to contain %q", i, text, s)
					}
				}
			}
			for i := range len(info.AllSeeds) {
				if info.AllSeeds[i] != info.Seed+int64(i) {
					t.Errorf("all_seeds: got %v, want consecutive from %d", info.AllSeeds, info.Seed)
				}
				if i+info.IndexOfFirstImage < len(info.Infotexts) {
					if want := fmt.Sprintf("Seed: %d,", info.AllSeeds[i]); !strings.Contains(info.Infotexts[i+info.IndexOfFirstImage], want) {
						t.Errorf("infotexts[%d]: got %q, want %q", i+info.IndexOfFirstImage, info.Infotexts[i+info.IndexOfFirstImage], want)
					}
				}
			}
			if info.Version != "v1.10.1" || info.SDModelName != "v1-5-pruned-emaonly" || len(info.SDModelHash) != 10 {
				t.Errorf("info: version %q, model %q, hash %q", info.Version, info.SDModelName, info.SDModelHash)
			}
		})
	}
}

func TestTxt2ImgInfoAndParameters(t *testing.T) {
	sim := sdsim.New(sdsim.Options{StepDelay: time.Nanosecond})
	defer sim.Close()
	c := memClient(t, sim)
	resp, info := c.txt2img(map[string]any{"prompt": "cat", "steps": "4", "width": 32, "height": 32, "sampler_name": "DPM++ 2M Karras", "task_id": "t1"})

	// parameters echoes the parsed request with defaults, seed still -1.
	for key, want := range map[string]any{"seed": -1.0, "steps": 4.0, "n_iter": 1.0, "sampler_index": "Euler", "hr_scale": 2.0,
		"sampler_name": "DPM++ 2M Karras", "denoising_strength": nil, "task_id": "t1", "send_images": true} {
		if got, ok := resp.Parameters[key]; !ok || got != want {
			t.Errorf("parameters[%q]: got %v (present %v), want %v", key, got, ok, want)
		}
	}
	if info.Seed < 0 || info.Seed >= 4294967294 {
		t.Errorf("info seed: got %d, want a random seed in [0, 4294967294)", info.Seed)
	}
	// "DPM++ 2M Karras" splits into the sampler and its default scheduler, reported as Automatic.
	if info.SamplerName != "DPM++ 2M" || !strings.Contains(info.Infotexts[0], "Sampler: DPM++ 2M, Schedule type: Automatic,") {
		t.Errorf("sampler: got %q / %q", info.SamplerName, info.Infotexts[0])
	}
	if info.Steps != 4 || info.CFGScale != 7 || info.Width != 32 || len(info.JobTimestamp) != 14 {
		t.Errorf("info: steps %d cfg %v width %d timestamp %q", info.Steps, info.CFGScale, info.Width, info.JobTimestamp)
	}
	// info is Python's json.dumps: "key": value with a space, floats with ".0".
	if !strings.Contains(resp.Info, `"cfg_scale": 7.0`) || !strings.HasPrefix(resp.Info, `{"prompt": "cat", "all_prompts": ["cat"]`) {
		t.Errorf("info: got %.120s, want Python's json.dumps layout", resp.Info)
	}
}

func TestTxt2ImgDeterminism(t *testing.T) {
	sim := sdsim.New(sdsim.Options{StepDelay: time.Nanosecond})
	defer sim.Close()
	c := memClient(t, sim)
	gen := func(seed int, extra map[string]any) (txt2imgResponse, genInfo) {
		req := map[string]any{"prompt": "same prompt", "width": 64, "height": 64, "steps": 2, "seed": seed}
		for k, v := range extra {
			req[k] = v
		}
		return c.txt2img(req)
	}
	a, _ := gen(77, nil)
	b, _ := gen(77, nil)
	if a.Images[0] != b.Images[0] {
		t.Errorf("seed 77 twice: images differ, want identical bytes")
	}
	imgA, _ := decodePNG(t, a.Images[0])
	for _, seed := range []int{78, 76, 1 << 40} {
		other, _ := gen(seed, nil)
		img, _ := decodePNG(t, other.Images[0])
		if sameImage(imgA, img) {
			t.Errorf("seed %d: same pixels as seed 77, want different", seed)
		}
	}
	// In a batch, image i uses seed+i: it equals a single image with that seed.
	batch, info := gen(77, map[string]any{"batch_size": 2})
	single78, _ := gen(78, nil)
	img1, _ := decodePNG(t, batch.Images[1])
	img78, _ := decodePNG(t, single78.Images[0])
	if !sameImage(img1, img78) || info.AllSeeds[1] != 78 {
		t.Errorf("batch image 1 (seed %v) differs from a single seed-78 image", info.AllSeeds)
	}
	// The prompt does not matter, only the seed.
	p2, _ := gen(77, map[string]any{"prompt": "other prompt"})
	img2, _ := decodePNG(t, p2.Images[0])
	if !sameImage(imgA, img2) {
		t.Errorf("same seed, other prompt: pixels differ, want equal")
	}
	// Random seeds differ from call to call.
	r1, i1 := gen(-1, nil)
	r2, i2 := gen(-1, nil)
	if i1.Seed == i2.Seed || r1.Images[0] == r2.Images[0] {
		t.Errorf("seed -1 twice: seeds %d and %d, want different random seeds and images", i1.Seed, i2.Seed)
	}
}

func TestTxt2ImgErrors(t *testing.T) {
	tests := []struct {
		name       string
		req        map[string]any
		wantStatus int
		wantBody   string
	}{
		{"unknown hires upscaler", map[string]any{"steps": 1, "enable_hr": true, "hr_upscaler": "Bogus"}, 500,
			`{"error":"Exception","detail":"","body":"","errors":"could not find upscaler named Bogus"}`},
		{"unknown upscaler without hires is ignored", map[string]any{"steps": 1, "width": 8, "height": 8, "hr_upscaler": "Bogus"}, 200, ""},
		{"unknown refiner", map[string]any{"steps": 1, "refiner_checkpoint": "nope"}, 500,
			`{"error":"Exception","detail":"","body":"","errors":"Could not find checkpoint with name nope"}`},
		{"script not found", map[string]any{"script_name": "x/y/z plot"}, 422,
			`{"error":"HTTPException","detail":"Script 'x/y/z plot' not found","body":"","errors":""}`},
		{"always on script not found", map[string]any{"alwayson_scripts": map[string]any{"ADetailer": map[string]any{}}}, 422,
			`{"error":"HTTPException","detail":"always on script ADetailer not found","body":"","errors":""}`},
		{"too large for the GPU", map[string]any{"steps": 1, "width": 4096, "height": 4096, "batch_size": 2}, 500,
			`"error":"OutOfMemoryError"`},
		{"unknown override key", map[string]any{"steps": 1, "override_settings": map[string]any{"no_such_option": 1}}, 500,
			`{"error":"KeyError","detail":"","body":"","errors":"'no_such_option'"}`},
		{"no images (n_iter 0)", map[string]any{"steps": 1, "n_iter": 0}, 500,
			`{"error":"IndexError","detail":"","body":"","errors":"list index out of range"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := sdsim.New(sdsim.Options{StepDelay: time.Nanosecond})
			defer sim.Close()
			status, body := memClient(t, sim).post("/sdapi/v1/txt2img", tt.req)
			if status != tt.wantStatus || !strings.Contains(string(body), tt.wantBody) {
				t.Errorf("got %d %.200s, want %d containing %s", status, body, tt.wantStatus, tt.wantBody)
			}
		})
	}
}
