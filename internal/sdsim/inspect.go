package sdsim

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"time"
)

// Record is one request the Sim received.
type Record struct {
	// Method, Path and Query are the request's method, URL path and raw query
	// (e.g. "task_id=x&skip_current_image=true").
	Method string
	Path   string
	Query  string
	// Start and End are when the handler started and finished (for overlap
	// checks); End is zero while it runs.
	Start, End time.Time
	// JobStart and JobEnd are when the request held the job lock (txt2img, a
	// checkpoint switch, refresh-checkpoints); zero if it never did.
	JobStart, JobEnd time.Time
	// TaskID is the task_id or force_task_id of a txt2img, the id_task of an
	// /internal/progress and the ?task_id= of a progress poll.
	TaskID string
	// Status is the HTTP status answered; 0 when the connection was dropped
	// (FaultDown, FaultHang, Close).
	Status int
	// Body is the request body of a POST; nil for a GET.
	Body []byte
	// InitImage is the picture an img2img (init_images[0]) or an
	// extra-single-image (image) carried, decoded; nil for other calls.
	InitImage []byte
}

// maxRecords bounds the history a long-running Sim keeps; the oldest go first.
const maxRecords = 10000

func (s *Sim) startRecord(r *http.Request, body []byte) *Record {
	rec := &Record{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Start: time.Now()}
	if body != nil {
		rec.Body = slices.Clone(body)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.records = append(s.records, rec)
	if len(s.records) > maxRecords {
		s.records = slices.Delete(s.records, 0, len(s.records)-maxRecords)
	}
	return rec
}

func (s *Sim) finishRecord(rec *Record, w *statusWriter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec.End = time.Now()
	rec.Status = w.status
}

// setRecordStatus sets the Status of rec as soon as the answer's status is
// known, before the client can read the answer.
func (s *Sim) setRecordStatus(rec *Record, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec.Status = code
}

// setRecordTask sets the TaskID of rec.
func (s *Sim) setRecordTask(rec *Record, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec.TaskID = id
}

// setRecordInit sets the InitImage of rec.
func (s *Sim) setRecordInit(rec *Record, img []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec.InitImage = img
}

// Img2ImgCount and UpscaleCount return how many img2img and
// extra-single-image requests have succeeded.
func (s *Sim) Img2ImgCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.img2imgDone
}

// UpscaleCount: see Img2ImgCount.
func (s *Sim) UpscaleCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.upscaleDone
}

// Records returns a copy of the requests received so far, in arrival order.
func (s *Sim) Records() []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Record, len(s.records))
	for i, r := range s.records {
		out[i] = *r
	}
	return out
}

// Reset forgets the recorded requests, the txt2img count and the fault. It
// does not touch running jobs, the loaded model or the settings.
func (s *Sim) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.records = nil
	s.txt2imgDone, s.img2imgDone, s.upscaleDone = 0, 0, 0
	s.fault = Fault{}
}

// CurrentModel returns the title of the selected checkpoint, the
// sd_model_checkpoint of GET /sdapi/v1/options.
func (s *Sim) CurrentModel() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cat.checkpoints[s.selected].Title
}

// ModelTitles returns the titles of the checkpoints, in order.
func (s *Sim) ModelTitles() []string {
	titles := make([]string, len(s.cat.checkpoints))
	for i, c := range s.cat.checkpoints {
		titles[i] = c.Title
	}
	return titles
}

// Txt2ImgCount returns how many txt2img requests have succeeded; each is
// counted just before its 200 answer is written.
func (s *Sim) Txt2ImgCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.txt2imgDone
}

// ErrClosed is returned by WaitIdle when the Sim is closed while busy.
var ErrClosed = errors.New("sdsim: sim closed")

// WaitIdle waits until no request that takes the job lock (txt2img, a
// checkpoint switch, refresh-checkpoints) is queued or running, including the
// writing of its answer.
func (s *Sim) WaitIdle(ctx context.Context) error {
	s.mu.Lock()
	idle := s.idle
	s.mu.Unlock()
	select {
	case <-idle:
		return nil
	default:
	}
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-s.done:
		return ErrClosed
	}
}

// enterBusy and leaveBusy count requests that take the job lock, for WaitIdle.
func (s *Sim) enterBusy() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.busy == 0 {
		s.idle = make(chan struct{})
	}
	s.busy++
}

func (s *Sim) leaveBusy() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.busy--
	if s.busy == 0 {
		close(s.idle)
	}
}
