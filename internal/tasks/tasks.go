// Package tasks owns goroutines for the components that start them: a Group
// starts each one, recovers and logs its panic so that one bad update cannot
// take the process down, refuses new ones once closed, and waits for them
// with a grace period at shutdown.
//
// Every front end starts its goroutines through one Group, so that "who owns
// this goroutine and when does it stop" has one answer: the adapter's Run
// closes the group and waits for it before it returns.
package tasks

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"
)

// Group is a set of goroutines with one owner. The zero Group is not usable;
// create one with New. A Group is safe for concurrent use.
type Group struct {
	log *slog.Logger

	mu     sync.Mutex // guards closed and every wg.Add, so that Wait never races an Add
	closed bool
	wg     sync.WaitGroup
	panics int // recovered panics; guarded by mu
}

// New returns an open Group that logs recovered panics to log (nil
// discards them).
func New(log *slog.Logger) *Group {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Group{log: log}
}

// Go runs f in a new goroutine unless the group is closed, and reports
// whether f runs. A panic in f is recovered and logged at ERROR with its
// stack; the goroutine ends and the process goes on.
func (g *Group) Go(f func()) bool {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return false
	}
	g.wg.Add(1)
	g.mu.Unlock()
	go func() {
		defer g.wg.Done()
		defer g.recover()
		f()
	}()
	return true
}

// Do runs f on the calling goroutine, recovering and logging its panic as
// Go does, for work that must keep its order (a front end's dispatch of
// updates as they arrive). It reports whether f returned normally.
func (g *Group) Do(f func()) (ok bool) {
	defer g.recover()
	f()
	return true
}

func (g *Group) recover() {
	r := recover()
	if r == nil {
		return
	}
	g.mu.Lock()
	g.panics++
	g.mu.Unlock()
	g.log.Error("recovered from a panic", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
}

// Panics returns how many panics the group has recovered.
func (g *Group) Panics() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.panics
}

// Close makes every later Go refuse. Goroutines already started go on.
func (g *Group) Close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
}

// Wait blocks until every goroutine the group started has returned. Call
// Close first if new ones could still be started.
func (g *Group) Wait() { g.wg.Wait() }

// WaitFor is Wait for at most d; it reports whether every goroutine
// returned in time.
func (g *Group) WaitFor(d time.Duration) bool {
	done := make(chan struct{})
	go func() {
		g.wg.Wait()
		close(done)
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}

// Stop closes the group and waits up to grace for its goroutines. If some
// are still running then, it calls abandon (which should cancel their
// context) and waits for them to return. It reports whether they all ended
// within the grace.
func (g *Group) Stop(grace time.Duration, abandon func()) bool {
	g.Close()
	if g.WaitFor(grace) {
		return true
	}
	if abandon != nil {
		abandon()
	}
	g.Wait()
	return false
}

// Sleep waits for d or until ctx ends, and reports whether d passed (for a
// d of zero or less: whether ctx is still live). It is the wait between
// retries and polls of the goroutines a Group runs.
func Sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
