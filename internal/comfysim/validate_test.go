package comfysim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const okGraph = `{
  "3": {"class_type": "KSampler", "inputs": {"seed": 5, "steps": 2, "cfg": 7, "sampler_name": "euler", "scheduler": "normal", "denoise": 1, "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0]}},
  "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "v1-5-pruned-emaonly.safetensors"}},
  "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64, "batch_size": 1}},
  "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a", "clip": ["4", 1]}},
  "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "b", "clip": ["4", 1]}},
  "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
  "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "x", "images": ["8", 0]}}
}`

func TestPostPromptValidates(t *testing.T) {
	sim := New(Options{})
	ts := httptest.NewServer(sim)
	defer ts.Close()
	defer sim.Close()
	edit := func(f func(g map[string]map[string]any)) string {
		var g map[string]map[string]any
		if err := json.Unmarshal([]byte(okGraph), &g); err != nil {
			t.Fatal(err)
		}
		f(g)
		b, _ := json.Marshal(g)
		return string(b)
	}
	in := func(g map[string]map[string]any, id string) map[string]any { return g[id]["inputs"].(map[string]any) }
	tests := []struct {
		name, graph string
		status      int
		want        []string
	}{
		{"ok", okGraph, 200, []string{`"prompt_id"`, `"number":0`}},
		{"unknown class", edit(func(g map[string]map[string]any) {
			g["10"] = map[string]any{"class_type": "Upscaler9000", "inputs": map[string]any{}}
		}), 400, []string{`"type":"invalid_prompt"`, "node Upscaler9000 does not exist", "Node ID '#10'"}},
		{"no outputs", edit(func(g map[string]map[string]any) { delete(g, "9") }), 400, []string{`"type":"prompt_no_outputs"`}},
		{"missing input", edit(func(g map[string]map[string]any) { delete(in(g, "3"), "steps") }), 400, []string{`"prompt_outputs_failed_validation"`, `"3":{"errors":[{"type":"required_input_missing"`, `"details":"steps"`, `"class_type":"KSampler"`}},
		{"link to a missing node", edit(func(g map[string]map[string]any) { in(g, "3")["model"] = []any{"99", 0} }), 400, []string{`"bad_linked_input"`, "model: node '99'"}},
		{"wrong output type", edit(func(g map[string]map[string]any) { in(g, "3")["model"] = []any{"4", 1} }), 400, []string{`"return_type_mismatch"`, "model, received_type(CLIP) mismatch input_type(MODEL)"}},
		{"unknown checkpoint", edit(func(g map[string]map[string]any) { in(g, "4")["ckpt_name"] = "x.safetensors" }), 400, []string{`"value_not_in_list"`, "ckpt_name: 'x.safetensors' not in"}},
		{"fractional steps", edit(func(g map[string]map[string]any) { in(g, "3")["steps"] = 2.5 }), 400, []string{`"invalid_input_type"`}},
		{"cfg too high", edit(func(g map[string]map[string]any) { in(g, "3")["cfg"] = 101 }), 400, []string{`"value_bigger_than_max"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Post(ts.URL+"/prompt", "application/json", strings.NewReader(`{"prompt":`+tt.graph+`,"client_id":"t"}`))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			for _, w := range tt.want {
				if !bytes.Contains(body, []byte(w)) {
					t.Errorf("answer lacks %s: %s", w, body)
				}
			}
		})
	}
}
