package discord

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// healthGrace is how long the gateway may be disconnected (discordgo
// reconnecting) before Healthy reports it.
const healthGrace = 30 * time.Second

// health is what Healthy reports on, kept up to date by the session's
// Connect and Disconnect events and by Run.
type health struct {
	mu        sync.Mutex // guards the fields below
	connected bool
	everUp    bool
	stopped   bool
	since     time.Time // of the last connect or disconnect
}

func (h *health) set(connected bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.connected, h.since = connected, time.Now()
	h.everUp = h.everUp || connected
}

func (h *health) stop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stopped = true
}

// Healthy reports whether the adapter is connected to the Discord gateway:
// nil while it is (or while discordgo has been reconnecting for less than
// 30 seconds), else what is wrong. It does no network I/O.
func (a *Adapter) Healthy(context.Context) error {
	h := &a.health
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.stopped:
		return errors.New("discord: stopped")
	case !h.everUp:
		return errors.New("discord: not connected to the gateway yet")
	case !h.connected && time.Since(h.since) > healthGrace:
		return fmt.Errorf("discord: disconnected from the gateway for %s", time.Since(h.since).Round(time.Second))
	}
	return nil
}
