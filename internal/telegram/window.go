package telegram

import (
	"slices"
	"time"
)

// Sliding-window arithmetic on sorted send times, past and booked.

// earliest returns the earliest time t ≥ from at which one more event fits
// into events (sorted) so that every window of length w holds at most n of
// them. A fit can only begin where an event leaves a window, so the
// candidates are from and each event plus w.
func earliest(events []time.Time, from time.Time, n int, w time.Duration) time.Time {
	if fits(events, from, n, w) {
		return from
	}
	for _, e := range events {
		if c := e.Add(w); c.After(from) && fits(events, c, n, w) {
			return c
		}
	}
	return events[len(events)-1].Add(w)
}

// fits reports whether an event at t keeps the events (sorted) at most n
// in every window of length w: with t inserted, any n+1 consecutive events
// span at least w.
func fits(events []time.Time, t time.Time, n int, w time.Duration) bool {
	p, _ := slices.BinarySearchFunc(events, t, func(e, t time.Time) int {
		if e.After(t) {
			return 1
		}
		return -1 // equal times sort before t
	})
	at := func(i int) time.Time {
		switch {
		case i < p:
			return events[i]
		case i == p:
			return t
		default:
			return events[i-1]
		}
	}
	total := len(events) + 1
	for k := max(0, p-n); k <= p && k+n < total; k++ {
		if at(k+n).Sub(at(k)) < w {
			return false
		}
	}
	return true
}

func insertSorted(events []time.Time, t time.Time) []time.Time {
	i, _ := slices.BinarySearchFunc(events, t, func(e, t time.Time) int {
		if e.After(t) {
			return 1
		}
		return -1
	})
	return slices.Insert(events, i, t)
}

func removeOne(events []time.Time, t time.Time) []time.Time {
	if i := slices.IndexFunc(events, t.Equal); i >= 0 {
		return slices.Delete(events, i, i+1)
	}
	return events
}

func dropBefore(events []time.Time, cut time.Time) []time.Time {
	i := 0
	for i < len(events) && events[i].Before(cut) {
		i++
	}
	if i == 0 {
		return events
	}
	return slices.Delete(events, 0, i)
}

func latest(t time.Time, more ...time.Time) time.Time {
	for _, m := range more {
		if m.After(t) {
			t = m
		}
	}
	return t
}
