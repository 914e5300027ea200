package telegramtest

import (
	"time"
)

// countedMethods are the implemented methods flood control counts: sending
// and editing messages. getUpdates, answerCallbackQuery, setMyCommands,
// getMe and the like are free.
var countedMethods = map[string]bool{
	"sendMessage":        true,
	"sendPhoto":          true,
	"sendDocument":       true,
	"sendMediaGroup":     true,
	"editMessageText":    true,
	"editMessageCaption": true,
	"editMessageMedia":   true,
}

// limiter is the fake's flood control (see [Limits]): a token bucket per
// chat, sliding windows of accepted messages per group and overall, plus a
// penalty per chat after a 429. The Server's mutex guards it.
type limiter struct {
	lim Limits
	// chat holds each chat's bucket as a theoretical arrival time (GCRA):
	// the bucket is full when it is not after now, and a message conforms
	// when now ≥ tat − (ChatBurst−1)·ChatWindow.
	chat    map[int64]time.Time
	group   map[int64][]time.Time
	global  []time.Time
	penalty map[int64]time.Time // chat id → end of its flood wait
}

func newLimiter(l Limits) *limiter {
	return &limiter{
		lim:     l,
		chat:    map[int64]time.Time{},
		group:   map[int64][]time.Time{},
		penalty: map[int64]time.Time{},
	}
}

// check decides whether a message to chatID may go out at now. If not, it
// returns retry_after in units (≥ 1) and puts the chat into a penalty until then.
func (l *limiter) check(chatID int64, isGroup bool, now time.Time) (retryAfter int, ok bool) {
	if l.lim.Disabled {
		return 0, true
	}
	if until, penalized := l.penalty[chatID]; penalized {
		if now.Before(until) {
			return l.units(until.Sub(now)), false
		}
		delete(l.penalty, chatID)
	}
	wait := l.bucketWait(chatID, now)
	if isGroup {
		wait = max(wait, windowWait(l.group[chatID], l.lim.GroupMax, l.lim.GroupWindow, now))
	}
	wait = max(wait, windowWait(l.global, l.lim.GlobalMax, l.lim.GlobalWindow, now))
	if wait <= 0 {
		return 0, true
	}
	n := l.units(wait)
	l.penalty[chatID] = now.Add(time.Duration(n) * l.lim.RetryAfterUnit)
	return n, false
}

// record counts an accepted message.
func (l *limiter) record(chatID int64, isGroup bool, now time.Time) {
	if l.lim.Disabled {
		return
	}
	tat := l.chat[chatID]
	if tat.Before(now) {
		tat = now
	}
	l.chat[chatID] = tat.Add(l.lim.ChatWindow)
	if isGroup {
		l.group[chatID] = prune(append(l.group[chatID], now), l.lim.GroupWindow, now)
	}
	l.global = prune(append(l.global, now), l.lim.GlobalWindow, now)
}

// bucketWait returns how long until the chat's bucket holds a token; ≤ 0
// means now.
func (l *limiter) bucketWait(chatID int64, now time.Time) time.Duration {
	tat, ok := l.chat[chatID]
	if !ok {
		return 0
	}
	return tat.Add(-time.Duration(l.lim.ChatBurst-1) * l.lim.ChatWindow).Sub(now)
}

// units rounds a wait up to whole retry_after units, at least 1.
func (l *limiter) units(d time.Duration) int {
	n := int((d + l.lim.RetryAfterUnit - 1) / l.lim.RetryAfterUnit)
	return max(n, 1)
}

// windowWait returns how long until one more event fits into a sliding
// window of length w that holds at most maxEvents; ≤ 0 means now.
func windowWait(events []time.Time, maxEvents int, w time.Duration, now time.Time) time.Duration {
	var inWindow []time.Time
	for i, t := range events {
		if now.Sub(t) < w {
			inWindow = events[i:]
			break
		}
	}
	if len(inWindow) < maxEvents {
		return 0
	}
	oldest := inWindow[len(inWindow)-maxEvents]
	return oldest.Add(w).Sub(now)
}

// prune drops events that left the window.
func prune(events []time.Time, w time.Duration, now time.Time) []time.Time {
	i := 0
	for i < len(events) && now.Sub(events[i]) >= w {
		i++
	}
	return events[i:]
}
