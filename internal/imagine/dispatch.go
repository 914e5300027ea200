package imagine

import (
	"cmp"
	"context"
	"time"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/queue"
)

// The dispatcher hands the next job in fair order to a free backend.
// Fairness decides who is served next; the dispatcher decides only where:
// among the free backends that are up it prefers one that has the job's
// model loaded, and a job whose model no free backend has loaded waits up
// to Config.AffinityWait for a busy one that has it before a free one
// switches. Everything it reads and writes is guarded by Service.mu.

// defaultAffinityWait is Config.AffinityWait's default: a few seconds, far
// less than a checkpoint load (5–60 s), more than the gap between two jobs.
const defaultAffinityWait = 3 * time.Second

// kick wakes the dispatcher: a job arrived, a backend became free, up or
// down, or a model switch is asked for. It never blocks.
func (s *Service) kick() {
	select {
	case s.kicks <- struct{}{}:
	default:
	}
}

// dispatch runs until ctx ends, assigning jobs whenever something changed.
func (s *Service) dispatch(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		s.mu.Lock()
		wait := s.assignLocked(time.Now())
		s.mu.Unlock()
		var timeout <-chan time.Time
		if wait > 0 {
			timer.Reset(wait)
			timeout = timer.C
		}
		select {
		case <-ctx.Done():
			return
		case <-s.kicks:
		case <-timeout:
		}
	}
}

// assignLocked hands out jobs and model switches until nothing more can
// be assigned now. It returns how long to wait before looking again when a
// job waits for a busy backend that has its model (0: until kicked).
func (s *Service) assignLocked(now time.Time) time.Duration {
	wait := s.assignJobsLocked(now)
	s.noteWaitingLocked() // after the pops: a job taken at once never waited
	return wait
}

func (s *Service) assignJobsLocked(now time.Time) time.Duration {
	if s.stopping {
		return 0
	}
	s.assignSwitchesLocked()
	for {
		it, rerun, ok := s.nextJobLocked()
		if !ok {
			return 0
		}
		if it.ID != s.headID {
			s.headID, s.headSince = it.ID, now
		}
		j := it.Value
		model := j.params.Model
		if model == "" {
			model = s.getDefaultModel()
		}
		w, wait, err := s.chooseLocked(j.params, model, now.Sub(s.headSince))
		switch {
		case err != nil:
			s.takeLocked(it, rerun)
			s.failUnrunnableLocked(it, err)
			continue
		case w == nil:
			return wait
		}
		s.takeLocked(it, rerun)
		j.params.Model = model
		w.busy, w.job, w.since = true, j, now
		if model != "" {
			w.loaded = model // the job loads it
		}
		w.jobs <- it // cap 1, and a free worker's is empty
	}
}

// nextJobLocked returns the job that runs next: one that must run again
// (restored after a restart, or moved off a backend that went down), else
// the head of the fair queue.
func (s *Service) nextJobLocked() (it queue.Item[*job], rerun, ok bool) {
	if len(s.rerun) > 0 {
		return s.rerun[0], true, true
	}
	it, ok = s.queue.Peek()
	return it, false, ok
}

// takeLocked removes the job nextJobLocked returned from where it waits.
func (s *Service) takeLocked(it queue.Item[*job], rerun bool) {
	if rerun {
		s.rerun = s.rerun[1:]
		return
	}
	// Only the dispatcher pops, under s.mu, which Submit and Cancel hold
	// too: the head is still it.
	if got, ok := s.queue.TryPop(); !ok || got.ID != it.ID {
		panic("imagine: the queue's head changed under the dispatcher")
	}
}

// chooseLocked picks the free backend for a job p of model ("" = any)
// that has been the next job for waited. It returns nil and how long to
// wait when the job should wait for a busy backend, and an error when no
// backend that is up offers the model, or every one refuses the job
// (Refuser).
func (s *Service) chooseLocked(p Params, model string, waited time.Duration) (*worker, time.Duration, error) {
	var free, busyWithModel, offers []*worker
	var refused error
	anyUp := false
	for _, w := range s.workers {
		if w.down {
			continue
		}
		anyUp = true
		if r, ok := w.backend.(Refuser); ok {
			if err := r.Refuses(p); err != nil {
				refused = cmp.Or(refused, err)
				continue
			}
		}
		if model != "" && !w.offers(model) {
			continue
		}
		offers = append(offers, w)
		switch {
		case !w.busy:
			free = append(free, w)
		case model != "" && sameModel(w.loaded, model):
			busyWithModel = append(busyWithModel, w)
		}
	}
	if anyUp && len(offers) == 0 {
		if refused != nil {
			return nil, 0, refused
		}
		return nil, 0, userErr(ErrModelNotFound, catalog.MsgModelNotFound, model)
	}
	if len(free) == 0 {
		return nil, 0, nil
	}
	if model == "" || s.firstFree {
		return free[0], 0, nil
	}
	for _, w := range free {
		if sameModel(w.loaded, model) {
			return w, 0, nil
		}
	}
	if len(busyWithModel) > 0 && waited < s.cfg.AffinityWait {
		return nil, s.cfg.AffinityWait - waited, nil
	}
	return free[0], 0, nil
}

// failUnrunnableLocked ends a job taken from the queue that no backend
// can run.
func (s *Service) failUnrunnableLocked(it queue.Item[*job], err error) {
	j := it.Value
	s.queue.Done(it.ID)
	s.forgetLocked(j)
	s.saveEnd(j, JobEnd{Outcome: Failed})
	j.watch.publish(Status{Job: j.id, State: Failed, Err: err, Params: j.params})
	logJobEnd(s.log, j, Failed, time.Since(j.submitted), 0, err)
}

// freed records that w finished a job or a switch, with the model it has
// loaded now ("" if unknown), and hands out the next jobs at once, on this
// goroutine: a backend idles as briefly as possible between two jobs.
func (s *Service) freed(w *worker, loaded string) {
	s.mu.Lock()
	w.busy, w.job = false, nil
	if loaded != "" {
		w.loaded = loaded
	}
	wait := s.assignLocked(time.Now())
	s.mu.Unlock()
	if wait > 0 {
		s.kick() // the dispatcher keeps the time
	}
}

// sameModel reports whether two checkpoint names mean the same model:
// the same by modelKey (any case, with or without extension and hash), or
// the same file in different folders ("sdxl/Juggernaut.safetensors
// [abc123]" and "juggernaut" are the same).
func sameModel(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	ka, kb := modelKey(a), modelKey(b)
	return ka == kb || baseName(ka) == baseName(kb)
}
