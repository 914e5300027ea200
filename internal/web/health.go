package web

import (
	"context"
	"errors"
	"sync"
)

// health is what Healthy reports on, kept up to date by Run.
type health struct {
	mu      sync.Mutex // guards the fields below
	serving bool
	stopped bool
	err     error // why serving stopped, if it failed
}

func (h *health) set(f func(h *health)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f(h)
}

// Healthy reports whether the adapter serves: nil while Run serves, else
// what is wrong. It does no I/O.
func (a *Adapter) Healthy(context.Context) error {
	h := &a.health
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.err != nil:
		return h.err
	case h.stopped:
		return errors.New("web: stopped")
	case !h.serving:
		return errors.New("web: not serving yet")
	}
	return nil
}
