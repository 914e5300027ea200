package imagine

import (
	"sync"
	"time"
)

// statMinutes is how many minutes Stats reports: the dashboard's hour.
const statMinutes = 60

// stats keeps the last hour of activity, a minute a slot, for Stats. It is
// fed by the service's own events (jobs waiting, starting and ending) at
// the service's clock, and kept in memory only: a ring of 60 minutes and
// one start time per backend, about 2 KB. It is safe for concurrent use.
type stats struct {
	mu      sync.Mutex // guards the fields below
	ring    [statMinutes]minuteStat
	last    int64       // the newest minute in ring, in Unix minutes
	waiting int         // jobs waiting now
	running []time.Time // each backend's running job's start; zero: none
}

// minuteStat is one minute's activity.
type minuteStat struct {
	minute  int64 // Unix minutes; a slot of another minute counts as empty
	waiting int   // the most jobs waiting during the minute
	images  int
	busy    time.Duration // backend time spent on jobs that ended
}

func newStats(backends int, now time.Time) *stats {
	st := &stats{running: make([]time.Time, backends), last: unixMinute(now)}
	st.ring[st.last%statMinutes] = minuteStat{minute: st.last}
	return st
}

// unixMinute is the minute t falls in, counted from the Unix epoch (the
// service's clock is after it).
func unixMinute(t time.Time) int64 { return t.Unix() / 60 }

// slotLocked returns minute m's slot, or nil if it is not in the ring.
func (st *stats) slotLocked(m int64) *minuteStat {
	sl := &st.ring[m%statMinutes]
	if sl.minute != m {
		return nil
	}
	return sl
}

// advanceLocked starts the slots of the minutes up to now's. A minute
// with no event had as many jobs waiting as the minute before ended with.
func (st *stats) advanceLocked(now time.Time) int64 {
	m := unixMinute(now)
	for n := max(st.last+1, m-statMinutes+1); n <= m; n++ {
		st.ring[n%statMinutes] = minuteStat{minute: n, waiting: st.waiting}
	}
	st.last = max(st.last, m)
	return m
}

// setWaiting records that n jobs wait from now on.
func (st *stats) setWaiting(now time.Time, n int) {
	st.mu.Lock()
	defer st.mu.Unlock()
	m := st.advanceLocked(now)
	st.waiting = n
	if sl := st.slotLocked(m); sl != nil {
		sl.waiting = max(sl.waiting, n)
	}
}

// jobStarted records that backend i started a job at now.
func (st *stats) jobStarted(i int, now time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.advanceLocked(now)
	st.running[i] = now
}

// jobEnded records that backend i's job ended at now, counting its busy
// time in each minute it spans.
func (st *stats) jobEnded(i int, now time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.advanceLocked(now)
	start := st.running[i]
	st.running[i] = time.Time{}
	if start.IsZero() {
		return
	}
	st.eachMinuteLocked(start, now, func(sl *minuteStat, d time.Duration) { sl.busy += d })
}

// imagesDone counts n images finished at now.
func (st *stats) imagesDone(now time.Time, n int) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if sl := st.slotLocked(st.advanceLocked(now)); sl != nil {
		sl.images += n
	}
}

// eachMinuteLocked calls f with each ring slot that [from, to) overlaps
// and the length of the overlap.
func (st *stats) eachMinuteLocked(from, to time.Time, f func(*minuteStat, time.Duration)) {
	first := max(unixMinute(from), st.last-statMinutes+1)
	for m := first; m <= unixMinute(to); m++ {
		sl := st.slotLocked(m)
		if sl == nil {
			continue
		}
		begin, end := time.Unix(m*60, 0), time.Unix((m+1)*60, 0)
		if d := minTime(to, end).Sub(maxTime(from, begin)); d > 0 {
			f(sl, d)
		}
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// points returns the last statMinutes minutes up to now's, oldest first,
// counting the jobs running now in the busy fraction.
func (st *stats) points(now time.Time) []StatPoint {
	st.mu.Lock()
	defer st.mu.Unlock()
	m := st.advanceLocked(now)
	busy := make([]time.Duration, statMinutes)
	first := m - statMinutes + 1
	for _, start := range st.running {
		if !start.IsZero() {
			st.eachMinuteLocked(start, now, func(sl *minuteStat, d time.Duration) { busy[sl.minute-first] += d })
		}
	}
	capacity := time.Duration(len(st.running)) * time.Minute
	out := make([]StatPoint, statMinutes)
	for i := range out {
		n := first + int64(i)
		p := StatPoint{At: time.Unix(n*60, 0).UTC()}
		if sl := st.slotLocked(n); sl != nil {
			p.Waiting, p.Images = sl.waiting, sl.images
			if capacity > 0 {
				p.Busy = min(float64(sl.busy+busy[i])/float64(capacity), 1)
			}
		}
		out[i] = p
	}
	return out
}

// Stats returns the service's last hour, one point per minute, oldest
// first, the current minute last: the most jobs waiting during each
// minute, the images finished, and the share of the backends' time spent
// running jobs (the jobs running now count up to now; the current minute's
// share is of the whole minute). Minutes before the service started are
// zeros. The history is kept in memory only: it starts again with the
// process.
func (s *Service) Stats() []StatPoint { return s.stats.points(time.Now()) }

// noteWaitingLocked records how many jobs wait now, for Stats: those in the
// fair queue and those that run again first. s.mu is held.
func (s *Service) noteWaitingLocked() {
	s.stats.setWaiting(time.Now(), s.queue.Len()+len(s.rerun))
}
