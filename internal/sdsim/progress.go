package sdsim

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"time"
)

// stateJSON is shared.state.dict(), plus the seed server's task_id.
type stateJSON struct {
	Skipped            bool    `json:"skipped"`
	Interrupted        bool    `json:"interrupted"`
	StoppingGeneration *bool   `json:"stopping_generation,omitempty"`
	Job                string  `json:"job"`
	JobCount           int     `json:"job_count"`
	JobTimestamp       string  `json:"job_timestamp"`
	JobNo              int     `json:"job_no"`
	SamplingStep       int     `json:"sampling_step"`
	SamplingSteps      int     `json:"sampling_steps"`
	TaskID             *string `json:"task_id,omitempty"`
}

// progressJSON is ProgressResponse of GET /sdapi/v1/progress.
type progressJSON struct {
	Progress     float64   `json:"progress"`
	ETARelative  float64   `json:"eta_relative"`
	State        stateJSON `json:"state"`
	CurrentImage *string   `json:"current_image"`
	TextInfo     *string   `json:"textinfo"`
}

func (s *Sim) stateLocked() stateJSON {
	st := stateJSON{
		Skipped: s.gen.skipped, Interrupted: s.gen.interrupted,
		Job: s.gen.job, JobCount: s.gen.jobCount, JobTimestamp: s.gen.jobTimestamp, JobNo: s.gen.jobNo,
		SamplingStep: s.gen.samplingStep, SamplingSteps: s.gen.samplingSteps,
	}
	if s.opts.Flavor != FlavorGlobal {
		st.StoppingGeneration = new(bool)
	}
	return st
}

// globalProgress serves GET /sdapi/v1/progress: A1111's global answer, or in
// the seed flavour the answer for ?task_id=.
func (s *Sim) globalProgress(w http.ResponseWriter, c *call) {
	q := c.r.URL.Query()
	skip := false
	if q.Has("skip_current_image") {
		b, ok := toBool(q.Get("skip_current_image"))
		if !ok {
			write422(w, []validationError{{Loc: []any{"query", "skip_current_image"},
				Msg: "value could not be parsed to a boolean", Type: "type_error.bool"}})
			return
		}
		skip = b
	}
	seed := s.opts.Flavor == FlavorSeed
	id, perTask := q.Get("task_id"), seed && q.Has("task_id")
	if q.Has("task_id") {
		s.setRecordTask(c.rec, id)
	}

	now := time.Now()
	s.mu.Lock()
	resp := progressJSON{}
	var pv *preview
	switch {
	case perTask && s.isPendingLocked(id):
		t, _ := s.tasks.pendingTask(id)
		resp.State = stateJSON{StoppingGeneration: new(bool), JobTimestamp: s.gen.jobTimestamp, SamplingSteps: t.steps}
		resp.TextInfo = strp("In queue")
	case perTask && id != s.tasks.current && s.isFinishedLocked(id):
		t, _ := s.tasks.finishedTask(id)
		resp.Progress = 1
		resp.State = stateJSON{StoppingGeneration: new(bool), JobTimestamp: s.gen.jobTimestamp, SamplingStep: t.steps, SamplingSteps: t.steps}
	default:
		pv = s.globalProgressLocked(now, skip, &resp)
		if seed {
			switch {
			case !perTask:
				id = s.tasks.current
			case id != s.tasks.current:
				id = "" // unknown task: the global answer
			}
		}
	}
	if seed {
		resp.State.TaskID = &id
	}
	s.mu.Unlock()
	if pv != nil {
		resp.CurrentImage = strp(base64.StdEncoding.EncodeToString(pv.image()))
	}
	writeJSON(w, http.StatusOK, resp)
}

// globalProgressLocked fills resp with A1111's progressapi answer and returns
// the preview to send, if any.
func (s *Sim) globalProgressLocked(now time.Time, skip bool, resp *progressJSON) *preview {
	resp.State = s.stateLocked()
	prog, eta, running := s.gen.progress(now)
	if !running {
		return nil
	}
	resp.Progress, resp.ETARelative = prog, eta
	every, on := s.previewSettingsLocked()
	s.gen.setCurrentImage(every, on) // decoded even when the image is skipped, as in A1111
	if skip {
		return nil
	}
	return s.gen.currentImage
}

func (s *Sim) isPendingLocked(id string) bool {
	_, ok := s.tasks.pendingTask(id)
	return ok
}

func (s *Sim) isFinishedLocked(id string) bool {
	_, ok := s.tasks.finishedTask(id)
	return ok
}

// progressReqFields is progress.py's ProgressRequest.
var progressReqFields = []field{
	{"id_task", kindStr, nil},
	{"id_live_preview", kindInt, int64(-1)},
	{"live_preview", kindBool, true},
}

// taskProgressJSON is progress.py's ProgressResponse.
type taskProgressJSON struct {
	Active        bool     `json:"active"`
	Queued        bool     `json:"queued"`
	Completed     bool     `json:"completed"`
	Progress      *float64 `json:"progress"`
	ETA           *float64 `json:"eta"`
	LivePreview   *string  `json:"live_preview"`
	IDLivePreview *int64   `json:"id_live_preview"`
	TextInfo      *string  `json:"textinfo"`
}

// taskProgress serves POST /internal/progress (A1111 flavour) like
// modules/progress.py.
func (s *Sim) taskProgress(w http.ResponseWriter, c *call) {
	m, errs := decodeModel(c.r, c.body, progressReqFields)
	if errs != nil {
		write422(w, errs)
		return
	}
	idTask, hasID := m.get("id_task").(string)
	s.setRecordTask(c.rec, idTask)
	idLive, hasLive := m.get("id_live_preview").(int64)
	wantPreview := m.bool("live_preview", false) // None is falsy

	now := time.Now()
	s.mu.Lock()
	cur := s.tasks.current
	// None == None when idle: omitting id_task reports "active", as in A1111.
	active := (!hasID && cur == "") || (hasID && cur != "" && idTask == cur)
	resp := taskProgressJSON{
		Active:    active,
		Queued:    hasID && s.isPendingLocked(idTask),
		Completed: hasID && s.isFinishedLocked(idTask),
	}
	if !active {
		text := "Waiting..."
		if resp.Queued {
			pos, n := s.tasks.queuePos(idTask)
			text = fmt.Sprintf("In queue: %d/%d", pos, n)
		}
		s.mu.Unlock()
		minus1 := int64(-1)
		resp.IDLivePreview, resp.TextInfo = &minus1, &text
		writeJSON(w, http.StatusOK, resp)
		return
	}
	prog, eta := s.gen.taskProgress(now)
	resp.Progress, resp.ETA = &prog, eta
	if hasLive {
		resp.IDLivePreview = &idLive
	}
	var pv *preview
	every, on := s.previewSettingsLocked()
	if on && wantPreview {
		s.gen.setCurrentImage(every, on)
		if s.gen.currentImage != nil && (!hasLive || int64(s.gen.idLivePreview) != idLive) {
			pv = s.gen.currentImage
			id := int64(s.gen.idLivePreview)
			resp.IDLivePreview = &id
		}
	}
	s.mu.Unlock()
	if pv != nil {
		resp.LivePreview = strp("data:image/png;base64," + base64.StdEncoding.EncodeToString(pv.image()))
	}
	writeJSON(w, http.StatusOK, resp)
}

// pendingTasks serves GET /internal/pending-tasks (A1111 flavour).
func (s *Sim) pendingTasks(w http.ResponseWriter, c *call) {
	s.mu.Lock()
	ids := make([]string, len(s.tasks.pending))
	for i, t := range s.tasks.pending {
		ids[i] = t.id
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"size": len(ids), "tasks": ids})
}
