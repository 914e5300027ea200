package imagine

import "time"

// Observer hears about jobs and models as they happen, e.g. to export
// metrics. Its methods are called from the workers and must return quickly.
type Observer interface {
	// JobStarted is called when a backend starts a job.
	JobStarted(backend string)
	// JobEnded is called once per job that reached a backend.
	JobEnded(r JobReport)
	// ModelLoaded is called when a backend is known to run model: at start
	// and after each switch.
	ModelLoaded(backend, model string)
	// BackendUp is called when a backend is found down (up false) and
	// when it answers again.
	BackendUp(backend string, up bool)
	// StoreFailed is called when a store operation fails (op says which);
	// the job it was for goes on.
	StoreFailed(op string)
}

// JobReport describes a finished job for an Observer.
type JobReport struct {
	Backend  string
	Platform Platform
	Outcome  State // Done, Failed or Cancelled
	Wait     time.Duration
	Run      time.Duration
	Images   int // the images it made, when Done
}

// noObserver is the Observer used when none is configured.
type noObserver struct{}

func (noObserver) JobStarted(string)          {}
func (noObserver) JobEnded(JobReport)         {}
func (noObserver) ModelLoaded(string, string) {}
func (noObserver) StoreFailed(string)         {}
func (noObserver) BackendUp(string, bool)     {}

// QueueStats reports the number of waiting jobs and the largest number of
// jobs (waiting plus running) one user has.
func (s *Service) QueueStats() (waiting, maxPerUser int) {
	snap := s.queue.Snapshot()
	return len(snap.Waiting), snap.MaxPerUser
}
