package imagine

import (
	"sync"
	"time"
)

// State is where a job is in its life.
type State int

// The states of a job. Done, Failed, Cancelled and Restarting are terminal.
const (
	Queued State = iota
	Running
	Done
	Failed
	Cancelled
	// Restarting ends a job's statuses in this process without ending the
	// job: the process stops, and the job keeps its place in the store and
	// goes on after the restart (Rerun: it had started, and runs again).
	Restarting
)

var stateNames = [...]string{"queued", "running", "done", "failed", "cancelled", "restarting"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "unknown"
}

// Terminal reports whether no status follows this one.
func (s State) Terminal() bool { return s >= Done }

// Status is a snapshot of one job, as the adapter renders it.
type Status struct {
	Job   JobID
	State State

	// Queued: the 1-based place in the queue and how many jobs wait in all.
	Position, QueueLen int

	// Running: progress 0–1, sampling step, estimated time left and the
	// latest preview image (PNG or JPEG bytes; nil until the first one).
	// PreviewSeq counts previews so a renderer can tell a new one.
	Progress    float64
	Step, Steps int
	ETA         time.Duration
	Preview     []byte
	PreviewSeq  int
	StartedAt   time.Time

	// Done: the result and how long the generation took.
	Result   *Result
	Duration time.Duration

	// Failed: why. Describe(Err, locale) words it for the user.
	Err error

	// NoBackend (Queued): every backend is down; the job keeps its place
	// and runs when one answers again.
	NoBackend bool

	// Restarted: the job came back after a restart (Queued and Running
	// statuses and Restarting). Rerun: it had started before, and runs again.
	Restarted, Rerun bool

	// Params are the job's resolved parameters (set in every status; the
	// negative prompt only once the job runs).
	Params Params
}

// Watch hands a job's statuses from the worker to the adapter that owns the
// chat message. It keeps only the latest status: a slow chat platform never
// slows the worker and never receives stale previews. The terminal status is
// never replaced, so it is always delivered. A Watch is safe for concurrent
// use.
type Watch struct {
	changed chan struct{} // cap 1: "there is a newer status than you last read"

	mu     sync.Mutex // guards latest
	latest Status
}

func newWatch(s Status) *Watch {
	return &Watch{changed: make(chan struct{}, 1), latest: s}
}

// Changed returns a channel that receives when a status newer than the one
// last returned by Latest is available.
func (w *Watch) Changed() <-chan struct{} { return w.changed }

// Latest returns the newest status. It does not consume Changed's signal:
// a Watch has one consumer (the adapter that waits on Changed), but anyone
// may read Latest (Service.Overview does) without that consumer missing a
// change.
func (w *Watch) Latest() Status {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.latest
}

// publish replaces the latest status unless a terminal one was already
// published, and signals Changed. It never blocks. It reports whether s was
// accepted.
func (w *Watch) publish(s Status) bool {
	return w.update(func(latest *Status) bool { *latest = s; return true })
}

// update lets f change the latest status in place, unless it is terminal,
// and signals Changed if f reports a change. It never blocks.
func (w *Watch) update(f func(*Status) bool) bool {
	w.mu.Lock()
	if w.latest.State.Terminal() || !f(&w.latest) {
		w.mu.Unlock()
		return false
	}
	w.mu.Unlock()
	select {
	case w.changed <- struct{}{}:
	default:
	}
	return true
}
