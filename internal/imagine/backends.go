package imagine

import (
	"context"
	"time"

	"github.com/imaginebot/imaginebot/internal/queue"
)

// This file holds what the core knows of each backend's health: the models
// it reads at start, the probes of a backend that is down, and the move of
// a dead backend's running job to another one.

// probeEvery is how often a backend that is down is asked whether it
// answers again.
const probeEvery = 2 * time.Second

// watch reads the backend's models at start, and whenever the backend is
// marked down probes it until it answers, then lets it take jobs again.
// It runs until ctx ends.
func (w *worker) watch(ctx context.Context) {
	if err := w.refresh(ctx); err != nil {
		w.log.Warn("cannot read the backend's models", "err", err)
		if len(w.svc.workers) > 1 {
			w.svc.setDown(w, err)
		}
	}
	t := time.NewTicker(probeEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		w.svc.mu.Lock()
		down := w.down
		w.svc.mu.Unlock()
		if down && w.refresh(ctx) == nil {
			w.svc.setUp(w)
		}
	}
}

// refresh reads the backend's loaded model and model list into the
// dispatcher's view.
func (w *worker) refresh(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	current, err := w.backend.CurrentModel(ctx)
	if err != nil {
		return err
	}
	models, err := w.backend.Models(ctx)
	if err != nil {
		return err
	}
	titles := make([]string, len(models))
	for i, m := range models {
		titles[i] = m.Title
	}
	w.svc.mu.Lock()
	w.loaded, w.models = current, titles
	w.svc.mu.Unlock()
	w.svc.cfg.Observer.ModelLoaded(w.name, current)
	return nil
}

// moveJob hands a job whose backend went down back to the front of the
// line, for another backend that offers its model, and marks this one
// down. With every backend down the job waits there until one answers
// again. A single backend has nowhere to move a job: it reports false and
// the job fails, as the retries are done.
func (w *worker) moveJob(it queue.Item[*job]) bool {
	s := w.svc
	if len(s.workers) < 2 {
		return false
	}
	s.setDown(w, ErrBackendDown)
	s.mu.Lock()
	j := it.Value
	j.cancel = nil
	j.rerun = true
	w.job = nil // it waits again
	// Published before the dispatcher can see the job: the next backend's
	// statuses come after this one.
	j.watch.publish(Status{Job: j.id, State: Queued, Position: 1, QueueLen: s.queue.Len() + 1, NoBackend: s.noBackendLocked(), Restarted: j.restarted, Params: j.params})
	s.rerun = append([]queue.Item[*job]{it}, s.rerun...)
	s.noteWaitingLocked()
	s.mu.Unlock()
	s.kick()
	w.log.Warn("backend down; its job moves to another backend", "job", j.id.String())
	return true
}

// noBackend reports whether several backends are configured and every one
// is down. (A single backend is never marked down: its jobs fail after
// the retries, as they always did.)
func (s *Service) noBackend() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.noBackendLocked()
}

func (s *Service) noBackendLocked() bool {
	for _, w := range s.workers {
		if !w.down {
			return false
		}
	}
	return len(s.workers) > 1
}

// setDown marks w down: it takes no jobs until a probe gets an answer.
func (s *Service) setDown(w *worker, err error) {
	s.mu.Lock()
	was := w.down
	w.down = true
	s.mu.Unlock()
	if !was {
		w.log.Warn("backend down; probing it until it answers", "err", err)
		s.cfg.Observer.BackendUp(w.name, false)
	}
	s.kick()
}

// setUp lets w take jobs again.
func (s *Service) setUp(w *worker) {
	s.mu.Lock()
	w.down = false
	s.mu.Unlock()
	w.log.Info("backend answers again; it takes jobs")
	s.cfg.Observer.BackendUp(w.name, true)
	s.kick()
}
