package imagine

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// fakeBackend is an in-memory Backend. Each Generate takes steps × stepTime
// unless gen overrides it; it records what ran and when.
type fakeBackend struct {
	stepTime   time.Duration
	switchTime time.Duration // a model load; default 50ms
	gen        func(ctx context.Context, p Params, progress func(Progress)) (*Result, error)
	// starts, if set, records the prompt of every generation as it starts,
	// shared between backends.
	starts *startLog

	// timed records each generation's start and end in times; offer, if
	// set, names the models Models lists (default a and b).
	timed bool
	offer []string

	mu     sync.Mutex // guards the fields below
	times  []time.Time
	log    []string // "start <prompt>", "end <prompt>", "switch <model>"
	model  string
	active int // generations running now
	maxAct int
}

func (f *fakeBackend) events() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.log...)
}

func (f *fakeBackend) Generate(ctx context.Context, p Params, progress func(Progress)) (*Result, error) {
	f.mu.Lock()
	f.active++
	f.maxAct = max(f.maxAct, f.active)
	f.log = append(f.log, "start "+p.UserPrompt)
	if f.timed {
		f.times = append(f.times, time.Now())
	}
	load := p.Model != "" && !sameModel(p.Model, f.model)
	if load {
		// A1111 loads override_settings' checkpoint inside the job.
		f.log = append(f.log, fmt.Sprintf("switch %s (in a job)", p.Model))
	}
	f.mu.Unlock()
	if f.starts != nil {
		f.starts.add(p.UserPrompt)
	}
	if load {
		time.Sleep(cmp.Or(f.switchTime, 50*time.Millisecond))
		f.mu.Lock()
		f.model = p.Model
		f.mu.Unlock()
	}
	defer func() {
		f.mu.Lock()
		f.active--
		f.log = append(f.log, "end "+p.UserPrompt)
		if f.timed {
			f.times = append(f.times, time.Now())
		}
		f.mu.Unlock()
	}()
	if f.gen != nil {
		return f.gen(ctx, p, progress)
	}
	for i := 1; i <= p.Steps; i++ {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(f.stepTime):
		}
		if progress != nil {
			progress(Progress{Fraction: float64(i) / float64(p.Steps), Step: i, Steps: p.Steps, Preview: []byte{byte(i)}})
		}
	}
	f.mu.Lock()
	model := f.model
	f.mu.Unlock()
	return &Result{Images: [][]byte{[]byte("png")}, Seeds: []int64{max(p.Seed, 1)}, Model: model}, nil
}

func (f *fakeBackend) Models(ctx context.Context) ([]Model, error) {
	f.mu.Lock()
	offer := f.offer
	f.mu.Unlock()
	if offer != nil {
		var out []Model
		for _, name := range offer {
			out = append(out, Model{Title: name + ".safetensors", Name: name})
		}
		return out, nil
	}
	return []Model{{Title: "a.safetensors [111]", Name: "a"}, {Title: "b.safetensors [222]", Name: "b"}}, nil
}

func (f *fakeBackend) CurrentModel(ctx context.Context) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.model, nil
}

func (f *fakeBackend) SwitchModel(ctx context.Context, name string) (string, error) {
	f.mu.Lock()
	busy := f.active
	f.log = append(f.log, fmt.Sprintf("switch %s (busy %d)", name, busy))
	f.mu.Unlock()
	time.Sleep(cmp.Or(f.switchTime, 50*time.Millisecond)) // loading
	f.mu.Lock()
	f.model = name
	f.mu.Unlock()
	return name, nil
}

// startLog records generation starts across backends, in order.
type startLog struct {
	mu      sync.Mutex // guards prompts
	prompts []string
}

func (l *startLog) add(prompt string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.prompts = append(l.prompts, prompt)
}

func (l *startLog) list() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.prompts)
}
