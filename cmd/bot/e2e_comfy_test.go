package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/comfysim"
)

// startComfy serves a simulated ComfyUI (with basic auth, as behind a
// proxy) and returns the sd section of a config with one kind: comfyui
// backend on it.
func (b *e2eBot) startComfy(opts comfysim.Options, timeout time.Duration) string {
	b.t.Helper()
	if opts.StepDelay == 0 {
		opts.StepDelay = 2 * time.Millisecond
	}
	opts.Username, opts.Password = e2eSDUser, e2eSDPassword
	b.comfy = comfysim.New(opts)
	ts := httptest.NewServer(b.comfy)
	b.t.Cleanup(func() {
		b.comfy.Close()
		ts.Close()
	})
	return fmt.Sprintf(`sd:
  timeout: %s
  backends:
    - name: comfy
      kind: comfyui
      url: %s
      username: %s
      password: ${SD_PASSWORD}
`, timeout, ts.URL, e2eSDUser)
}

// TestE2EComfyUI runs the bot on a ComfyUI backend: a Telegram /imagine
// ends in an image after live previews, and ComfyUI's failures reach the
// chat as clear sentences.
func TestE2EComfyUI(t *testing.T) {
	checkNoLeaks(t)
	slow := &comfysim.Options{StepDelay: 25 * time.Millisecond}
	runScenarios(t, []scenario{
		{"imagine with live previews", e2eOptions{comfy: slow}, func(t *testing.T, b *e2eBot) {
			r := b.tgImagine("a lighthouse at dusk --steps 20")
			m := b.tgWaitImage(r)
			if !strings.Contains(m.Caption, "a lighthouse at dusk") {
				t.Errorf("caption %q", m.Caption)
			}
			if n := b.metrics()[`imaginebot_preview_edits_total{platform="tg"}`]; n < 1 {
				t.Errorf("%v preview edits, want live previews from the websocket", n)
			}
			prompts := b.comfy.RecordsTo("POST", "/prompt")
			if len(prompts) != 1 || !bytes.Contains(prompts[0].Body, []byte(`"text":"a lighthouse at dusk"`)) || !bytes.Contains(prompts[0].Body, []byte(`"steps":20`)) {
				t.Errorf("prompts sent: %d; first %.300s", len(prompts), prompts[0].Body)
			}
			if open, total := b.comfy.Websockets(); open != 1 || total != 1 {
				t.Errorf("websockets open %d, dialled %d; want one", open, total)
			}
			if code, body := b.get("/healthz"); code != http.StatusOK || !strings.Contains(body, `"sd comfy":"ok"`) {
				t.Errorf("/healthz = %d %s", code, body)
			}
			b.tgWaitImage(b.tgImagine("a second lighthouse"))
		}},
		{"execution errors", e2eOptions{comfy: &comfysim.Options{}}, func(t *testing.T, b *e2eBot) {
			b.comfy.SetFault(comfysim.Fault{Kind: comfysim.FaultOOM, Times: 1})
			b.tgWaitFailure(b.tgImagine("a cat too large for the GPU"), failOOM)
			b.comfy.SetFault(comfysim.Fault{Kind: comfysim.FaultExecError, Times: 1})
			b.tgWaitFailure(b.tgImagine("a cat that breaks a node"), "Failed: The image server rejected the request: KSampler (node 3) failed: RuntimeError: mat1 and mat2 shapes cannot be multiplied")
			b.comfy.SetFault(comfysim.Fault{Kind: comfysim.FaultNoImages, Times: 1})
			b.tgWaitFailure(b.tgImagine("a cat nobody saves"), "Failed: ")
			b.tgWaitImage(b.tgImagine("a healthy cat"))
		}},
		{"node errors", e2eOptions{comfy: &comfysim.Options{Samplers: []string{"dpmpp_2m", "lcm"}}}, func(t *testing.T, b *e2eBot) {
			// The built-in graph's sampler (euler) is not on this server.
			b.tgWaitFailure(b.tgImagine("a cat on an odd server"), "Failed: The image server rejected the request: KSampler (node 3) Value not in list: sampler_name: 'euler' not in ['dpmpp_2m', 'lcm']")
		}},
		{"websocket cut mid-job", e2eOptions{comfy: slow}, func(t *testing.T, b *e2eBot) {
			b.comfy.SetFault(comfysim.Fault{Kind: comfysim.FaultDropWS, Times: 1})
			b.tgWaitImage(b.tgImagine("a cat through a flaky proxy --steps 20"))
			if _, total := b.comfy.Websockets(); total != 2 {
				t.Errorf("websocket dialled %d times, want a reconnect", total)
			}
			b.tgWaitImage(b.tgImagine("a cat after the cut"))
		}},
	})
}

// TestComfyUIWorkflowChecks: a workflow the bot cannot map stops the start
// and "bot check" with the node it misses; a good one is explained.
func TestComfyUIWorkflowChecks(t *testing.T) {
	sim := comfysim.New(comfysim.Options{})
	ts := httptest.NewServer(sim)
	defer ts.Close()
	defer sim.Close()
	dir := t.TempDir()
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var graph map[string]any
	if err := json.Unmarshal([]byte(`{
		"4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sdxl/juggernautXL.safetensors"}},
		"6": {"class_type": "CLIPTextEncode", "inputs": {"text": "", "clip": ["4", 1]}},
		"9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "x", "images": ["6", 0]}}}`), &graph); err != nil {
		t.Fatal(err)
	}
	bad, _ := json.Marshal(graph)
	write("bad.json", string(bad))
	config := func(workflow string) string {
		path := filepath.Join(dir, "config.yaml")
		write("config.yaml", fmt.Sprintf("sd:\n  backends:\n    - {name: comfy, kind: comfyui, url: %s, workflow: %q}\nstore: {path: ':memory:'}\n", ts.URL, workflow))
		return path
	}
	env := func(string) string { return "" }

	var out, errOut bytes.Buffer
	err := runCheck(context.Background(), []string{"-config", config("bad.json")}, env, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "sd backend comfy: comfyui: workflow "+filepath.Join(dir, "bad.json")+": it has no KSampler node") {
		t.Errorf("bot check with a bad workflow: %v", err)
	}
	err = run(context.Background(), []string{"-config", config("bad.json")}, env, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "it has no KSampler node") {
		t.Errorf("start with a bad workflow: %v", err)
	}

	out.Reset()
	if err := runCheck(context.Background(), []string{"-config", config("")}, env, &out, &errOut); err != nil {
		t.Fatalf("bot check: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"ok    sd comfy (" + ts.URL + "): ComfyUI, 2 checkpoints, jobs use v1-5-pruned-emaonly.safetensors",
		"ok    sd comfy: workflow built-in txt2img graph (7 nodes): KSampler 3, prompt 6, negative 7, EmptyLatentImage 5, CheckpointLoaderSimple 4",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("bot check output lacks %q:\n%s", want, out.String())
		}
	}
}
