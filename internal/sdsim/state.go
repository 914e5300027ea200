package sdsim

import (
	"image"
	"sync"
	"time"
)

// genState mirrors A1111's shared.state: what the global progress endpoint
// reports. It is guarded by Sim.mu.
type genState struct {
	skipped, interrupted bool
	job                  string
	jobCount             int // -1 while a job prepares (model load), 0 when idle
	jobNo                int
	jobTimestamp         string
	samplingStep         int
	samplingSteps        int
	timeStart            time.Time

	latent           *latent  // what a preview decoded now would show; nil before the first step
	currentImage     *preview // the last decoded preview
	currentImageStep int
	idLivePreview    int
}

// begin is State.begin: a new job starts preparing.
func (g *genState) begin(job string, now time.Time) {
	g.samplingStep = 0
	g.timeStart = now
	g.jobCount = -1
	g.jobNo = 0
	g.jobTimestamp = now.Format("20060102150405")
	g.latent = nil
	g.currentImage = nil
	g.currentImageStep = 0
	g.idLivePreview = 0
	g.skipped = false
	g.interrupted = false
	g.job = job
}

// end is State.end. Step counters and the last preview stay, as in A1111.
func (g *genState) end() {
	g.job = ""
	g.jobCount = 0
}

// nextjob is State.nextjob, called after each sampling pass.
func (g *genState) nextjob(previewEvery int, previews bool) {
	if previews && previewEvery == -1 {
		g.decodePreview()
	}
	g.jobNo++
	g.samplingStep = 0
	g.currentImageStep = 0
}

// setCurrentImage is State.set_current_image, run by every progress poll: it
// decodes a new preview when enough steps have passed since the last one.
func (g *genState) setCurrentImage(previewEvery int, previews bool) {
	if previews && previewEvery != -1 && g.samplingStep-g.currentImageStep >= previewEvery {
		g.decodePreview()
	}
}

func (g *genState) decodePreview() {
	if g.latent == nil {
		return
	}
	g.idLivePreview++
	g.currentImage = &preview{id: g.idLivePreview, latent: *g.latent}
	g.currentImageStep = g.samplingStep
}

// progress is A1111's /sdapi/v1/progress formula (with the 0.01 offset); ok is
// false when job_count is 0 and the idle answer applies.
func (g *genState) progress(now time.Time) (progress, eta float64, ok bool) {
	if g.jobCount == 0 {
		return 0, 0, false
	}
	progress = 0.01
	if g.jobCount > 0 {
		progress += float64(g.jobNo) / float64(g.jobCount)
	}
	if g.samplingSteps > 0 {
		progress += 1 / float64(g.jobCount) * float64(g.samplingStep) / float64(g.samplingSteps)
	}
	elapsed := now.Sub(g.timeStart).Seconds()
	eta = elapsed/progress - elapsed
	return min(progress, 1), eta, true
}

// taskProgress is /internal/progress's formula for the active task (no offset);
// eta is nil when progress is 0.
func (g *genState) taskProgress(now time.Time) (float64, *float64) {
	progress := 0.0
	if g.jobCount > 0 {
		progress += float64(g.jobNo) / float64(g.jobCount)
		if g.samplingSteps > 0 {
			progress += 1 / float64(g.jobCount) * float64(g.samplingStep) / float64(g.samplingSteps)
		}
	}
	progress = min(progress, 1)
	if progress <= 0 {
		return progress, nil
	}
	elapsed := now.Sub(g.timeStart).Seconds()
	eta := elapsed/progress - elapsed
	return progress, &eta
}

// latent describes the picture the sampler holds: the batch's scene keys at a
// given size and denoising fraction t (0 = pure noise, 1 = final picture).
type latent struct {
	keys []uint64
	w, h int
	t    float64
}

// preview is a decoded live preview. Its PNG is rendered lazily, outside
// Sim.mu, by whichever poll needs it first.
type preview struct {
	id     int
	latent latent

	once sync.Once
	png  []byte
}

// image returns the preview PNG, about a quarter of the picture on each side.
func (p *preview) image() []byte {
	p.once.Do(func() {
		w, h := max(8, p.latent.w/4), max(8, p.latent.h/4)
		imgs := make([]*image.RGBA, len(p.latent.keys))
		for i, k := range p.latent.keys {
			imgs[i] = renderScene(k, w, h, p.latent.t)
		}
		p.png = encodePNG(gridOf(imgs), "")
	})
	return p.png
}

// taskBook is A1111's progress.py bookkeeping, guarded by Sim.mu.
type taskBook struct {
	current  string        // current_task; "" is None
	pending  []pendingTask // pending_tasks in arrival order
	finished []doneTask    // finished_tasks, the last maxFinished
}

type pendingTask struct {
	id    string
	steps int
}

type doneTask struct {
	id    string
	steps int // sampling_steps of its last pass
}

const maxFinished = 16

func (b *taskBook) add(id string, steps int) {
	b.pending = append(b.pending, pendingTask{id, steps})
}

// start is start_task: the task leaves the queue and becomes current.
func (b *taskBook) start(id string) {
	b.current = id
	b.removePending(id)
}

func (b *taskBook) removePending(id string) {
	for i, p := range b.pending {
		if p.id == id {
			b.pending = append(b.pending[:i:i], b.pending[i+1:]...)
			return
		}
	}
}

// finish is finish_task. A1111 does not call it when a job fails, which leaves
// the id current until the next job starts.
func (b *taskBook) finish(id string, steps int) {
	if b.current == id {
		b.current = ""
	}
	b.finished = append(b.finished, doneTask{id, steps})
	if len(b.finished) > maxFinished {
		b.finished = b.finished[len(b.finished)-maxFinished:]
	}
}

// queuePos returns the 1-based queue position of id and the queue length.
func (b *taskBook) queuePos(id string) (pos, n int) {
	for i, p := range b.pending {
		if p.id == id {
			return i + 1, len(b.pending)
		}
	}
	return 0, len(b.pending)
}

func (b *taskBook) pendingTask(id string) (pendingTask, bool) {
	for _, p := range b.pending {
		if p.id == id {
			return p, true
		}
	}
	return pendingTask{}, false
}

func (b *taskBook) finishedTask(id string) (doneTask, bool) {
	for i := len(b.finished) - 1; i >= 0; i-- {
		if b.finished[i].id == id {
			return b.finished[i], true
		}
	}
	return doneTask{}, false
}
