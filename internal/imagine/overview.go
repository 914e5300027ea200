package imagine

import "time"

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
