package discord

import (
	"sync"
	"time"
)

// tasks owns the adapter's goroutines: one per interaction being handled,
// which for an accepted job goes on as the job message's editor. Run waits
// for them before it returns.
type tasks struct {
	mu     sync.Mutex // guards closed and every wg.Add
	closed bool
	wg     sync.WaitGroup
}

// Go runs f in a new goroutine unless the group is closed; it reports
// whether f runs.
func (t *tasks) Go(f func()) bool {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return false
	}
	t.wg.Add(1)
	t.mu.Unlock()
	go func() {
		defer t.wg.Done()
		f()
	}()
	return true
}

// close refuses new goroutines.
func (t *tasks) close() {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
}

// waitFor waits up to d for every goroutine to end and reports whether they
// did. Call close first.
func (t *tasks) waitFor(d time.Duration) bool {
	done := make(chan struct{})
	go func() {
		t.wg.Wait()
		close(done)
	}()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-done:
		return true
	case <-timer.C:
		return false
	}
}

// wait waits for every goroutine to end. Call close first.
func (t *tasks) wait() { t.wg.Wait() }
