package imagine

import (
	"slices"
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

// Overview returns the service's state now: the running jobs with their
// backends, progress and newest previews, the waiting jobs in the order
// they will start (jobs that run again after a restart or a backend that
// went down come first, as they start first), every backend and the
// default model.
//
// It is cheap enough for many dashboards to call every second: it copies
// the queue's order and a few fields per job under the service's lock (it
// holds it for about as long as the queue's Snapshot takes), and reads the
// running jobs' watches without consuming them: the chat adapter that owns
// a Watch still sees every change (see Watch.Latest).
func (s *Service) Overview() Overview {
	var o Overview
	type runner struct {
		job   *job
		since time.Time
		name  string
	}
	var running []runner
	s.mu.Lock()
	// The queue's snapshot is taken under s.mu: whoever pushes, pops or
	// cancels holds it too, so no job is seen both waiting and running,
	// and the dispatcher's writes to a job's params are not raced.
	snap := s.queue.Snapshot()
	o.Waiting = make([]JobView, 0, len(s.rerun)+len(snap.Waiting))
	for _, list := range [][]queue.Item[*job]{s.rerun, snap.Waiting} {
		for _, it := range list {
			v := jobView(it.Value, Queued)
			v.Position = len(o.Waiting) + 1
			o.Waiting = append(o.Waiting, v)
		}
	}
	o.Backends = make([]BackendView, len(s.workers))
	for i, w := range s.workers {
		b := BackendView{Name: w.name, Kind: w.kind, Loaded: w.loaded, Busy: w.busy, Down: w.down}
		// A job leaves s.jobs when it ends, before its worker is freed.
		if j := w.job; j != nil && s.jobs[j.id] == j {
			b.Job = j.id
			running = append(running, runner{job: j, since: w.since, name: w.name})
		}
		o.Backends[i] = b
	}
	o.Running = make([]JobView, len(running))
	for i, r := range running {
		v := jobView(r.job, Running)
		v.Backend, v.Started = r.name, r.since
		o.Running[i] = v
	}
	s.mu.Unlock()

	// The watches have their own locks: read them outside s.mu.
	for i := range o.Running {
		st := running[i].job.watch.Latest()
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

// jobView describes j for Overview. s.mu is held.
func jobView(j *job, state State) JobView {
	p := &j.params
	return JobView{
		ID: j.id, Requester: j.req.Requester, State: state, Prompt: p.UserPrompt, Kind: p.Kind,
		Width: p.Width, Height: p.Height, Steps: p.Steps, Model: p.Model, Submitted: j.submitted,
	}
}
