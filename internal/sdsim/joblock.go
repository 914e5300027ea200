package sdsim

import "time"

// The job lock is A1111's FIFOLock (call_queue.queue_lock): one generation or
// model load at a time, first come first served. A waiting HTTP request just
// blocks; cancelling it does not give up its place, as in A1111. Only Close
// releases waiters.

// enqueueLocked asks for the job lock. It returns nil when the lock was free
// and is now held, or a channel that is closed when the lock is handed over.
func (s *Sim) enqueueLocked() chan struct{} {
	if !s.lockHeld && len(s.lockWaiters) == 0 {
		s.lockHeld = true
		return nil
	}
	ch := make(chan struct{})
	s.lockWaiters = append(s.lockWaiters, ch)
	return ch
}

// awaitJobLock waits for the lock asked for with enqueueLocked and records
// when it was acquired. It returns false if the Sim closed first; the lock is
// then not held.
func (s *Sim) awaitJobLock(ch chan struct{}, rec *Record) bool {
	if ch != nil {
		select {
		case <-ch:
		case <-s.done:
			s.mu.Lock()
			defer s.mu.Unlock()
			for i, w := range s.lockWaiters {
				if w == ch {
					s.lockWaiters = append(s.lockWaiters[:i:i], s.lockWaiters[i+1:]...)
					return false
				}
			}
			s.releaseJobLockLocked() // handed over meanwhile: pass it on
			return false
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec.JobStart = time.Now()
	return true
}

// releaseJobLock releases the lock and records when.
func (s *Sim) releaseJobLock(rec *Record) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec.JobEnd = time.Now()
	s.releaseJobLockLocked()
}

func (s *Sim) releaseJobLockLocked() {
	if len(s.lockWaiters) > 0 {
		ch := s.lockWaiters[0]
		s.lockWaiters = s.lockWaiters[1:]
		close(ch)
		return
	}
	s.lockHeld = false
}

// sleep waits d, or returns false when the Sim closes first.
func (s *Sim) sleep(d time.Duration) bool {
	if d <= 0 {
		select {
		case <-s.done:
			return false
		default:
			return true
		}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.done:
		return false
	}
}
