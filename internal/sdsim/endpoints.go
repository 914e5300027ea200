package sdsim

import "net/http"

// The listing and control endpoints.

func (s *Sim) sdModels(w http.ResponseWriter, c *call) {
	writeJSON(w, http.StatusOK, s.cat.checkpoints)
}

func (s *Sim) loras(w http.ResponseWriter, c *call) {
	writeJSON(w, http.StatusOK, s.cat.loras)
}

func (s *Sim) samplers(w http.ResponseWriter, c *call) {
	writeJSON(w, http.StatusOK, samplers)
}

func (s *Sim) schedulers(w http.ResponseWriter, c *call) {
	if s.opts.NoSchedulers {
		writeRawJSON(w, http.StatusNotFound, []byte(`{"detail":"Not Found"}`))
		return
	}
	writeJSON(w, http.StatusOK, schedulers)
}

func (s *Sim) upscalers(w http.ResponseWriter, c *call) {
	writeJSON(w, http.StatusOK, upscalers)
}

func (s *Sim) latentUpscaleModes(w http.ResponseWriter, c *call) {
	out := make([]map[string]string, len(latentUpscaleModes))
	for i, m := range latentUpscaleModes {
		out[i] = map[string]string{"name": m}
	}
	writeJSON(w, http.StatusOK, out)
}

// interrupt serves POST /sdapi/v1/interrupt: whatever job runs stops at its
// next step and answers with the images as they are. Like A1111 it sets the
// flag even when idle; the next job's start clears it.
func (s *Sim) interrupt(w http.ResponseWriter, c *call) {
	s.mu.Lock()
	s.gen.interrupted = true
	s.mu.Unlock()
	s.log.Info("interrupt")
	writeRawJSON(w, http.StatusOK, []byte("{}"))
}

// skip serves POST /sdapi/v1/skip: the current batch stops, the next one runs.
func (s *Sim) skip(w http.ResponseWriter, c *call) {
	s.mu.Lock()
	s.gen.skipped = true
	s.mu.Unlock()
	writeRawJSON(w, http.StatusOK, []byte("null"))
}

// refreshCheckpoints serves POST /sdapi/v1/refresh-checkpoints, which waits
// for the job lock like A1111's.
func (s *Sim) refreshCheckpoints(w http.ResponseWriter, c *call) {
	s.enterBusy()
	defer s.leaveBusy()
	s.mu.Lock()
	ch := s.enqueueLocked()
	s.mu.Unlock()
	if !s.awaitJobLock(ch, c.rec) {
		s.drop(w)
		return
	}
	s.releaseJobLock(c.rec)
	writeRawJSON(w, http.StatusOK, []byte("null"))
}

func (s *Sim) refreshLoRAs(w http.ResponseWriter, c *call) {
	writeRawJSON(w, http.StatusOK, []byte("null"))
}
