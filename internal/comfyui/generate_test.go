package comfyui

import (
	"context"
	"encoding/json"
	"errors"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/comfysim"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// submitted returns the graph of the n-th POST /prompt the sim received.
func submitted(t *testing.T, sim *comfysim.Sim, n int) map[string]json.RawMessage {
	t.Helper()
	recs := sim.RecordsTo("POST", "/prompt")
	if len(recs) <= n {
		t.Fatalf("%d prompts submitted, want more than %d", len(recs), n)
	}
	var body struct {
		Prompt   map[string]json.RawMessage `json:"prompt"`
		ClientID string                     `json:"client_id"`
	}
	if err := json.Unmarshal(recs[n].Body, &body); err != nil {
		t.Fatal(err)
	}
	if body.ClientID == "" {
		t.Error("POST /prompt without client_id")
	}
	return body.Prompt
}

func inputsOf(t *testing.T, node json.RawMessage) map[string]any {
	t.Helper()
	var n struct {
		Inputs map[string]any `json:"inputs"`
	}
	if err := json.Unmarshal(node, &n); err != nil {
		t.Fatal(err)
	}
	return n.Inputs
}

func TestGenerateTxt2Img(t *testing.T) {
	for _, png := range []bool{false, true} {
		sim, ts := newSim(t, comfysim.Options{PreviewPNG: png})
		b := newBackend(t, Config{URL: ts.URL})
		var log progressLog
		p := params("a red fox")
		p.Sampler, p.Scheduler = "Euler a", "Karras"
		res, err := b.Generate(ctxT(t), p, log.add)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Images) != 1 || !slices.Equal(res.Seeds, []int64{42}) || res.Model != "v1-5-pruned-emaonly.safetensors" {
			t.Fatalf("result: %d images, seeds %v, model %q", len(res.Images), res.Seeds, res.Model)
		}
		img, format := decode(t, res.Images[0])
		if format != "png" || img.Bounds().Dx() != 64 || img.Bounds().Dy() != 48 {
			t.Errorf("image is %s %v, want a 64x48 png", format, img.Bounds())
		}
		if !slices.Equal(log.steps, []int{1, 2, 3, 4, 5, 6}) {
			t.Errorf("progress steps %v, want 1..6", log.steps)
		}
		if len(log.previews) != 6 {
			t.Errorf("%d previews, want one per step", len(log.previews))
		}
		wantFormat := map[bool]string{false: "jpeg", true: "png"}[png]
		for _, pv := range log.previews {
			if _, f := decode(t, pv); f != wantFormat {
				t.Errorf("preview format %s, want %s", f, wantFormat)
			}
		}
		g := submitted(t, sim, 0)
		ks := inputsOf(t, g["3"])
		if ks["seed"] != 42.0 || ks["steps"] != 6.0 || ks["cfg"] != 7.0 || ks["sampler_name"] != "euler_ancestral" || ks["scheduler"] != "karras" || ks["denoise"] != 1.0 {
			t.Errorf("KSampler inputs %v", ks)
		}
		if in := inputsOf(t, g["6"]); in["text"] != "a red fox" {
			t.Errorf("positive text %v", in["text"])
		}
		if in := inputsOf(t, g["7"]); in["text"] != "blurry" {
			t.Errorf("negative text %v", in["text"])
		}
		if in := inputsOf(t, g["5"]); in["width"] != 64.0 || in["height"] != 48.0 || in["batch_size"] != 1.0 {
			t.Errorf("latent inputs %v", in)
		}
		// The same seed makes the same image.
		again, err := b.Generate(ctxT(t), p, nil)
		if err != nil {
			t.Fatal(err)
		}
		if string(again.Images[0]) != string(res.Images[0]) {
			t.Error("the same seed made another image")
		}
		if open, total := sim.Websockets(); open != 1 || total != 1 {
			t.Errorf("websockets open %d, dialled %d; want one shared by both jobs", open, total)
		}
	}
}

func TestGenerateBatchAndRandomSeed(t *testing.T) {
	_, ts := newSim(t, comfysim.Options{})
	b := newBackend(t, Config{URL: ts.URL})
	p := params("three owls")
	p.BatchSize, p.Seed = 3, -1
	res, err := b.Generate(ctxT(t), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Images) != 3 || len(res.Seeds) != 3 {
		t.Fatalf("%d images, seeds %v; want 3", len(res.Images), res.Seeds)
	}
	if res.Seeds[0] < 0 || res.Seeds[0] > imagine.MaxSeed || res.Seeds[1] != res.Seeds[0] || res.Seeds[2] != res.Seeds[0] {
		t.Errorf("seeds %v, want one random seed in range for the whole batch", res.Seeds)
	}
	if string(res.Images[0]) == string(res.Images[1]) {
		t.Error("the batch's images are identical")
	}
	// The reported seed with batch size 1 remakes the first image.
	p.BatchSize, p.Seed = 1, res.Seeds[0]
	one, err := b.Generate(ctxT(t), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(one.Images[0]) != string(res.Images[0]) {
		t.Error("the reported seed does not remake the first image")
	}
}

func TestGenerateCustomWorkflowKeepsOtherNodes(t *testing.T) {
	sim, ts := newSim(t, comfysim.Options{})
	w, err := LoadWorkflow("testdata/lora_workflow.json")
	if err != nil {
		t.Fatal(err)
	}
	if w.Sampler != "10" || w.Positive != "20" || w.Negative != "21" || w.Latent != "30" || w.Checkpoint != "1" || w.Ckpt != "sdxl/juggernautXL.safetensors" {
		t.Fatalf("mapped %s", w.Describe())
	}
	b := newBackend(t, Config{URL: ts.URL, Workflow: w})
	p := params("a lighthouse")
	p.Sampler, p.CFGScale = "", 0 // keep the workflow's
	res, err := b.Generate(ctxT(t), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Model != "sdxl/juggernautXL.safetensors" || len(res.Images) != 1 {
		t.Errorf("model %q, %d images", res.Model, len(res.Images))
	}
	var file map[string]json.RawMessage
	data := mustRead(t, "testdata/lora_workflow.json")
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	got := submitted(t, sim, 0)
	if len(got) != len(file) {
		t.Fatalf("%d nodes sent, the file has %d", len(got), len(file))
	}
	for id, raw := range file {
		if slices.Contains([]string{"1", "10", "20", "21", "30"}, id) {
			continue
		}
		if compactJSON(t, got[id]) != compactJSON(t, raw) {
			t.Errorf("node %s changed:\n got %s\nwant %s", id, got[id], raw)
		}
	}
	ks := inputsOf(t, got["10"])
	if ks["denoise"] != 0.9 || ks["sampler_name"] != "dpmpp_2m" || ks["cfg"] != 5.5 || ks["model"] == nil {
		t.Errorf("KSampler inputs the bot does not own changed: %v", ks)
	}
	// Its _meta title is kept too.
	if !strings.Contains(string(got["10"]), `"_meta":{"title":"Main sampler"}`) {
		t.Errorf("KSampler node lost its _meta: %s", got["10"])
	}
	// The model SwitchModel picks replaces the workflow's.
	if _, err := b.SwitchModel(ctxT(t), "V1-5-PRUNED-EMAONLY"); err != nil {
		t.Fatal(err)
	}
	if res, err = b.Generate(ctxT(t), p, nil); err != nil || res.Model != "v1-5-pruned-emaonly.safetensors" {
		t.Fatalf("after a switch: %v, %+v", err, res)
	}
	if ck := inputsOf(t, submitted(t, sim, 1)["1"]); ck["ckpt_name"] != "v1-5-pruned-emaonly.safetensors" {
		t.Errorf("ckpt_name %v after the switch", ck["ckpt_name"])
	}
	if sim.Loaded() != "v1-5-pruned-emaonly.safetensors" || sim.Switches() != 2 {
		t.Errorf("sim loaded %q after %d loads", sim.Loaded(), sim.Switches())
	}
}

func TestGenerateNodeErrors(t *testing.T) {
	_, ts := newSim(t, comfysim.Options{})
	b := newBackend(t, Config{URL: ts.URL})
	p := params("a fox")
	p.Sampler = "warp_drive"
	_, err := b.Generate(ctxT(t), p, nil)
	var re *imagine.RejectedError
	if !errors.As(err, &re) || !errors.Is(err, imagine.ErrRejected) {
		t.Fatalf("err = %v, want a RejectedError", err)
	}
	if !strings.Contains(re.Reason, "KSampler (node 3) Value not in list: sampler_name: 'warp_drive' not in") {
		t.Errorf("reason %q does not name the node and input", re.Reason)
	}
	var pe *PromptError
	if !errors.As(err, &pe) || len(pe.Nodes) != 1 || pe.Nodes[0].Errors[0].Input != "sampler_name" {
		t.Errorf("PromptError %+v", pe)
	}
	// Out of range and a checkpoint the server lacks.
	p = params("a fox")
	p.Steps = 20000
	if _, err = b.Generate(ctxT(t), p, nil); !errors.As(err, &re) || !strings.Contains(re.Reason, "KSampler (node 3) Value 20000 bigger than max of 10000: steps") {
		t.Errorf("steps 20000: %v", err)
	}
}

func TestGenerateExecutionErrors(t *testing.T) {
	sim, ts := newSim(t, comfysim.Options{})
	b := newBackend(t, Config{URL: ts.URL})
	sim.SetFault(comfysim.Fault{Kind: comfysim.FaultOOM, Times: 1})
	if _, err := b.Generate(ctxT(t), params("big"), nil); !errors.Is(err, imagine.ErrOutOfMemory) {
		t.Errorf("OOM: err = %v", err)
	}
	sim.SetFault(comfysim.Fault{Kind: comfysim.FaultExecError, Times: 1})
	_, err := b.Generate(ctxT(t), params("broken"), nil)
	var re *imagine.RejectedError
	if !errors.As(err, &re) || re.Reason != "KSampler (node 3) failed: RuntimeError: mat1 and mat2 shapes cannot be multiplied (154x2048 and 768x320)" {
		t.Errorf("execution error: %v", err)
	}
	sim.SetFault(comfysim.Fault{Kind: comfysim.FaultNoImages, Times: 1})
	if _, err := b.Generate(ctxT(t), params("nothing"), nil); !errors.Is(err, imagine.ErrNoImage) {
		t.Errorf("no images: err = %v", err)
	}
	if _, err := b.Generate(ctxT(t), params("fine again"), nil); err != nil {
		t.Errorf("after the faults: %v", err)
	}
}

func TestGenerateBadPreviewsDropped(t *testing.T) {
	sim, ts := newSim(t, comfysim.Options{})
	b := newBackend(t, Config{URL: ts.URL})
	sim.SetFault(comfysim.Fault{Kind: comfysim.FaultBadPreview, Times: 1})
	var log progressLog
	if _, err := b.Generate(ctxT(t), params("garbled"), log.add); err != nil {
		t.Fatal(err)
	}
	if len(log.previews) != 6 {
		t.Errorf("%d previews handed on, want the 6 good ones", len(log.previews))
	}
	for _, pv := range log.previews {
		decode(t, pv)
	}
}

func TestGenerateWebsocketDropRecovered(t *testing.T) {
	sim, ts := newSim(t, comfysim.Options{StepDelay: 5 * time.Millisecond})
	b := newBackend(t, Config{URL: ts.URL})
	sim.SetFault(comfysim.Fault{Kind: comfysim.FaultDropWS, Times: 1})
	p := params("a storm")
	p.Steps = 20
	res, err := b.Generate(ctxT(t), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Images) != 1 {
		t.Fatalf("%d images", len(res.Images))
	}
	if _, total := sim.Websockets(); total != 2 {
		t.Errorf("websocket dialled %d times, want 2 (one reconnect)", total)
	}
}

func TestGenerateWebsocketNeverBack(t *testing.T) {
	sim, ts := newSim(t, comfysim.Options{StepDelay: 20 * time.Millisecond})
	b := newBackend(t, Config{URL: ts.URL, ReconnectWindow: 300 * time.Millisecond})
	p := params("a storm")
	p.Steps = 200
	started := make(chan struct{})
	var once sync.Once
	done := make(chan error, 1)
	go func() {
		_, err := b.Generate(ctxT(t), p, func(imagine.Progress) { once.Do(func() { close(started) }) })
		done <- err
	}()
	<-started
	// The websocket drops and every redial is refused.
	sim.SetFault(comfysim.Fault{Kind: comfysim.FaultDown})
	sim.DropWebsockets()
	select {
	case err := <-done:
		if !errors.Is(err, imagine.ErrBackendDown) || !strings.Contains(err.Error(), "did not come back within 300ms") {
			t.Errorf("err = %v, want ErrBackendDown saying the websocket did not come back", err)
		}
	case <-time.After(testWait):
		t.Fatal("Generate hung after the websocket dropped for good")
	}
}

func TestGenerateServerDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	b := newBackend(t, Config{URL: "http://" + addr})
	for name, call := range map[string]func() error{
		"generate": func() error { _, err := b.Generate(ctxT(t), params("x"), nil); return err },
		"models":   func() error { _, err := b.Models(ctxT(t)); return err },
		"ping":     func() error { return b.Ping(ctxT(t)) },
	} {
		if err := call(); !errors.Is(err, imagine.ErrBackendDown) || !strings.Contains(err.Error(), "connection refused") {
			t.Errorf("%s: err = %v, want ErrBackendDown naming the refusal", name, err)
		}
	}
	// A server that drops the prompt's connection.
	sim, ts := newSim(t, comfysim.Options{})
	sim.SetFault(comfysim.Fault{Kind: comfysim.FaultDown, Path: "/prompt"})
	b = newBackend(t, Config{URL: ts.URL})
	if _, err := b.Generate(ctxT(t), params("x"), nil); !errors.Is(err, imagine.ErrBackendDown) {
		t.Errorf("dropped /prompt: err = %v", err)
	}
}

func TestGenerateTimeout(t *testing.T) {
	sim, ts := newSim(t, comfysim.Options{StepDelay: 50 * time.Millisecond})
	b := newBackend(t, Config{URL: ts.URL, Timeout: 200 * time.Millisecond})
	p := params("slow")
	p.Steps = 100
	_, err := b.Generate(ctxT(t), p, nil)
	if !errors.Is(err, imagine.ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	if err := sim.WaitIdle(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if len(sim.RecordsTo("POST", "/interrupt")) != 1 {
		t.Error("the timed-out prompt was not interrupted")
	}
}

func TestCancelRunningInterrupts(t *testing.T) {
	sim, ts := newSim(t, comfysim.Options{StepDelay: 20 * time.Millisecond})
	b := newBackend(t, Config{URL: ts.URL})
	ctx, cancel := context.WithCancel(ctxT(t))
	p := params("cancel me")
	p.Steps = 500
	started := make(chan struct{})
	var once bool
	done := make(chan error, 1)
	go func() {
		_, err := b.Generate(ctx, p, func(imagine.Progress) {
			if !once {
				once = true
				close(started)
			}
		})
		done <- err
	}()
	<-started
	cancel()
	err := <-done
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if err := sim.WaitIdle(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	recs := sim.RecordsTo("POST", "/interrupt")
	if len(recs) != 1 || !strings.Contains(string(recs[0].Body), `"prompt_id"`) {
		t.Fatalf("interrupts %+v, want one naming the prompt", recs)
	}
	if n := len(sim.RecordsTo("POST", "/queue")); n != 0 {
		t.Errorf("%d queue deletes for a running prompt", n)
	}
	id := promptIDOf(t, recs[0].Body)
	if st, ok := sim.Status(id); !ok || st != "error" {
		t.Errorf("the interrupted prompt's status %q, %v", st, ok)
	}
}

func TestCancelQueuedDeletes(t *testing.T) {
	sim, ts := newSim(t, comfysim.Options{StepDelay: 20 * time.Millisecond})
	// Another client's long prompt keeps the server busy.
	other := newBackend(t, Config{URL: ts.URL})
	otherCtx, stopOther := context.WithCancel(ctxT(t))
	long := params("someone else's")
	long.Steps = 1000
	otherDone := make(chan error, 1)
	go func() { _, err := other.Generate(otherCtx, long, nil); otherDone <- err }()
	if err := sim.WaitFor(ctxT(t), func() bool { r, _ := sim.Queue(); return r != "" }); err != nil {
		t.Fatal(err)
	}
	running, _ := sim.Queue()

	b := newBackend(t, Config{URL: ts.URL})
	ctx, cancel := context.WithCancel(ctxT(t))
	done := make(chan error, 1)
	go func() { _, err := b.Generate(ctx, params("queued"), nil); done <- err }()
	if err := sim.WaitFor(ctxT(t), func() bool { _, q := sim.Queue(); return len(q) == 1 }); err != nil {
		t.Fatal(err)
	}
	_, pending := sim.Queue()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	recs := sim.RecordsTo("POST", "/queue")
	if len(recs) != 1 || !strings.Contains(string(recs[0].Body), pending[0]) {
		t.Fatalf("queue posts %+v, want a delete of %s", recs, pending[0])
	}
	if n := len(sim.RecordsTo("POST", "/interrupt")); n != 0 {
		t.Errorf("%d interrupts: the other client's prompt was stopped", n)
	}
	if r, q := sim.Queue(); r != running || len(q) != 0 {
		t.Errorf("queue after the delete: running %q pending %v", r, q)
	}
	stopOther()
	<-otherDone
}

func promptIDOf(t *testing.T, body []byte) string {
	t.Helper()
	var b struct {
		PromptID string `json:"prompt_id"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		t.Fatal(err)
	}
	return b.PromptID
}

func TestBasicAuth(t *testing.T) {
	_, ts := newSim(t, comfysim.Options{Username: "u", Password: "p w"})
	b := newBackend(t, Config{URL: ts.URL, Username: "u", Password: "p w"})
	if _, err := b.Generate(ctxT(t), params("private"), nil); err != nil {
		t.Fatal(err)
	}
	bad := newBackend(t, Config{URL: ts.URL, Username: "u", Password: "wrong"})
	_, err := bad.Models(ctxT(t))
	if !errors.Is(err, imagine.ErrBackend) || !strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), "wrong") {
		t.Errorf("wrong password: %v", err)
	}
}

var _ = image.Decode
