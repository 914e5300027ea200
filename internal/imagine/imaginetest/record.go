package imaginetest

import (
	"context"
	"fmt"
	"slices"
)

// Jobs returns the generations the backend has started, in order.
func (b *Backend) Jobs() []Job {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := slices.Clone(b.jobs)
	for i := range out {
		out[i].Seeds = slices.Clone(out[i].Seeds)
	}
	return out
}

// Switches returns the names SwitchModel was called with, in order.
func (b *Backend) Switches() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.switches)
}

// MaxConcurrent returns the most generations that ran at the same time.
func (b *Backend) MaxConcurrent() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.maxActive
}

// Changed returns a channel that is closed at the next change of the
// backend's state: a generation starting, stepping or ending, a switch,
// Advance or SetDown.
func (b *Backend) Changed() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.changed
}

// WaitFor blocks until cond returns true, re-evaluating it after every
// change of the backend's state, or until ctx ends (its error, wrapped).
// cond must not block; it may call the Backend's methods.
func (b *Backend) WaitFor(ctx context.Context, cond func() bool) error {
	for {
		ch := b.Changed()
		if cond() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("imaginetest: wait: %w", ctx.Err())
		}
	}
}

func (b *Backend) notifyLocked() {
	close(b.changed)
	b.changed = make(chan struct{})
}
