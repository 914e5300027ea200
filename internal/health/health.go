// Package health serves /healthz: whether the SD backends answer and every
// enabled chat platform is connected.
package health

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// Check is one thing that must be up. Func returns nil when it is.
type Check struct {
	Name string
	Func func(ctx context.Context) error
}

// Handler answers 200 when every check passes and 503 otherwise, with a
// JSON body naming each check's state:
//
//	{"status":"down","checks":{"sd default":"ok","telegram":"not connected: ..."}}
type Handler struct {
	checks  []Check
	timeout time.Duration
}

// New returns a Handler running checks, each bounded by timeout.
func New(timeout time.Duration, checks ...Check) *Handler {
	return &Handler{checks: checks, timeout: timeout}
}

// Report is the JSON body of a health answer.
type Report struct {
	Status string            `json:"status"` // "ok" or "down"
	Checks map[string]string `json:"checks"` // name -> "ok" or what is wrong
}

// Report runs every check concurrently, each bounded by the Handler's
// timeout, and reports their states.
func (h *Handler) Report(ctx context.Context) Report {
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	rep := Report{Status: "ok", Checks: make(map[string]string, len(h.checks))}
	var mu sync.Mutex // guards rep
	var wg sync.WaitGroup
	for _, c := range h.checks {
		wg.Go(func() {
			err := c.Func(ctx)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				rep.Status = "down"
				rep.Checks[c.Name] = err.Error()
			} else {
				rep.Checks[c.Name] = "ok"
			}
		})
	}
	wg.Wait()
	return rep
}

// ServeHTTP answers GET /healthz.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rep := h.Report(r.Context())
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if rep.Status != "ok" {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	json.NewEncoder(w).Encode(rep)
}
