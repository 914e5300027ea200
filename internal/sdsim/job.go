package sdsim

import (
	"fmt"
	"time"
)

// jobError is a Python exception raised inside a job, answered 500.
type jobError struct {
	cls, msg string
}

// jobResult is what a finished (or interrupted) job produced.
type jobResult struct {
	images       []outImage
	modelName    string // name_for_extra of the checkpoint the job ran on
	modelHash    string
	jobTimestamp string
	interrupted  bool
}

// outImage is one produced image: its scene, size and denoising fraction.
type outImage struct {
	index int // index into plan.seeds
	key   uint64
	w, h  int
	t     float64
}

// runJob runs a txt2img holding the job lock, updating the shared progress
// state the way A1111's text2imgapi and process_images do. ok is false when
// the Sim closed.
func (s *Sim) runJob(p *plan) (res jobResult, jerr *jobError, ok bool) {
	s.mu.Lock()
	s.gen.begin("scripts_txt2img", time.Now())
	s.tasks.start(p.taskID)
	res.jobTimestamp = s.gen.jobTimestamp
	restore, oerr := s.applyOverridesLocked(p)
	s.mu.Unlock()

	defer func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		restore()
		if ok && jerr == nil {
			s.tasks.finish(p.taskID, s.gen.samplingSteps)
		}
		// A failed job skips finish_task: its id stays current, as in A1111.
		s.gen.end()
	}()

	if oerr != nil {
		return res, oerr, true
	}
	// process_images: (re)load the checkpoint the job needs while job_count is -1.
	if ok, jerr = s.loadForJob(p); !ok || jerr != nil {
		return res, jerr, ok
	}
	s.mu.Lock()
	cp := s.cat.checkpoints[s.loaded]
	s.mu.Unlock()
	res.modelName, res.modelHash = cp.nameForExtra, cp.Hash

	if jerr = s.checkJob(p); jerr != nil {
		return res, jerr, true
	}
	passes := 1
	if p.enableHR {
		passes = 2
	}
	s.mu.Lock()
	s.gen.jobCount = p.nIter * passes
	s.mu.Unlock()

	stepsRun := 0
	for n := 0; n < p.nIter; n++ {
		s.mu.Lock()
		s.gen.skipped = false
		stop := s.gen.interrupted
		if p.nIter > 1 && !stop {
			s.gen.job = fmt.Sprintf("Batch %d out of %d", n+1, p.nIter)
		}
		s.mu.Unlock()
		if stop {
			break
		}
		lo, hi := n*p.batchSize, (n+1)*p.batchSize
		keys := p.keys[lo:hi]
		done, jerr, ok := s.samplePass(p, keys, p.outW, p.outH, p.steps, 0, &stepsRun)
		if !ok || jerr != nil {
			return res, jerr, ok
		}
		w, h, t := p.outW, p.outH, float64(done)/float64(p.steps)
		s.mu.Lock()
		interrupted := s.gen.interrupted
		s.mu.Unlock()
		if p.enableHR && !interrupted { // sample_hr_pass returns early when interrupted
			s.nextJob()
			done, jerr, ok := s.samplePass(p, keys, p.hrW, p.hrH, p.hrSteps, hrStart, &stepsRun)
			if !ok || jerr != nil {
				return res, jerr, ok
			}
			w, h, t = p.hrW, p.hrH, hrStart+(1-hrStart)*float64(done)/float64(p.hrSteps)
		}
		for i, k := range keys {
			res.images = append(res.images, outImage{index: lo + i, key: k, w: w, h: h, t: t})
		}
		s.nextJob()
	}
	s.mu.Lock()
	res.interrupted = s.gen.interrupted
	s.mu.Unlock()
	if len(res.images) == 0 {
		// Processed(..., info=infotexts[0]) on an empty list, as in A1111.
		return res, &jobError{"IndexError", "list index out of range"}, true
	}
	return res, nil, true
}

// hrStart is how denoised the picture looks when the hires pass starts.
const hrStart = 0.6

// checkJob raises the exceptions A1111 raises once the job runs: unknown
// refiner or hires checkpoints and upscalers, and sizes the GPU cannot hold.
func (s *Sim) checkJob(p *plan) *jobError {
	for _, name := range []string{p.req.str("refiner_checkpoint"), p.req.str("hr_checkpoint_name")} {
		if name == "" || name == "None" || name == "none" {
			continue
		}
		if _, ok := s.cat.lookup(name); !ok {
			return &jobError{"Exception", "Could not find checkpoint with name " + name}
		}
	}
	if p.enableHR && p.hrUpscaler != "" && !knownUpscaler(p.hrUpscaler) {
		return &jobError{"Exception", "could not find upscaler named " + p.hrUpscaler}
	}
	if p.steps < 1 || (p.enableHR && p.hrSteps < 1) {
		return &jobError{"IndexError", "index 0 is out of bounds for dimension 0 with size 0"}
	}
	if p.outW < 8 || p.outH < 8 || (p.enableHR && (p.hrW < 8 || p.hrH < 8)) {
		return &jobError{"RuntimeError", "cannot reshape tensor of 0 elements into shape [0, 4, -1, 0]"}
	}
	pixels := p.outW * p.outH
	if p.enableHR {
		pixels = max(pixels, p.hrW*p.hrH)
	}
	if pixels*max(p.batchSize, 1) > maxBatchPixels || max(0, p.batchSize)*max(0, p.nIter) > maxImages {
		return &jobError{"OutOfMemoryError", oomMessage}
	}
	return nil
}

// samplePass runs one sampling pass of steps steps, one StepDelay each, and
// returns how many steps completed before an interrupt or skip. stepsRun counts
// the job's steps for FaultOOM, which strikes on the second.
func (s *Sim) samplePass(p *plan, keys []uint64, w, h, steps int, t0 float64, stepsRun *int) (int, *jobError, bool) {
	s.mu.Lock()
	s.gen.samplingSteps = steps
	s.gen.samplingStep = 0
	s.mu.Unlock()
	done := 0
	for step := 1; step <= steps; step++ {
		s.mu.Lock()
		stop := s.gen.interrupted || s.gen.skipped
		s.mu.Unlock()
		if stop {
			break
		}
		if !s.sleep(s.opts.StepDelay) {
			return done, nil, false
		}
		*stepsRun++
		if p.oomFault && *stepsRun >= min(2, p.steps) {
			return done, &jobError{"OutOfMemoryError", oomMessage}, true
		}
		s.mu.Lock()
		s.gen.samplingStep = step
		lk := keys
		if !s.settingBoolLocked("show_progress_grid", true) && len(lk) > 1 {
			lk = lk[:1]
		}
		s.gen.latent = &latent{keys: lk, w: w, h: h, t: t0 + (1-t0)*float64(step)/float64(steps)}
		s.mu.Unlock()
		done = step
	}
	return done, nil, true
}

// nextJob is State.nextjob with the current preview settings.
func (s *Sim) nextJob() {
	s.mu.Lock()
	defer s.mu.Unlock()
	every, on := s.previewSettingsLocked()
	s.gen.nextjob(every, on)
}

// loadForJob loads the checkpoint the job runs on, if it is not loaded: the
// override's, or the selected one (which may differ after an earlier
// override). It runs while job_count is -1, holding the job lock.
func (s *Sim) loadForJob(p *plan) (bool, *jobError) {
	s.mu.Lock()
	target := s.selected
	need := s.loaded != target
	s.mu.Unlock()
	if !need {
		return true, nil
	}
	if !s.sleep(s.opts.ModelLoadDelay) {
		return false, nil
	}
	s.mu.Lock()
	s.setLoadedLocked(target)
	s.mu.Unlock()
	return true, nil
}
