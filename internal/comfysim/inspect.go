package comfysim

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"time"
)

// Record is one request the Sim received.
type Record struct {
	Method, Path, Query string
	// Body is a POST's body; nil for a GET.
	Body []byte
	// Status is the HTTP status answered (101 for a websocket); 0 when the
	// connection was dropped.
	Status     int
	Start, End time.Time
}

const maxRecords = 10000

func (s *Sim) startRecord(r *http.Request, body []byte) *Record {
	rec := &Record{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: slices.Clone(body), Start: time.Now()}
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

// RecordsTo returns the requests to method and path.
func (s *Sim) RecordsTo(method, path string) []Record {
	var out []Record
	for _, r := range s.Records() {
		if r.Method == method && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// Loaded returns the checkpoint in (simulated) VRAM; "" before the first
// prompt.
func (s *Sim) Loaded() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loaded
}

// Switches counts the checkpoint loads the prompts caused.
func (s *Sim) Switches() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.switches
}

// Queue returns the running prompt's id ("" when none) and the queued ones.
func (s *Sim) Queue() (running string, pending []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running != nil {
		running = s.running.id
	}
	for _, p := range s.pending {
		pending = append(pending, p.id)
	}
	return running, pending
}

// Status returns the history status of a finished prompt ("success" or
// "error") and whether it finished.
func (s *Sim) Status(promptID string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.history[promptID]
	if !ok {
		return "", false
	}
	return e.Status.StatusStr, true
}

// Websockets returns how many websockets are open now and how many were
// ever accepted.
func (s *Sim) Websockets() (open, total int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, cs := range s.clients {
		open += len(cs)
	}
	return open, s.dials
}

// ErrClosed is returned by the waits when the Sim is closed.
var ErrClosed = errors.New("comfysim: sim closed")

// WaitIdle waits until no prompt is queued or running.
func (s *Sim) WaitIdle(ctx context.Context) error {
	s.mu.Lock()
	idle := s.idle
	s.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-s.done:
		return ErrClosed
	}
}

// WaitFor polls cond every millisecond until it holds, ctx ends or the Sim
// closes.
func (s *Sim) WaitFor(ctx context.Context, cond func() bool) error {
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	for !cond() {
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		case <-s.done:
			return ErrClosed
		}
	}
	return nil
}

// DropWebsockets closes every open websocket now, as a restarting proxy
// would.
func (s *Sim) DropWebsockets() {
	s.mu.Lock()
	var conns []*wsConn
	for _, cs := range s.clients {
		conns = append(conns, cs...)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.close()
	}
}
