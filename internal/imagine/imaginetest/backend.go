package imaginetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

// Options configure a Backend. The zero value is a backend whose steps take
// no time, with two models.
type Options struct {
	// StepDelay is how long one sampling step takes.
	StepDelay time.Duration
	// Manual makes every step wait for Advance instead of StepDelay.
	Manual bool
	// PreviewEvery is how many steps pass between previews: 0 or 1 sends
	// one with every step, a negative value none.
	PreviewEvery int
	// Models are the checkpoints offered; the default is DefaultModels.
	Models []imagine.Model
	// Current is the title of the loaded checkpoint; the default is the
	// first model's.
	Current string
	// SwitchDelay is how long a checkpoint switch takes.
	SwitchDelay time.Duration
}

// DefaultModels are the checkpoints a Backend offers unless Options.Models
// says otherwise.
var DefaultModels = []imagine.Model{
	{Title: "v1-5-pruned-emaonly.safetensors [6ce0161689]", Name: "v1-5-pruned-emaonly"},
	{Title: "anime-v3.safetensors [a1b2c3d4e5]", Name: "anime-v3"},
}

// Backend is a scripted in-memory imagine.Backend; see the package
// documentation. It is safe for concurrent use.
type Backend struct {
	opts Options

	mu        sync.Mutex // guards the fields below
	changed   chan struct{}
	current   string // title of the loaded checkpoint
	jobs      []Job
	switches  []string
	failures  []Failure
	switchErr []error
	down      bool
	tokens    int // steps Advance allowed and no job has taken yet
	active    int
	maxActive int
	rng       *rand.Rand
}

// New returns a Backend configured by opts.
func New(opts Options) *Backend {
	if len(opts.Models) == 0 {
		opts.Models = DefaultModels
	}
	if opts.Current == "" {
		opts.Current = opts.Models[0].Title
	}
	return &Backend{
		opts:    opts,
		changed: make(chan struct{}),
		current: opts.Current,
		rng:     rand.New(rand.NewPCG(1, 2)),
	}
}

// Job is the record of one generation.
type Job struct {
	Seq    int            // 1 for the first generation the backend started, and so on
	Params imagine.Params // as the core asked for them
	Model  string         // the title of the checkpoint it ran on
	Start  time.Time      // when Generate was called
	Steps  int            // the steps that ran
	Seeds  []int64        // the seeds of its images, once it produced them
	Done   bool           // it has returned
	End    time.Time      // when it returned
	Err    error          // what it returned if it failed or was cancelled
}

// Failure scripts the failure of one generation.
type Failure struct {
	// Err is the error the generation fails with, wrapped so that errors.Is
	// and errors.As find it: a kind such as imagine.ErrOutOfMemory or an
	// *imagine.RejectedError.
	Err error
	// AfterStep is how many steps run (and report progress) before the
	// failure; 0 fails before the first step.
	AfterStep int
	// Hang makes the generation, after AfterStep steps, wait until its
	// context ends and return the context's error (Err is not used), like
	// a server that never answers.
	Hang bool
}

// Generate runs one scripted generation; see the package documentation.
func (b *Backend) Generate(ctx context.Context, p imagine.Params, progress func(imagine.Progress)) (*imagine.Result, error) {
	b.mu.Lock()
	if b.down {
		b.mu.Unlock()
		return nil, errDown
	}
	var fail *Failure
	if len(b.failures) > 0 {
		if f := b.failures[0]; f.Err != nil || f.Hang {
			fail = &f
		}
		b.failures = b.failures[1:]
	}
	b.jobs = append(b.jobs, Job{Seq: len(b.jobs) + 1, Params: p, Model: b.current, Start: time.Now()})
	idx := len(b.jobs) - 1
	b.active++
	b.maxActive = max(b.maxActive, b.active)
	b.notifyLocked()
	b.mu.Unlock()

	res, err := b.run(ctx, idx, p, fail, progress)

	b.mu.Lock()
	defer b.mu.Unlock()
	b.active--
	j := &b.jobs[idx]
	j.Done, j.End, j.Err = true, time.Now(), err
	if res != nil {
		j.Seeds = res.Seeds
	}
	b.notifyLocked()
	return res, err
}

func (b *Backend) run(ctx context.Context, idx int, p imagine.Params, fail *Failure, progress func(imagine.Progress)) (*imagine.Result, error) {
	if p.Width <= 0 || p.Height <= 0 {
		return nil, &imagine.RejectedError{Reason: "width and height must be positive",
			Err: fmt.Errorf("imaginetest: size %dx%d", p.Width, p.Height)}
	}
	for step := 1; step <= p.Steps; step++ {
		if fail != nil && fail.AfterStep < step {
			return nil, fail.end(ctx)
		}
		if err := b.waitStep(ctx); err != nil {
			return nil, err
		}
		b.mu.Lock()
		b.jobs[idx].Steps = step
		b.notifyLocked()
		b.mu.Unlock()
		if progress != nil {
			pr := imagine.Progress{Fraction: float64(step) / float64(p.Steps), Step: step, Steps: p.Steps,
				ETA: time.Duration(p.Steps-step) * b.opts.StepDelay}
			if every := max(b.opts.PreviewEvery, 1); b.opts.PreviewEvery >= 0 && step%every == 0 {
				pr.Preview = previewPNG(step, p.Steps)
			}
			progress(pr)
		}
	}
	if fail != nil {
		return nil, fail.end(ctx)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b.mu.Lock()
	model := b.modelLocked(b.current)
	first := p.Seed
	if first < 0 {
		first = b.rng.Int64N(imagine.MaxSeed + 1)
	}
	b.mu.Unlock()
	w, h := p.Width, p.Height
	if p.EnableHR && p.HRScale > 0 { // A1111's hires fix ends at the scaled size
		w, h = int(float64(w)*p.HRScale), int(float64(h)*p.HRScale)
	}
	res := &imagine.Result{Model: model.Name}
	for i := range max(p.BatchSize, 1) {
		seed := first + int64(i)
		res.Images = append(res.Images, finalPNG(w, h, seed))
		res.Seeds = append(res.Seeds, seed)
	}
	return res, nil
}

// waitStep waits for one step's time, or for a step Advance allowed.
func (b *Backend) waitStep(ctx context.Context) error {
	if !b.opts.Manual {
		if b.opts.StepDelay <= 0 {
			return ctx.Err()
		}
		t := time.NewTimer(b.opts.StepDelay)
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for {
		b.mu.Lock()
		if b.tokens > 0 {
			b.tokens--
			b.notifyLocked()
			b.mu.Unlock()
			return nil
		}
		ch := b.changed
		b.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Advance lets n more steps run (with Options.Manual), taken by the running
// generations in any order.
func (b *Backend) Advance(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.tokens += n
	b.notifyLocked()
}

// FailNext scripts the next generations, one Failure each, in order. A
// Failure with a nil Err and no Hang lets its generation succeed, so that
// later ones can be scripted.
func (b *Backend) FailNext(fs ...Failure) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures = append(b.failures, fs...)
}

// SetDown makes every call fail with imagine.ErrBackendDown (true) or work
// again (false). Running generations are not affected; a Generate while
// down is not recorded in Jobs.
func (b *Backend) SetDown(down bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.down = down
	b.notifyLocked()
}

// end is how a scripted failure ends its generation: with the scripted
// error, or, for a hang, with the context's once it ends.
func (f *Failure) end(ctx context.Context) error {
	if f.Hang {
		<-ctx.Done()
		return ctx.Err()
	}
	return scripted(f.Err)
}

// scripted wraps a scripted error so that its kind is still found.
func scripted(err error) error {
	return fmt.Errorf("imaginetest: scripted failure: %w", err)
}

var errDown = fmt.Errorf("%w: imaginetest: backend down", imagine.ErrBackendDown)

var _ imagine.Backend = (*Backend)(nil)
