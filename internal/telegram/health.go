package telegram

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// unhealthyPollFailures is how many getUpdates in a row may fail before
// Healthy reports it.
const unhealthyPollFailures = 3

// health is what Healthy reports on, kept up to date by Run.
type health struct {
	mu        sync.Mutex // guards the fields below
	connected bool
	stopped   bool
	lastPoll  time.Time // end of the last successful getUpdates
	failures  int       // getUpdates failed in a row
	lastErr   error
	conflict  bool // the last getUpdates met another instance's (409)
}

func (h *health) set(f func(h *health)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f(h)
}

// Healthy reports whether the adapter is connected and receiving updates:
// nil while Run polls successfully, else what is wrong. It does no network
// I/O, so it is cheap enough for every /healthz request.
func (a *Adapter) Healthy(ctx context.Context) error {
	h := &a.health
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.stopped:
		return errors.New("telegram: stopped")
	case !h.connected:
		return errors.New("telegram: not connected yet")
	case h.conflict:
		return fmt.Errorf("telegram: another instance of the bot is polling with this token; only one may run: %w", h.lastErr)
	case h.failures >= unhealthyPollFailures:
		return fmt.Errorf("telegram: getUpdates failed %d times in a row: %w", h.failures, h.lastErr)
	case time.Since(h.lastPoll) > 2*pollTimeout:
		return fmt.Errorf("telegram: no answer to getUpdates for %v", time.Since(h.lastPoll).Round(time.Second))
	}
	return nil
}
