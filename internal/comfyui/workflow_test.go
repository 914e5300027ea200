package comfyui

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func compactJSON(t *testing.T, raw []byte) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// without returns the default graph with changes applied by edit.
func graphWith(t *testing.T, edit func(g map[string]map[string]any)) []byte {
	t.Helper()
	var g map[string]map[string]any
	if err := json.Unmarshal([]byte(defaultGraph), &g); err != nil {
		t.Fatal(err)
	}
	edit(g)
	data, err := json.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func inputs(g map[string]map[string]any, id string) map[string]any {
	return g[id]["inputs"].(map[string]any)
}

func TestParseWorkflowRefusesUnmappable(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"not json", []byte("{nope"), "not a JSON object"},
		{"ui format", []byte(`{"last_node_id": 9, "nodes": [], "links": []}`), "Export (API)"},
		{"node without class", []byte(`{"1": {"inputs": {}}}`), "node 1 is not an API-format node"},
		{"no ksampler", graphWith(t, func(g map[string]map[string]any) { delete(g, "3") }), "no KSampler node"},
		{"positive not an encoder", graphWith(t, func(g map[string]map[string]any) { inputs(g, "3")["positive"] = []any{"5", 0} }), "positive input of KSampler node 3 is not linked to a CLIPTextEncode"},
		{"negative a literal", graphWith(t, func(g map[string]map[string]any) { inputs(g, "3")["negative"] = "text" }), "negative input of KSampler node 3"},
		{"same encoder twice", graphWith(t, func(g map[string]map[string]any) { inputs(g, "3")["negative"] = []any{"6", 0} }), "same CLIPTextEncode node 6"},
		{"no latent", graphWith(t, func(g map[string]map[string]any) { delete(g, "5") }), "not linked to an EmptyLatentImage node (and the workflow has 0)"},
		{"no checkpoint loader", graphWith(t, func(g map[string]map[string]any) { delete(g, "4") }), "0 CheckpointLoaderSimple nodes"},
		{"no save", graphWith(t, func(g map[string]map[string]any) { delete(g, "9") }), "no SaveImage"},
		{"two samplers from the latent", graphWith(t, func(g map[string]map[string]any) { g["11"] = g["3"] }), "2 KSampler nodes (3, 11)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseWorkflow(tt.data, "flow.json")
			if !errors.Is(err, ErrWorkflow) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "flow.json") {
				t.Errorf("err = %v, want ErrWorkflow naming flow.json and %q", err, tt.want)
			}
		})
	}
}

func TestParseWorkflowSecondPass(t *testing.T) {
	// A second sampler refining the first one's latent: the bot fills
	// the one that starts from the empty latent.
	data := graphWith(t, func(g map[string]map[string]any) {
		g["11"] = map[string]any{"class_type": "KSampler", "inputs": map[string]any{
			"seed": 1, "steps": 10, "cfg": 5, "sampler_name": "euler", "scheduler": "normal", "denoise": 0.4,
			"model": []any{"4", 0}, "positive": []any{"6", 0}, "negative": []any{"7", 0}, "latent_image": []any{"3", 0},
		}}
		inputs(g, "8")["samples"] = []any{"11", 0}
	})
	w, err := ParseWorkflow(data, "")
	if err != nil {
		t.Fatal(err)
	}
	if w.Sampler != "3" {
		t.Errorf("filled sampler %s, want 3", w.Sampler)
	}
}

func TestLoadWorkflowMissingFile(t *testing.T) {
	_, err := LoadWorkflow(filepath.Join(t.TempDir(), "none.json"))
	if !errors.Is(err, ErrWorkflow) || !strings.Contains(err.Error(), "cannot read it") {
		t.Errorf("err = %v", err)
	}
	w, err := LoadWorkflow("")
	if err != nil || w.Source != "" || w.Sampler != "3" {
		t.Errorf("built-in: %v %+v", err, w)
	}
}

func TestComfySampler(t *testing.T) {
	tests := []struct{ sampler, scheduler, wantS, wantSched string }{
		{"", "", "", ""},
		{"euler", "normal", "euler", "normal"},
		{"Euler a", "", "euler_ancestral", ""},
		{"DPM++ 2M Karras", "", "dpmpp_2m", "karras"},
		{"DPM++ 2M", "Karras", "dpmpp_2m", "karras"},
		{"DPM++ 2M Karras", "exponential", "dpmpp_2m", "exponential"},
		{"UniPC", "Automatic", "uni_pc", ""},
		{"dpmpp_3m_sde_gpu", "SGM Uniform", "dpmpp_3m_sde_gpu", "sgm_uniform"},
		{"made up", "", "made up", ""},
	}
	for _, tt := range tests {
		s, sched := comfySampler(tt.sampler, tt.scheduler)
		if s != tt.wantS || sched != tt.wantSched {
			t.Errorf("comfySampler(%q, %q) = %q, %q; want %q, %q", tt.sampler, tt.scheduler, s, sched, tt.wantS, tt.wantSched)
		}
	}
}
