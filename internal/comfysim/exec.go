package comfysim

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
	"path"
	"strconv"
	"strings"
	"time"
)

// value is what a simulated node outputs (one struct for every type).
type value struct {
	ckpt    string
	loras   []string
	text    string
	w, h    int
	batch   int
	seed    uint64
	prompt  string // the positive text a sampled latent was made from
	sampled bool
	images  []*image.RGBA
	init    []*image.RGBA // the pixels a VAEEncode latent was encoded from
	denoise float64       // the denoise a sampled latent was made with
	model   string        // an UPSCALE_MODEL's file
	scale   int           // an UPSCALE_MODEL's factor
}

// execError is an exception a node raised.
type execError struct {
	node, class string
	excType     string
	msg         string
}

func (e *execError) Error() string { return e.excType + ": " + e.msg }

var errInterrupted = errors.New("interrupted")

// executor runs queued prompts one at a time, in order, until Close.
func (s *Sim) executor() {
	defer s.wg.Done()
	for {
		s.mu.Lock()
		var p *prompt
		if len(s.pending) > 0 {
			p = s.pending[0]
			s.pending = s.pending[1:]
			s.running = p
		}
		s.mu.Unlock()
		if p == nil {
			select {
			case <-s.done:
				return
			case <-s.wake:
				continue
			}
		}
		s.run(p)
		s.mu.Lock()
		s.running = nil
		s.leaveBusyLocked(1)
		s.mu.Unlock()
		s.broadcastStatus()
		if s.closed() {
			return
		}
	}
}

// run executes p, sending its events, and records its history.
func (s *Sim) run(p *prompt) {
	s.broadcastStatus()
	var messages [][]any
	send := func(typ string, data map[string]any) {
		data["prompt_id"] = p.id
		if typ != "executing" && typ != "progress" && typ != "executed" {
			messages = append(messages, []any{typ, data})
		}
		s.sendTo(p.clientID, jsonFrame(typ, data))
	}
	send("execution_start", map[string]any{"timestamp": now()})
	send("execution_cached", map[string]any{"nodes": []string{}, "timestamp": now()})
	fault := s.takeExecFault()
	r := &runState{sim: s, p: p, fault: fault, send: send, values: map[string][]value{}, outputs: map[string]map[string]any{}, run: &Run{PromptID: p.id}}
	err := r.runAll()
	entry := &historyEntry{Prompt: p.queueItem(), Outputs: r.outputs, Meta: map[string]any{}}
	var ee *execError
	switch {
	case err == nil:
		send("execution_success", map[string]any{"timestamp": now()})
		entry.Status = historyStatus{StatusStr: "success", Completed: true}
	case errors.Is(err, errInterrupted):
		send("execution_interrupted", map[string]any{"node_id": r.current, "node_type": p.nodes[r.current].Class, "executed": r.executed, "timestamp": now()})
		entry.Status = historyStatus{StatusStr: "error"}
	case errors.As(err, &ee):
		send("execution_error", map[string]any{
			"node_id": ee.node, "node_type": ee.class, "executed": r.executed,
			"exception_message": ee.msg, "exception_type": ee.excType,
			"traceback": []string{"  File \"execution.py\", line 327, in execute\n"}, "current_inputs": map[string]any{}, "current_outputs": map[string]any{}, "timestamp": now(),
		})
		entry.Status = historyStatus{StatusStr: "error"}
	}
	s.opts.Logger.Info("prompt ran", "prompt_id", p.id, "status", entry.Status.StatusStr, "fault", fault.String())
	entry.Status.Messages = messages
	if entry.Status.Messages == nil {
		entry.Status.Messages = [][]any{}
	}
	s.mu.Lock()
	s.history[p.id] = entry
	s.runs = append(s.runs, r.run)
	if len(s.runs) > maxRecords {
		s.runs = s.runs[1:]
	}
	p.node = ""
	s.mu.Unlock()
	// ComfyUI ends every prompt, failed or not, with executing node null.
	s.sendTo(p.clientID, jsonFrame("executing", map[string]any{"node": nil, "display_node": nil, "prompt_id": p.id}))
}

// runState is one prompt's execution.
type runState struct {
	sim      *Sim
	p        *prompt
	fault    FaultKind
	send     func(string, map[string]any)
	values   map[string][]value
	outputs  map[string]map[string]any
	executed []string
	current  string
	run      *Run // guarded by Sim.mu once the prompt ends
}

func (r *runState) runAll() error {
	for _, id := range r.p.outputs {
		if err := r.exec(id); err != nil {
			return err
		}
	}
	return nil
}

// exec runs node id after the nodes it links to.
func (r *runState) exec(id string) error {
	if _, done := r.values[id]; done {
		return nil
	}
	n := r.p.nodes[id]
	in := map[string]value{}
	for _, spec := range append(append([]inputSpec{}, n.spec.required...), n.spec.optional...) {
		if l, ok := asLink(n.Inputs[spec.name]); ok {
			if err := r.exec(l.From); err != nil {
				return err
			}
			in[spec.name] = r.values[l.From][l.Index]
		}
	}
	if err := r.stopped(); err != nil {
		return err
	}
	r.current = id
	r.sim.mu.Lock()
	r.p.node = id
	r.sim.mu.Unlock()
	r.send("executing", map[string]any{"node": id, "display_node": id})
	out, err := r.node(n, in)
	if err != nil {
		return err
	}
	r.values[id] = out
	r.executed = append(r.executed, id)
	return nil
}

func (r *runState) stopped() error {
	select {
	case <-r.p.interrupted:
		return errInterrupted
	case <-r.sim.done:
		return errInterrupted
	default:
		return nil
	}
}

// sleep waits d unless the prompt is interrupted or the Sim closes.
func (r *runState) sleep(d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-r.p.interrupted:
		return errInterrupted
	case <-r.sim.done:
		return errInterrupted
	}
}

func str(n *node, name string) string { v, _ := n.Inputs[name].(string); return v }

func num(n *node, name string) float64 {
	v, ok := n.Inputs[name].(interface{ String() string })
	if !ok {
		return 0
	}
	f, _ := strconv.ParseFloat(v.String(), 64)
	return f
}

func (r *runState) node(n *node, in map[string]value) ([]value, error) {
	s := r.sim
	switch n.Class {
	case "CheckpointLoaderSimple":
		ckpt := str(n, "ckpt_name")
		s.mu.Lock()
		load := s.loaded != ckpt
		s.mu.Unlock()
		if load {
			if err := r.sleep(s.opts.ModelLoadDelay); err != nil {
				return nil, err
			}
			s.mu.Lock()
			s.loaded = ckpt
			s.switches++
			s.mu.Unlock()
		}
		return []value{{ckpt: ckpt}, {ckpt: ckpt}, {}}, nil
	case "LoraLoader":
		m, c := in["model"], in["clip"]
		m.loras = append(append([]string{}, m.loras...), str(n, "lora_name"))
		c.loras = append(append([]string{}, c.loras...), str(n, "lora_name"))
		return []value{m, c}, nil
	case "CLIPSetLastLayer":
		return []value{in["clip"]}, nil
	case "CLIPTextEncode":
		return []value{{text: str(n, "text"), ckpt: in["clip"].ckpt}}, nil
	case "EmptyLatentImage":
		return []value{{w: int(num(n, "width")), h: int(num(n, "height")), batch: int(num(n, "batch_size"))}}, nil
	case "KSampler":
		return r.sample(n, in)
	case "VAEDecode":
		lat := in["samples"]
		imgs := make([]*image.RGBA, lat.batch)
		for i := range imgs {
			imgs[i] = render(lat.seed, i, lat.prompt, lat.w, lat.h, 1)
			if len(lat.init) > 0 {
				blend(imgs[i], lat.init[i%len(lat.init)], lat.denoise)
			}
		}
		return []value{{images: imgs}}, nil
	case "LoadImage", "VAEEncode", "RepeatLatentBatch", "ImageScale", "ImageScaleBy", "UpscaleModelLoader", "ImageUpscaleWithModel":
		return r.imageNode(n, in)
	case "SaveImage", "PreviewImage":
		return nil, r.save(n, in["images"].images)
	}
	return nil, fmt.Errorf("comfysim: class %s has no simulation", n.Class)
}

// sample runs the KSampler's steps with progress and previews.
func (r *runState) sample(n *node, in map[string]value) ([]value, error) {
	s := r.sim
	lat := in["latent_image"]
	lat.seed, _ = strconv.ParseUint(fmt.Sprint(n.Inputs["seed"]), 10, 64)
	lat.prompt = in["positive"].text
	lat.sampled = true
	lat.denoise = num(n, "denoise")
	r.run.Denoise = append(r.run.Denoise, lat.denoise)
	steps := int(num(n, "steps"))
	format := uint32(1)
	if s.opts.PreviewPNG {
		format = 2
	}
	for step := 1; step <= steps; step++ {
		if err := r.sleep(s.opts.StepDelay); err != nil {
			return nil, err
		}
		switch {
		case r.fault == FaultOOM && step == min(2, steps):
			return nil, &execError{node: n.ID, class: n.Class, excType: "torch.OutOfMemoryError",
				msg: "Allocation on device 0 would exceed allowed memory. (out of memory)\nCurrently allocated     : 7.61 GiB\nRequested               : 1.50 GiB"}
		case r.fault == FaultExecError && step == min(2, steps):
			return nil, &execError{node: n.ID, class: n.Class, excType: "RuntimeError", msg: "mat1 and mat2 shapes cannot be multiplied (154x2048 and 768x320)"}
		}
		r.send("progress", map[string]any{"value": step, "max": steps, "node": n.ID})
		if r.fault == FaultBadPreview {
			s.sendTo(r.p.clientID, previewFrame(format, []byte("not an image at all")))
			s.sendTo(r.p.clientID, frame{binary: true, data: []byte{0, 0}})
		}
		s.sendTo(r.p.clientID, previewFrame(format, previewImage(lat, float64(step)/float64(steps), format)))
		if r.fault == FaultDropWS && step == (steps+1)/2 {
			s.dropClient(r.p.clientID)
		}
	}
	return []value{lat}, nil
}

// save stores the images as PNG files /view serves.
func (r *runState) save(n *node, imgs []*image.RGBA) error {
	s := r.sim
	typ, prefix := "output", str(n, "filename_prefix")
	if n.Class == "PreviewImage" {
		typ, prefix = "temp", "ComfyUI_temp"
	}
	// Like ComfyUI: a prefix "dir/name" saves into subfolder dir, and
	// %date% becomes the day.
	prefix = strings.ReplaceAll(prefix, "%date%", time.Now().Format("2006-01-02"))
	sub, base := path.Split(prefix)
	sub = strings.Trim(sub, "/")
	refs := []imageRef{}
	if r.fault != FaultNoImages {
		for _, img := range imgs {
			var buf bytes.Buffer
			if err := png.Encode(&buf, img); err != nil {
				return &execError{node: n.ID, class: n.Class, excType: "OSError", msg: err.Error()}
			}
			s.mu.Lock()
			s.fileSeq++
			ref := imageRef{Filename: fmt.Sprintf("%s_%05d_.png", base, s.fileSeq), Subfolder: sub, Type: typ}
			s.files[ref.Type+"/"+ref.Subfolder+"/"+ref.Filename] = buf.Bytes()
			s.mu.Unlock()
			refs = append(refs, ref)
			r.run.Saved = append(r.run.Saved, img.Bounds().Size())
		}
	}
	out := map[string]any{"images": refs}
	r.outputs[n.ID] = out
	r.send("executed", map[string]any{"node": n.ID, "display_node": n.ID, "output": out})
	return nil
}
