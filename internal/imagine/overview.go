package imagine

import (
	"slices"
	"sync"
	"time"

	"github.com/imaginebot/imaginebot/internal/queue"
)

// Overview is the whole service at one moment, as an admin's dashboard
// shows it: who waits, what runs where, and each backend's state.
type Overview struct {
	// Running are the jobs running now, in the order they started.
	Running []JobView
	// Waiting are the jobs waiting, in the fair order they will start.
	Waiting []JobView
	// Backends are the configured backends, in configuration order.
	Backends []BackendView
	// DefaultModel is the model /model last chose ("" before any).
	DefaultModel string
}

// JobView is one waiting or running job, for an admin.
type JobView struct {
	ID        JobID
	Requester Requester
	State     State // Queued or Running
	Position  int   // 1-based place in the fair order, when Queued
	Prompt    string
	Kind      JobKind
	Width     int
	Height    int
	Steps     int
	Model     string // the job's model ("" = the default)
	Backend   string // the backend running it, when Running
	Progress  float64
	Submitted time.Time
	Started   time.Time // when a backend took it, when Running
	// Preview is the newest preview image of a running job (nil if none
	// yet); it is shared, not copied: callers must not change it.
	Preview []byte
}

// BackendView is one backend's state, for an admin.
type BackendView struct {
	Name   string
	Kind   string // "a1111" or "comfyui"
	Loaded string // the checkpoint loaded, as last reported ("" unknown)
	Busy   bool
	Down   bool
	Job    JobID // the job it runs, when Busy
}

// StatPoint is one minute of the service's recent activity: the charts of
// an admin's dashboard (queue length, images per minute, GPU busy
// fraction over the last hour).
type StatPoint struct {
	At      time.Time // the start of the minute (UTC)
	Waiting int       // the most jobs waiting during the minute
	Images  int       // images finished during the minute
	Busy    float64   // the fraction of backend time spent running jobs, 0–1
}

// overviewMaxAge is how long Overview shares the queue and backends it
// read with later callers: however many dashboards poll, the service's
// lock is taken for them at most ten times a second.
const overviewMaxAge = 100 * time.Millisecond

// overviewCache is the last queue and backends Overview read.
type overviewCache struct {
	mu      sync.Mutex // guards the fields below; held while one caller reads anew
	at      time.Time
	o       *Overview // nil until the first read
	running []*job    // the jobs of o.Running, in order
}

// Overview returns the service's state: the running jobs with their
// backends, progress and newest previews, the waiting jobs in the order
// they will start (jobs that run again after a restart or a backend that
// went down come first, as they start first), every backend and the
// default model.
//
// It is cheap enough for any number of dashboards to poll: the queue and
// the backends are read at most every 100 ms (overviewMaxAge), under the
// service's lock only for as long as it takes to copy the queue's order,
// and callers within that time share what was read (so the lists may be up
// to 100 ms old). The running jobs' progress and previews are read at
// each call, from their watches, without consuming them: the chat adapter
// that owns a Watch still sees every change (see Watch.Latest). Waiting is
// shared between callers, and Preview with the Watch: do not modify them.
func (s *Service) Overview() Overview {
	now := time.Now()
	c := &s.overview
	c.mu.Lock()
	if c.o == nil || now.Sub(c.at) >= overviewMaxAge || now.Before(c.at) {
		o, running := s.readOverview()
		c.o, c.running, c.at = &o, running, now
	}
	o, running := *c.o, c.running
	c.mu.Unlock()

	o.Backends = slices.Clone(o.Backends)
	o.Running = slices.Clone(o.Running)
	for i := range o.Running {
		// The watches have their own locks.
		st := running[i].watch.Latest()
		if st.State == Running {
			o.Running[i].Progress, o.Running[i].Preview = st.Progress, st.Preview
			if !st.StartedAt.IsZero() {
				o.Running[i].Started = st.StartedAt
			}
		}
	}
	slices.SortStableFunc(o.Running, func(a, b JobView) int { return a.Started.Compare(b.Started) })
	o.DefaultModel = s.getDefaultModel()
	return o
}

// readOverview reads the queue and the backends for Overview: the running
// jobs' views without their progress, and the jobs they are of.
func (s *Service) readOverview() (Overview, []*job) {
	// Under s.mu: the queue's order, and what a job's params the
	// dispatcher may still change. Whoever pushes, pops or cancels holds
	// s.mu too, so no job is seen both waiting and running. The rest of a
	// job is not changed once it is queued, and is read after.
	type seen struct {
		j       *job
		model   string
		backend string
		since   time.Time
	}
	var waiting, running []seen
	var o Overview
	s.mu.Lock()
	snap := s.queue.Snapshot()
	waiting = make([]seen, 0, len(s.rerun)+len(snap.Waiting))
	for _, list := range [][]queue.Item[*job]{s.rerun, snap.Waiting} {
		for _, it := range list {
			waiting = append(waiting, seen{j: it.Value, model: it.Value.params.Model})
		}
	}
	o.Backends = make([]BackendView, len(s.workers))
	for i, w := range s.workers {
		b := BackendView{Name: w.name, Kind: w.kind, Loaded: w.loaded, Busy: w.busy, Down: w.down}
		// A job leaves s.jobs when it ends, before its worker is freed.
		if j := w.job; j != nil && s.jobs[j.id] == j {
			b.Job = j.id
			running = append(running, seen{j: j, model: j.params.Model, backend: w.name, since: w.since})
		}
		o.Backends[i] = b
	}
	s.mu.Unlock()

	o.Waiting = make([]JobView, len(waiting))
	for i, w := range waiting {
		o.Waiting[i] = jobView(w.j, Queued, w.model)
		o.Waiting[i].Position = i + 1
	}
	o.Running = make([]JobView, len(running))
	jobs := make([]*job, len(running))
	for i, r := range running {
		o.Running[i] = jobView(r.j, Running, r.model)
		o.Running[i].Backend, o.Running[i].Started = r.backend, r.since
		jobs[i] = r.j
	}
	return o, jobs
}

// jobView describes j for Overview; model is its params' Model, read
// under s.mu.
func jobView(j *job, state State, model string) JobView {
	p := &j.params
	return JobView{
		ID: j.id, Requester: j.req.Requester, State: state, Prompt: p.UserPrompt, Kind: p.Kind,
		Width: p.Width, Height: p.Height, Steps: p.Steps, Model: model, Submitted: j.submitted,
	}
}
