package imagine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/imaginebot/imaginebot/internal/catalog"
)

// InputSource gives a restored img2img job its user's picture again. The
// store never keeps a user's picture (see Request.Init), but a front end
// keeps the platform's reference to it in the job's Ref (a Telegram
// file_id, a Discord attachment link), by which it can fetch the picture
// again. A front end implements it and registers it with SetInputSource.
//
// Input fetches the picture ref names and checks it (Settings.CheckInput).
// It must return within ctx. Its error ends the job Failed with that
// error as the reason, so it should be a *UserError or an error the
// front end words for its users (say, the picture is gone: send it again);
// it must contain no secret.
type InputSource interface {
	Input(ctx context.Context, ref Ref) (*InputImage, error)
}

// Bounds of fetching restored jobs' pictures again (see restoreInputs).
const (
	restoreInputTimeout = 20 * time.Second // each picture
	restoreInputsAtOnce = 4                // each holds up to limits.max_input_bytes
)

// SetInputSource registers the source of the pictures of platform p's
// img2img jobs: after a restart, Restore fetches each restored img2img's
// picture again from it, by the job's Ref, before the job queues again;
// without one, a restored img2img fails saying the picture must be sent
// again. Call it before Restore (and before Run, which restores): jobs
// already restored are not fetched again. A nil src removes p's.
func (s *Service) SetInputSource(p Platform, src InputSource) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if src == nil {
		delete(s.inputs, p)
		return
	}
	if s.inputs == nil {
		s.inputs = map[Platform]InputSource{}
	}
	s.inputs[p] = src
}

// needsInput reports whether a restored job's picture must be fetched
// again: an img2img without its picture, whose front end can fetch it.
func needsInput(sj SavedJob, srcs map[Platform]InputSource) bool {
	return sj.Request.Kind == KindImg2Img && sj.Request.Init == nil && len(sj.Ref.Data) > 0 &&
		srcs[sj.Request.Requester.Platform] != nil
}

// restoreInputs fetches the pictures of the restored img2img jobs again
// from their platforms' sources, restoreInputsAtOnce at a time, each
// within restoreInputTimeout, and sets them as the jobs' Init. It returns
// the fetch errors by job (a job whose source failed); they end the jobs.
// It returns ctx's error if ctx ended first: then nothing is decided, and
// the jobs stay in the store for the next start.
func (s *Service) restoreInputs(ctx context.Context, jobs []SavedJob) (map[JobID]error, error) {
	s.mu.Lock()
	srcs := make(map[Platform]InputSource, len(s.inputs))
	for p, src := range s.inputs {
		srcs[p] = src
	}
	s.mu.Unlock()
	var todo []int
	for i, sj := range jobs {
		if needsInput(sj, srcs) {
			todo = append(todo, i)
		}
	}
	if len(todo) == 0 {
		return nil, nil
	}
	start := time.Now()
	errs := make([]error, len(jobs))
	sem := make(chan struct{}, restoreInputsAtOnce)
	var wg sync.WaitGroup
	for _, i := range todo {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			sj := &jobs[i]
			in, err := fetchInput(ctx, srcs[sj.Request.Requester.Platform], sj.Ref)
			if err != nil {
				errs[i] = err
				return
			}
			sj.Request.Init = in
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("fetch the restored jobs' pictures: %w", err)
	}
	failed := map[JobID]error{}
	for _, i := range todo {
		if errs[i] != nil {
			failed[jobs[i].ID] = errs[i]
		}
	}
	s.log.Info("fetched the restored jobs' pictures again", "pictures", len(todo)-len(failed), "failed", len(failed),
		"took", time.Since(start).Round(time.Millisecond))
	return failed, nil
}

// fetchInput fetches one picture within restoreInputTimeout. A source
// that does not answer in time without saying why, or that returns no
// picture, leaves the job without it: the user must send it again.
func fetchInput(ctx context.Context, src InputSource, ref Ref) (*InputImage, error) {
	ctx, cancel := context.WithTimeout(ctx, restoreInputTimeout)
	defer cancel()
	in, err := src.Input(ctx, ref)
	switch {
	case err != nil && errors.Is(err, context.DeadlineExceeded):
		return nil, fmt.Errorf("%w (%w)", userErr(ErrBadImage, catalog.MsgInputGone), err)
	case err != nil:
		return nil, err
	case in == nil || len(in.Data) == 0:
		return nil, userErr(ErrBadImage, catalog.MsgInputGone)
	}
	return in, nil
}
