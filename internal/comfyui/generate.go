package comfyui

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

// Generate runs p as one prompt, reporting progress and previews: a
// txt2img on the backend's workflow; an img2img on the workflow's img2img
// path (else the built-in img2img graph) from the user's picture, which
// is uploaded first (POST /upload/image); an upscale through the server's
// upscale model nodes. Seed -1 becomes a random seed, reported in
// Result.Seeds; a batch is one latent batch of that seed (as ComfyUI runs
// it), so every image reports the same seed, and that seed with batch
// size 1 remakes the first image. A variation is refused (see
// unsupported).
func (b *Backend) Generate(ctx context.Context, p imagine.Params, progress func(imagine.Progress)) (*imagine.Result, error) {
	if err := unsupported(p); err != nil {
		return nil, err
	}
	var (
		build func(image string) (json.RawMessage, error)
		seed  = p.Seed
		model string
	)
	if p.Kind == imagine.KindUpscale {
		if p.Width <= 0 || p.Height <= 0 {
			return nil, fmt.Errorf("%w: comfyui: an upscale to %dx%d", imagine.ErrBackend, p.Width, p.Height)
		}
		m, err := b.upscaleModel(ctx, p.Upscaler)
		if err != nil {
			return nil, err
		}
		model = p.Model
		build = func(image string) (json.RawMessage, error) {
			g, err := upscaleGraph(image, m, p.Width, p.Height)
			if err != nil {
				return nil, err
			}
			return g.marshal()
		}
	} else {
		ckpt, err := b.checkpointFor(ctx, p.Model)
		if err != nil {
			return nil, err
		}
		if seed < 0 {
			seed = randomSeed()
		}
		sampler, scheduler := comfySampler(p.Sampler, p.Scheduler)
		f := fill{
			Seed: seed, Steps: p.Steps, CFG: p.CFGScale, Sampler: sampler, Scheduler: scheduler,
			Positive: p.Prompt, Negative: p.NegativePrompt,
			Width: p.Width, Height: p.Height, Batch: max(p.BatchSize, 1), Ckpt: ckpt,
		}
		model = ckpt
		build = func(string) (json.RawMessage, error) { return b.workflow.build(f) }
		if p.Kind == imagine.KindImg2Img {
			f.Denoise = p.Strength
			build = func(image string) (json.RawMessage, error) {
				f.Image = image
				return b.workflow.buildImg2Img(f)
			}
		}
	}
	gctx, cancel := context.WithTimeoutCause(ctx, b.timeout, errGenTimeout)
	defer cancel()
	if err := b.hub.acquire(gctx); err != nil {
		return nil, b.ctxErr(ctx, gctx, err)
	}
	defer b.hub.release()
	j := b.hub.register(newPromptID())
	defer b.hub.unregister(j)
	var image string
	if p.Kind != imagine.KindTxt2Img {
		var err error
		if image, err = b.upload(gctx, p.Init, "imaginebot_"+j.id); err != nil {
			if gctx.Err() != nil {
				return nil, b.ctxErr(ctx, gctx, err)
			}
			return nil, err
		}
	}
	graph, err := build(image)
	if err != nil {
		return nil, err
	}
	id, err := b.queue(gctx, j.id, graph)
	if err != nil {
		if gctx.Err() != nil {
			// The prompt may have been queued before the answer was lost.
			return nil, b.abort(ctx, gctx, j)
		}
		return nil, err
	}
	if id != j.id {
		b.hub.rekey(j, id)
	}
	b.log.Debug("prompt queued", "prompt_id", id, "kind", p.Kind.String(), "model", model, "seed", seed, "picture", image)
	images, err := b.follow(ctx, gctx, j, progress)
	if err != nil {
		return nil, err
	}
	res := &imagine.Result{Images: images, Model: model}
	for range images {
		res.Seeds = append(res.Seeds, seed)
	}
	return res, nil
}

// randomSeed picks a seed within the bot's range (ComfyUI has no -1).
func randomSeed() int64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return int64(binary.BigEndian.Uint64(b[:]) % (imagine.MaxSeed + 1))
}

func newPromptID() string {
	var r [16]byte
	_, _ = rand.Read(r[:])
	r[6] = r[6]&0x0f | 0x40
	r[8] = r[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", r[0:4], r[4:6], r[6:8], r[8:10], r[10:])
}

// queue submits the graph under our prompt id and returns the id the
// server uses.
func (b *Backend) queue(ctx context.Context, id string, graph json.RawMessage) (string, error) {
	body := map[string]any{"prompt": graph, "client_id": b.hub.clientID, "prompt_id": id}
	data, err := b.do(ctx, http.MethodPost, "/prompt", body)
	var se *statusError
	if errors.As(err, &se) && se.Status == http.StatusBadRequest {
		if pe, ok := parsePromptError(se.Body); ok {
			return "", &imagine.RejectedError{Reason: pe.Reason(), Err: pe}
		}
	}
	if err != nil {
		return "", err
	}
	var resp struct {
		PromptID string `json:"prompt_id"`
	}
	if err := json.Unmarshal(data, &resp); err != nil || resp.PromptID == "" {
		return "", fmt.Errorf("%w: comfyui: POST /prompt answered without a prompt_id: %.200s", imagine.ErrBackend, data)
	}
	return resp.PromptID, nil
}

// follow waits for the prompt's end, handing on progress, and fetches its
// images.
func (b *Backend) follow(ctx, gctx context.Context, j *job, progress func(imagine.Progress)) ([][]byte, error) {
	stall := time.NewTimer(stallPoll)
	defer stall.Stop()
	var last imagine.Progress
	var firstStep time.Time
	report := func(ev event) {
		if progress == nil {
			return
		}
		switch ev.kind {
		case evProgress:
			if firstStep.IsZero() || ev.value < last.Step {
				firstStep = time.Now()
			}
			last = imagine.Progress{Fraction: float64(ev.value) / float64(ev.max), Step: ev.value, Steps: ev.max}
			if ev.value > 0 && ev.value < ev.max {
				per := time.Since(firstStep) / time.Duration(ev.value)
				last.ETA = per * time.Duration(ev.max-ev.value)
			}
			progress(last)
		case evPreview:
			p := last
			p.Preview = ev.preview
			progress(p)
		}
	}
	for {
		select {
		case <-gctx.Done():
			return nil, b.abort(ctx, gctx, j)
		case ev := <-j.events:
			report(ev)
			stall.Reset(stallPoll)
		case <-j.end:
			// The events that came before the end, which select may have
			// left waiting, are handed on first.
			for drained := false; !drained; {
				select {
				case ev := <-j.events:
					report(ev)
				default:
					drained = true
				}
			}
			return b.ended(gctx, j, *b.hub.snapshot(j).final)
		case <-j.wake:
			v := b.hub.snapshot(j)
			switch v.state {
			case wsDown:
				// The prompt may have ended before the drop; otherwise
				// we cannot follow it any more.
				err := b.recover(gctx, j)
				if err == nil || !errors.Is(err, errStillRunning) && !errors.Is(err, imagine.ErrBackendDown) {
					return b.recovered(gctx, j, err)
				}
				return nil, fmt.Errorf("%w: comfyui: prompt %s: %w", imagine.ErrBackendDown, j.id, v.downErr)
			case wsUp: // reconnected: the end may have passed while we were away
				if err := b.recover(gctx, j); !errors.Is(err, errStillRunning) {
					return b.recovered(gctx, j, err)
				}
			}
		case <-stall.C:
			if err := b.recover(gctx, j); !errors.Is(err, errStillRunning) {
				return b.recovered(gctx, j, err)
			}
			stall.Reset(stallPoll)
		}
	}
}

// errStillRunning is a prompt /history does not know as finished yet.
var errStillRunning = errors.New("comfyui: prompt still queued or running")

// recover looks the prompt up in /history: nil when it finished well,
// errStillRunning when it has not finished, else why it failed.
func (b *Backend) recover(ctx context.Context, j *job) error {
	entry, err := b.history(ctx, j.id)
	if err != nil {
		return err
	}
	if entry == nil {
		return errStillRunning
	}
	return entry.failure(j.id)
}

func (b *Backend) recovered(ctx context.Context, j *job, err error) ([][]byte, error) {
	if err != nil {
		return nil, err
	}
	return b.images(ctx, j.id)
}

// ended handles the prompt's terminal event.
func (b *Backend) ended(ctx context.Context, j *job, ev event) ([][]byte, error) {
	switch ev.kind {
	case evError:
		return nil, ev.exec.classify()
	case evInterrupted:
		return nil, fmt.Errorf("%w: comfyui: prompt %s was interrupted on the server", imagine.ErrInterrupted, j.id)
	}
	// ComfyUI writes the history entry around the time it says "done":
	// give it a moment.
	for wait := 20 * time.Millisecond; ; wait *= 2 {
		entry, err := b.history(ctx, j.id)
		if err != nil {
			return nil, err
		}
		if entry != nil {
			if err := entry.failure(j.id); err != nil {
				return nil, err
			}
			return b.imagesOf(ctx, j.id, entry)
		}
		if wait > 2*time.Second {
			return nil, &NoImageError{PromptID: j.id, Reason: "ComfyUI said it finished, but /history does not know it"}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// abort stops the prompt after ctx (the caller's) or the generation
// timeout ended: /interrupt when it runs, a queue delete while it waits.
func (b *Backend) abort(ctx, gctx context.Context, j *job) error {
	v := b.hub.snapshot(j)
	started, final := v.started, v.final
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), callTimeout)
	defer cancel()
	how := "nothing to stop: it had ended"
	var cerr error
	switch {
	case final != nil:
	case started:
		how = "interrupted"
		_, cerr = b.do(actx, http.MethodPost, "/interrupt", map[string]string{"prompt_id": j.id})
	default:
		how = "deleted from the queue"
		_, cerr = b.do(actx, http.MethodPost, "/queue", map[string][]string{"delete": {j.id}})
		// It may have begun between our look and the delete.
		var q struct {
			Running [][]json.RawMessage `json:"queue_running"`
		}
		if cerr == nil && b.getJSON(actx, "/queue", &q) == nil {
			for _, item := range q.Running {
				var id string
				if len(item) > 1 && json.Unmarshal(item[1], &id) == nil && id == j.id {
					how = "interrupted"
					_, cerr = b.do(actx, http.MethodPost, "/interrupt", map[string]string{"prompt_id": j.id})
				}
			}
		}
	}
	if cerr != nil {
		b.log.Warn("stopping the prompt failed", "prompt_id", j.id, "err", cerr)
	} else {
		b.log.Debug("prompt stopped", "prompt_id", j.id, "how", how)
	}
	return b.ctxErr(ctx, gctx, fmt.Errorf("comfyui: prompt %s stopped (%s)", j.id, how))
}

// ctxErr words a failure after one of the contexts ended: the generation
// timeout is imagine.ErrTimeout, the caller's end is its cause.
func (b *Backend) ctxErr(ctx, gctx context.Context, err error) error {
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("%v: %w", err, context.Cause(ctx))
	case errors.Is(context.Cause(gctx), errGenTimeout):
		return fmt.Errorf("%w: %v: the prompt took longer than sd.timeout (%v)", imagine.ErrTimeout, err, b.timeout)
	}
	return err
}

// historyEntry is a finished prompt in /history.
type historyEntry struct {
	Outputs map[string]struct {
		Images []imageRef `json:"images"`
	} `json:"outputs"`
	Status struct {
		StatusStr string              `json:"status_str"`
		Completed bool                `json:"completed"`
		Messages  [][]json.RawMessage `json:"messages"`
	} `json:"status"`
}

type imageRef struct {
	Filename  string `json:"filename"`
	Subfolder string `json:"subfolder"`
	Type      string `json:"type"`
}

// history returns the prompt's entry, or nil while it has none.
func (b *Backend) history(ctx context.Context, id string) (*historyEntry, error) {
	var h map[string]*historyEntry
	if err := b.getJSON(ctx, "/history/"+url.PathEscape(id), &h); err != nil {
		return nil, err
	}
	return h[id], nil
}

// failure returns why a finished prompt failed, or nil if it did not.
func (e *historyEntry) failure(id string) error {
	if e.Status.StatusStr != "error" {
		return nil
	}
	for _, m := range e.Status.Messages {
		if len(m) != 2 {
			continue
		}
		var typ string
		_ = json.Unmarshal(m[0], &typ)
		var d wsMessage
		_ = json.Unmarshal(m[1], &d.Data)
		switch typ {
		case "execution_error":
			return (&ExecutionError{PromptID: id, NodeID: nodeID(d.Data.NodeID), NodeType: d.Data.NodeType, ExceptionType: d.Data.ExceptionType, Message: d.Data.ExceptionMessage}).classify()
		case "execution_interrupted":
			return fmt.Errorf("%w: comfyui: prompt %s was interrupted on the server", imagine.ErrInterrupted, id)
		}
	}
	return fmt.Errorf("%w: comfyui: prompt %s failed without saying why", imagine.ErrBackend, id)
}

func (b *Backend) images(ctx context.Context, id string) ([][]byte, error) {
	entry, err := b.history(ctx, id)
	if err != nil {
		return nil, err
	}
	if entry == nil {
		return nil, &NoImageError{PromptID: id, Reason: "/history does not know it"}
	}
	return b.imagesOf(ctx, id, entry)
}

// imagesOf fetches the saved images (type output; the temporary ones when
// the workflow only previews) through /view, in node order.
func (b *Backend) imagesOf(ctx context.Context, id string, e *historyEntry) ([][]byte, error) {
	var saved, temp []imageRef
	for _, node := range sortedIDs(e.Outputs) {
		for _, ref := range e.Outputs[node].Images {
			if ref.Type == "output" {
				saved = append(saved, ref)
			} else {
				temp = append(temp, ref)
			}
		}
	}
	if len(saved) == 0 {
		saved = temp
	}
	if len(saved) == 0 {
		return nil, &NoImageError{PromptID: id, Reason: "its history lists no images; does the workflow end in a SaveImage node?"}
	}
	var out [][]byte
	for i, ref := range saved {
		q := url.Values{"filename": {ref.Filename}, "subfolder": {ref.Subfolder}, "type": {ref.Type}}
		data, err := b.do(ctx, http.MethodGet, "/view?"+q.Encode(), nil)
		if err != nil {
			return nil, err
		}
		switch http.DetectContentType(data) {
		case "image/png", "image/jpeg", "image/webp":
		default:
			return nil, &NoImageError{PromptID: id, Reason: fmt.Sprintf("image %d (%s) is not an image file", i, ref.Filename)}
		}
		out = append(out, data)
	}
	return out, nil
}
