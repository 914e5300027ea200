package imagine

import (
	"context"
	"fmt"
	"time"

	"github.com/imaginebot/imaginebot/internal/queue"
)

// Resumed is a job that came back after a restart, for the front end whose
// platform asked for it: its ticket (the watch's first status is Queued
// with Restarted set, and Rerun when it had started), its request, and the
// references the front end saved with SetRef.
type Resumed struct {
	Ticket  *Ticket
	Request Request
	Ref     Ref
}

// Restore loads the blocks admins set (Block) and the jobs the store kept
// from the last run, and queues the jobs again, in the order they would
// have started: jobs that were running run again first. It runs once; Run calls it if the caller did not. A job
// that can no longer run as asked (the configuration changed) fails with
// the reason. An img2img's picture is fetched again from its platform's
// InputSource (SetInputSource) before the jobs queue; when that fails,
// the job fails with the source's reason. Errors are the store's, e.g. an
// unreadable database, or ctx's if it ends while pictures are fetched.
func (s *Service) Restore(ctx context.Context) error {
	s.restoreOnce.Do(func() { s.restoreErr = s.restore(ctx) })
	return s.restoreErr
}

func (s *Service) restore(ctx context.Context) error {
	blocks, err := s.store.Blocks(ctx)
	if err != nil {
		return fmt.Errorf("load blocks: %w", err)
	}
	s.mod.setBlocks(blocks)
	saved, err := s.store.LoadJobs(ctx)
	if err == nil && len(saved.Jobs) > 0 && len(s.settings.Profiles) > 0 {
		// The jobs' profiles follow their models: learn what the backends
		// have loaded first (bounded, as for the first Submit).
		s.currentLists(ctx, firstListWait)
	}
	if err != nil {
		return fmt.Errorf("load jobs: %w", err)
	}
	// The img2imgs' pictures come again from their front ends, which must
	// not wait for s.mu.
	inputErrs, err := s.restoreInputs(ctx, saved.Jobs)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastID = max(s.lastID, saved.LastID)
	var running, waiting []queue.Saved[*job]
	for _, sj := range saved.Jobs {
		s.lastID = max(s.lastID, sj.ID)
		ref := sj.Ref
		j := &job{id: sj.ID, req: sj.Request, submitted: sj.Submitted, restarted: true, rerun: sj.State == Running, ref: &ref}
		s.resumed = append(s.resumed, j)
		if sj.Request.Kind == KindUpscale && sj.Request.From != nil {
			// The image to enlarge is a result the store keeps; an img2img's
			// own image is not kept: its front end fetched it again
			// (restoreInputs), else Resolve says it is gone.
			if img, err := s.store.Image(ctx, sj.Request.From.Job, sj.Request.From.Index); err == nil {
				sj.Request.Init = &InputImage{Data: img}
				j.req.Init = sj.Request.Init
			}
		}
		p, err := s.settings.Resolve(sj.Request)
		if ferr := inputErrs[sj.ID]; ferr != nil {
			err = ferr
		}
		if err != nil {
			j.params = Params{UserPrompt: sj.Request.Prompt}
			j.watch = newWatch(Status{Job: j.id, State: Failed, Err: err, Restarted: true, Params: j.params})
			s.saveEnd(j, JobEnd{Outcome: Failed})
			logJobEnd(s.log, j, Failed, time.Since(j.submitted), 0, err)
			continue
		}
		p.NegativePrompt = ""
		j.params = p
		j.watch = newWatch(Status{Job: j.id, State: Queued, Position: 1, QueueLen: 1, Restarted: true, Rerun: j.rerun, Params: p})
		s.jobs[j.id] = j
		s.pending[sj.Request.Requester.Key()] += p.BatchSize
		saved := queue.Saved[*job]{User: sj.Request.Requester.Key(), Value: j}
		if j.rerun {
			running = append(running, saved)
		} else {
			waiting = append(waiting, saved)
		}
	}
	items, ids := s.queue.Restore(running, waiting, saved.Turns)
	for _, it := range items {
		it.Value.qid = it.ID
	}
	for i, id := range ids {
		waiting[i].Value.qid = id
	}
	s.rerun = items
	s.noteWaitingLocked()
	snap := s.queue.Snapshot()
	for i, it := range snap.Waiting {
		it.Value.watch.update(func(st *Status) bool {
			st.Position, st.QueueLen = len(items)+i+1, len(snap.Waiting)
			return true
		})
	}
	if len(saved.Jobs) > 0 {
		s.log.Info("restored the jobs of the last run", "waiting", len(waiting), "run_again", len(running), "failed", len(saved.Jobs)-len(waiting)-len(running))
	}
	return nil
}

// Resumed returns the jobs restored at start that came from platform p
// (restoring them first if that has not happened yet).
func (s *Service) Resumed(p Platform) []Resumed {
	if err := s.Restore(context.Background()); err != nil {
		s.log.Error("cannot restore the stored jobs", "err", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Resumed
	for _, j := range s.resumed {
		if j.req.Requester.Platform != p {
			continue
		}
		params := j.params
		params.NegativePrompt = s.settings.negative(j.req)
		out = append(out, Resumed{Ticket: &Ticket{ID: j.id, Params: params, Watch: j.watch}, Request: j.req, Ref: *j.ref})
	}
	return out
}

// SetRef saves the front end's references for a job (its messages, and a
// secret such as an interaction token that is deleted when the job ends),
// so that it can find them after a restart. A store failure is logged and
// counted; the job goes on.
func (s *Service) SetRef(id JobID, ref Ref) {
	if err := s.store.SetRef(context.Background(), id, ref); err != nil {
		s.storeFailed("set ref", err)
		return
	}
	s.storeOK()
}

// forgetLocked removes an ending job from the jobs in flight. s.mu is held.
func (s *Service) forgetLocked(j *job) {
	delete(s.jobs, j.id)
	user := j.req.Requester.Key()
	if s.pending[user] -= j.params.BatchSize; s.pending[user] <= 0 {
		delete(s.pending, user)
	}
}

// saveEnd records how j ended.
func (s *Service) saveEnd(j *job, e JobEnd) {
	e.ID, e.User, e.Width, e.Height, e.At = j.id, j.req.Requester.Key(), j.params.Width, j.params.Height, time.Now()
	if err := s.store.EndJob(context.Background(), e); err != nil {
		s.storeFailed("end job", err)
		return
	}
	s.storeOK()
}

// storeFailed logs and counts a failed store write; the job it was for goes
// on, and StoreHealthy reports the error until a write succeeds.
func (s *Service) storeFailed(op string, err error) {
	s.log.Error("store write failed; the job goes on but may not survive a restart", "op", op, "err", err)
	s.cfg.Observer.StoreFailed(op)
	s.storeMu.Lock()
	s.storeErr = fmt.Errorf("%s: %w", op, err)
	s.storeMu.Unlock()
}

func (s *Service) storeOK() {
	s.storeMu.Lock()
	s.storeErr = nil
	s.storeMu.Unlock()
}

// StoreHealthy reports the error of the last store operation, nil once one
// succeeds again, for /healthz.
func (s *Service) StoreHealthy(context.Context) error {
	s.storeMu.Lock()
	defer s.storeMu.Unlock()
	return s.storeErr
}

// pruneEvery is how often old records are deleted.
const pruneEvery = time.Hour

// prune deletes records older than the retention at start and every hour.
func (s *Service) prune(ctx context.Context) {
	t := time.NewTicker(pruneEvery)
	defer t.Stop()
	for {
		n, err := s.store.Prune(ctx, time.Now().Add(-s.cfg.Retention))
		switch {
		case err != nil && ctx.Err() == nil:
			s.storeFailed("prune", err)
		case n > 0:
			s.log.Info("pruned old results", "records", n, "retention", s.cfg.Retention)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
