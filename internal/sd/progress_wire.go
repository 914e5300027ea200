package sd

import (
	"math"
	"time"
)

// sdProgressWire is GET /sdapi/v1/progress. The seed server's state may carry
// only sampling_step, sampling_steps and task_id.
type sdProgressWire struct {
	Progress    number `json:"progress"`
	ETARelative number `json:"eta_relative"`
	State       struct {
		JobCount      *integer `json:"job_count"` // nil when the server does not say
		JobNo         integer  `json:"job_no"`
		SamplingStep  integer  `json:"sampling_step"`
		SamplingSteps integer  `json:"sampling_steps"`
		TaskID        optText  `json:"task_id"` // absent on stock servers
	} `json:"state"`
	CurrentImage text `json:"current_image"`
}

// optText is a JSON string whose presence matters, even when it is null.
type optText struct {
	set bool
	s   string
}

func (t *optText) UnmarshalJSON(b []byte) error {
	*t = optText{set: true, s: scalarText(b)}
	return nil
}

// running reports whether the server is sampling some job.
func (w *sdProgressWire) running() bool {
	st := w.State
	if st.JobCount != nil && *st.JobCount <= 0 {
		return false
	}
	return st.SamplingSteps > 0 && st.SamplingStep > 0
}

// sample reads the global progress. job_count <= 0 (idle, between jobs,
// loading a model) and sampling_steps == 0 (not sampling yet) carry no
// numbers worth showing: stock A1111 reports a huge ETA then.
func (w *sdProgressWire) sample(tr *tracker) Progress {
	p := Progress{Preview: tr.changedPreview(string(w.CurrentImage))}
	st := w.State
	if (st.JobCount != nil && *st.JobCount <= 0) || st.SamplingSteps <= 0 {
		return p
	}
	p.Steps = int(st.SamplingSteps)
	p.Step = min(max(int(st.SamplingStep), 0), p.Steps)
	f := float64(w.Progress)
	if f <= 0 {
		f = float64(p.Step) / float64(p.Steps)
		if st.JobCount != nil && *st.JobCount > 0 {
			f = (float64(st.JobNo) + f) / float64(*st.JobCount)
		}
	}
	p.Fraction = clamp01(f)
	p.ETA = seconds(float64(w.ETARelative))
	return p
}

// taskSample reads the seed server's answer for tr's task: another task_id
// means ours has not started yet.
func (w *sdProgressWire) taskSample(tr *tracker) Progress {
	if !w.State.TaskID.set || w.State.TaskID.s != tr.taskID {
		return Progress{Queued: true}
	}
	return w.sample(tr)
}

// internalProgressWire is POST /internal/progress (A1111 >= 1.8, Forge).
type internalProgressWire struct {
	Active        bool     `json:"active"`
	Queued        bool     `json:"queued"`
	Completed     bool     `json:"completed"`
	Progress      number   `json:"progress"`
	ETA           number   `json:"eta"`
	LivePreview   text     `json:"live_preview"`
	IDLivePreview *integer `json:"id_live_preview"`
}

// sample reads the answer for tr's task. A task the server does not know
// (yet) counts as queued: the first poll can beat txt2img to the server.
func (w *internalProgressWire) sample(tr *tracker) Progress {
	var p Progress
	if w.IDLivePreview != nil {
		id := int(*w.IDLivePreview)
		if w.LivePreview != "" && id != tr.previewID {
			p.Preview = decodePreview(string(w.LivePreview))
		}
		tr.previewID = id
	} else {
		p.Preview = tr.changedPreview(string(w.LivePreview))
	}
	switch {
	case w.Active:
		p.Fraction = clamp01(float64(w.Progress))
		p.ETA = seconds(float64(w.ETA))
	case w.Completed:
		p.Fraction = 1
	default:
		p.Queued = true
	}
	return p
}

// changedPreview decodes b64 when it differs from the last preview seen.
func (tr *tracker) changedPreview(b64 string) []byte {
	if b64 == "" || b64 == tr.lastPreview {
		return nil
	}
	tr.lastPreview = b64
	return decodePreview(b64)
}

// decodePreview decodes a preview image, or returns nil: a broken preview is
// not worth failing a poll for.
func decodePreview(s string) []byte {
	b, err := decodeImage(s)
	if err != nil || len(b) == 0 {
		return nil
	}
	return b
}

func clamp01(f float64) float64 {
	if math.IsNaN(f) {
		return 0
	}
	return min(max(f, 0), 1)
}

// seconds converts a server's ETA in seconds; negative or absurd values
// (over a day) are unknown.
func seconds(s float64) time.Duration {
	if math.IsNaN(s) || s <= 0 || s > 86400 {
		return 0
	}
	return time.Duration(s * float64(time.Second))
}
