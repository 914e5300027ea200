package imagine

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/queue"
)

// worker runs jobs on one backend, one at a time, and the model switches
// the dispatcher hands it between them.
type worker struct {
	idx     int // its place in Service.workers
	name    string
	kind    string // NamedBackend.Kind
	backend Backend
	svc     *Service
	log     *slog.Logger
	jobs    chan queue.Item[*job] // cap 1: from the dispatcher
	ops     chan *switchOp        // cap 1: from the dispatcher

	// The dispatcher's view, guarded by Service.mu.
	busy   bool
	down   bool
	loaded string   // the checkpoint loaded, as last reported ("" unknown)
	models []string // the checkpoints it lists (titles); nil: unknown
	// job is the job handed to it, until it is freed or the job moves to
	// another backend; since is when it was handed over. For Overview.
	job   *job
	since time.Time
}

// offers reports whether the backend lists model, or its list is unknown.
func (w *worker) offers(model string) bool {
	if w.models == nil {
		return true
	}
	for _, m := range w.models {
		if sameModel(m, model) {
			return true
		}
	}
	return false
}

// run takes what the dispatcher hands it until ctx ends, running jobs on a
// context derived from jobsCtx (which outlives ctx by the shutdown
// timeout).
func (w *worker) run(ctx, jobsCtx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case it := <-w.jobs:
			w.svc.freed(w, w.runJob(jobsCtx, it))
		case op := <-w.ops:
			w.svc.freed(w, w.runSwitch(ctx, op))
		}
	}
}

// runJob runs one job and publishes its statuses; whatever happens, the
// job ends with a terminal status and the worker goes on, unless the
// backend went down and another one can take the job: then it goes back
// to the front of the line. It returns the model the backend has loaded
// after the job, "" if unknown.
func (w *worker) runJob(ctx context.Context, it queue.Item[*job]) (loaded string) {
	s := w.svc
	j := it.Value
	moved := false
	defer func() {
		if !moved {
			s.queue.Done(it.ID)
		}
	}()

	jctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.mu.Lock()
	skip, endErr := j.cancelled, j.endErr
	j.cancel = cancel
	j.params.NegativePrompt = s.settings.negative(j.req) // see Submit
	if skip {
		s.forgetLocked(j)
		s.saveEnd(j, JobEnd{Outcome: skipped(endErr)})
	} else {
		// Under s.mu, so that the stored turns follow the queue's in order
		// (see queue.Turn).
		var next *queue.Turn
		if t, ok := s.queue.Turn(j.req.Requester.Key()); ok {
			next = &t
		}
		if err := s.store.StartJob(context.Background(), j.id, next); err != nil {
			s.storeFailed("start job", err)
		}
	}
	s.mu.Unlock()
	if skip {
		if endErr != nil {
			j.watch.publish(Status{Job: j.id, State: Failed, Err: endErr, Params: j.params})
			logJobEnd(w.log, j, Failed, time.Since(j.submitted), 0, endErr)
			return ""
		}
		j.watch.publish(Status{Job: j.id, State: Cancelled, Err: ErrCancelled, Params: j.params})
		return ""
	}

	start := time.Now()
	s.stats.jobStarted(w.idx, start)
	obs := s.cfg.Observer
	obs.JobStarted(w.name)
	running := Status{Job: j.id, State: Running, Steps: j.params.Steps, StartedAt: start, Restarted: j.restarted, Rerun: j.rerun, Params: j.params}
	j.watch.publish(running)
	res, err := w.generate(jctx, j)
	took := time.Since(start)
	s.stats.jobEnded(w.idx, start.Add(took))
	if err != nil && errors.Is(err, ErrBackendDown) && !j.cancelled && ctx.Err() == nil && w.moveJob(it) {
		moved = true
		obs.JobEnded(JobReport{Backend: w.name, Platform: j.req.Requester.Platform, Outcome: Queued, Wait: start.Sub(j.submitted), Run: took})
		return ""
	}

	// The job leaves s.jobs before its end is published: whoever sees the
	// end and then presses Cancel gets ErrJobNotFound, not a silent nil.
	s.mu.Lock()
	cancelled, endErr := j.cancelled, j.endErr
	s.forgetLocked(j)
	s.mu.Unlock()
	final := Status{Job: j.id, Params: j.params, StartedAt: start, Duration: took}
	switch {
	case cancelled && endErr != nil:
		final.State, final.Err = Failed, endErr
	case cancelled:
		final.State, final.Err = Cancelled, ErrCancelled
	case err == nil:
		final.State, final.Result = Done, res
		s.stats.imagesDone(start.Add(took), len(res.Images))
	case ctx.Err() != nil && s.store.Durable():
		// Cut by the shutdown: it runs again after the restart.
		final.State, final.Restarted, final.Rerun = Restarting, j.restarted, true
	case ctx.Err() != nil:
		final.State, final.Err = Failed, userErr(ErrShuttingDown, catalog.MsgStoppedByRestart)
	default:
		final.State, final.Err = Failed, err
	}
	if final.State == Restarting {
		// The store keeps it as running: it runs again first after the
		// restart, as after a crash.
		j.watch.publish(final)
		w.log.Info("job cut by the shutdown; it runs again after the restart", "job", j.id.String())
		return ""
	}
	// Saved before it is published, so that the result's buttons find it.
	s.saveEnd(j, JobEnd{Outcome: final.State, Result: res})
	j.watch.publish(final)
	report := JobReport{Backend: w.name, Platform: j.req.Requester.Platform, Outcome: final.State, Wait: start.Sub(j.submitted), Run: took}
	if final.State == Done {
		report.Images = len(res.Images)
	}
	obs.JobEnded(report)

	var logErr error
	if !cancelled || endErr != nil {
		logErr = final.Err
	}
	logJobEnd(w.log, j, final.State, start.Sub(j.submitted), took, logErr)
	if res != nil {
		return res.Model
	}
	return ""
}

// generate runs the job on the backend, retrying a few times while the
// backend is unreachable.
func (w *worker) generate(ctx context.Context, j *job) (*Result, error) {
	var previews int
	progress := func(p Progress) {
		j.watch.update(func(st *Status) bool {
			st.Progress, st.Step, st.ETA = p.Fraction, p.Step, p.ETA
			if p.Steps > 0 {
				st.Steps = p.Steps
			}
			if p.Preview != nil {
				previews++
				st.Preview, st.PreviewSeq = p.Preview, previews
			}
			return true
		})
	}
	for attempt := 0; ; attempt++ {
		res, err := w.backend.Generate(ctx, j.params, progress)
		if err == nil || !errors.Is(err, ErrBackendDown) || attempt >= len(w.svc.cfg.RetryDelays) || len(w.svc.workers) > 1 {
			return res, err
		}
		w.log.Info("backend unreachable, retrying", "job", j.id.String(), "attempt", attempt+1, "err", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(w.svc.cfg.RetryDelays[attempt]):
		}
	}
}

// logJobEnd writes the one log line every job gets when it ends: who, where,
// what size, how long it waited and ran, and how it ended.
func logJobEnd(log *slog.Logger, j *job, outcome State, wait, run time.Duration, err error) {
	p := j.params
	attrs := []any{
		"job", j.id.String(), "user", j.req.Requester.Key(), "platform", string(j.req.Requester.Platform), "kind", p.Kind.String(),
		"size", sizeString(p.Width, p.Height), "steps", p.Steps, "batch", p.BatchSize,
		"wait", wait.Round(time.Millisecond), "run", run.Round(time.Millisecond),
		"outcome", outcome.String(),
	}
	if err != nil {
		log.Warn("job ended", append(attrs, "err", err)...)
	} else {
		log.Info("job ended", attrs...)
	}
}

// skipped is the outcome of a job cancelled before it started: Failed with
// an end reason (Block), else Cancelled.
func skipped(endErr error) State {
	if endErr != nil {
		return Failed
	}
	return Cancelled
}
