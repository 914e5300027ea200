package sd

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"
)

// ProgressMode is the mechanism a server offers to follow one task's
// progress. A Client detects it during its first generation and remembers it.
type ProgressMode int

const (
	// ModeUnknown means the client has not decided yet.
	ModeUnknown ProgressMode = iota
	// ModeTaskID is the seed server: GET /sdapi/v1/progress?task_id=X
	// answers with state.task_id == X while X runs.
	ModeTaskID
	// ModeInternal is stock A1111 >= 1.8 and Forge in UI mode: txt2img's
	// force_task_id plus POST /internal/progress.
	ModeInternal
	// ModeGlobal is everything else (SD.Next, --nowebui): the global
	// /sdapi/v1/progress, which is right while the bot runs one job per server.
	ModeGlobal
)

// String returns the mode's name: "unknown", "task_id", "internal" or "global".
func (m ProgressMode) String() string {
	switch m {
	case ModeTaskID:
		return "task_id"
	case ModeInternal:
		return "internal"
	case ModeGlobal:
		return "global"
	}
	return "unknown"
}

// Progress is one progress sample of a running task.
type Progress struct {
	Fraction float64       // 0..1; rarely reaches 1: the txt2img answer is the completion signal
	Step     int           // sampling step, 0 when unknown
	Steps    int           // sampling steps, 0 when unknown
	ETA      time.Duration // 0 when unknown
	Queued   bool          // the server has not started the task yet (per-task modes only)
	Preview  []byte        // a new live preview (PNG/JPEG bytes) since the last sample, or nil
}

// Mode returns the progress mode detected for this server so far.
func (c *Client) Mode() ProgressMode {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mode
}

// setMode remembers m, logging when it changes.
func (c *Client) setMode(m ProgressMode) {
	c.mu.Lock()
	old := c.mode
	c.mode = m
	c.mu.Unlock()
	if old != m {
		c.log.Info("sd progress mode detected", "mode", m.String(), "previous", old.String())
	}
}

// forgetMode drops a remembered mode that stopped working, unless another
// poll has already replaced it.
func (c *Client) forgetMode(m ProgressMode) {
	c.mu.Lock()
	forgot := c.mode == m
	if forgot {
		c.mode = ModeUnknown
	}
	c.mu.Unlock()
	if forgot {
		c.log.Info("sd progress mode stopped working; detecting again", "mode", m.String())
	}
}

// tracker is what one task's polls remember between samples. It belongs to
// the goroutine that polls.
type tracker struct {
	taskID      string // the seed server's task_id
	forceTaskID string // A1111's force_task_id
	previewID   int    // the last id_live_preview (ModeInternal)
	lastPreview string // the last base64 preview (other modes)
	votes       int    // evidence that /internal/progress does not track our task
}

func newTracker(taskID, forceTaskID string) *tracker {
	return &tracker{taskID: taskID, forceTaskID: forceTaskID, previewID: -1}
}

// globalVotes is how many polls must suggest that /internal/progress does not
// track API tasks (SD.Next) before the client settles on ModeGlobal.
const globalVotes = 2

// Progress asks the server how task taskID is doing, using and updating the
// detected mode. Every Preview present is returned, as there is no previous
// sample to compare with. With an empty taskID it reports the global progress.
func (c *Client) Progress(ctx context.Context, taskID string) (Progress, error) {
	return c.poll(ctx, newTracker(taskID, taskID))
}

// poll takes one progress sample for tr, bounded by the call timeout.
func (c *Client) poll(ctx context.Context, tr *tracker) (Progress, error) {
	ctx, cancel := context.WithTimeout(ctx, c.callTimeout)
	defer cancel()
	if tr.taskID == "" && tr.forceTaskID == "" {
		w, err := c.sdProgress(ctx, "")
		if err != nil {
			return Progress{}, err
		}
		return w.sample(tr), nil
	}
	switch mode := c.Mode(); mode {
	case ModeTaskID:
		w, err := c.sdProgress(ctx, tr.taskID)
		switch {
		case err == nil && w.State.TaskID.set:
			return w.taskSample(tr), nil
		case err == nil || isStatus(err, http.StatusNotFound):
			c.forgetMode(mode)
		default:
			return Progress{}, err
		}
	case ModeInternal:
		w, err := c.internalProgress(ctx, tr)
		switch {
		case err == nil:
			return w.sample(tr), nil
		case isClientError(err):
			c.forgetMode(mode)
		default:
			return Progress{}, err
		}
	case ModeGlobal:
		w, err := c.sdProgress(ctx, "")
		if err != nil {
			return Progress{}, err
		}
		return w.sample(tr), nil
	}
	return c.detect(ctx, tr)
}

// detect samples progress while the mode is unknown, and decides the mode
// only on clear evidence: a poll may run before the server has registered
// the task, and a wrong guess would stick.
func (c *Client) detect(ctx context.Context, tr *tracker) (Progress, error) {
	w, err := c.sdProgress(ctx, tr.taskID)
	if err != nil {
		return Progress{}, err
	}
	if w.State.TaskID.set { // the seed server, or a copy of it
		if tr.taskID != "" && w.State.TaskID.s == tr.taskID {
			c.setMode(ModeTaskID)
		}
		return w.taskSample(tr), nil
	}
	iw, err := c.internalProgress(ctx, tr)
	switch {
	case err == nil && (iw.Active || iw.Queued || iw.Completed):
		c.setMode(ModeInternal)
		return iw.sample(tr), nil
	case isClientError(err):
		// No /internal/progress (--nowebui, a proxy that only passes
		// /sdapi) or one that does not take our request.
		c.setMode(ModeGlobal)
	case err == nil && !w.running():
		// The task is not registered yet and nothing runs: no evidence.
	case err == nil:
		// Something runs but /internal/progress does not know our task:
		// SD.Next never registers API tasks there.
		c.vote(tr)
	default:
		c.log.DebugContext(ctx, "sd /internal/progress failed", "err", err)
		c.vote(tr)
	}
	return w.sample(tr), nil
}

// vote counts one poll of evidence for ModeGlobal and settles on it once
// there is enough.
func (c *Client) vote(tr *tracker) {
	tr.votes++
	if tr.votes >= globalVotes {
		c.setMode(ModeGlobal)
	}
}

// sdProgress polls GET /sdapi/v1/progress, with ?task_id= when taskID is set.
func (c *Client) sdProgress(ctx context.Context, taskID string) (*sdProgressWire, error) {
	path := "/sdapi/v1/progress"
	if taskID != "" {
		path += "?task_id=" + url.QueryEscape(taskID)
	}
	var w sdProgressWire
	if err := c.call(ctx, http.MethodGet, path, nil, &w); err != nil {
		return nil, err
	}
	return &w, nil
}

// internalProgress polls POST /internal/progress for tr's force_task_id.
func (c *Client) internalProgress(ctx context.Context, tr *tracker) (*internalProgressWire, error) {
	req := struct {
		IDTask        string `json:"id_task"`
		IDLivePreview int    `json:"id_live_preview"`
		LivePreview   bool   `json:"live_preview"`
	}{tr.forceTaskID, tr.previewID, true}
	var w internalProgressWire
	if err := c.call(ctx, http.MethodPost, "/internal/progress", req, &w); err != nil {
		return nil, err
	}
	return &w, nil
}

// isStatus reports whether err is an *APIError with one of the codes.
func isStatus(err error, codes ...int) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	for _, c := range codes {
		if ae.StatusCode == c {
			return true
		}
	}
	return false
}

// isClientError reports whether err is a 4xx answer: the route is missing or
// refuses what we send, which will not change on the next poll.
func isClientError(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.StatusCode >= 400 && ae.StatusCode < 500
}
