package telegram

import (
	"slices"
	"sync"
	"time"
)

// Limits are the Bot API flood limits the adapter keeps to. A zero field
// takes Telegram's value: one message or edit per second per chat after a
// short burst of three ("we may allow short bursts", Bot FAQ), 20 per
// minute per group, 30 per second in all, retry_after in seconds.
type Limits struct {
	ChatInterval   time.Duration // time one token of a chat's bucket takes to refill
	ChatBurst      int           // size of a chat's token bucket
	GroupMax       int           // most messages and edits in one group per GroupWindow
	GroupWindow    time.Duration
	GlobalMax      int // most messages and edits in all chats per GlobalWindow
	GlobalWindow   time.Duration
	RetryAfterUnit time.Duration // what one unit of a 429's retry_after stands for
}

func (l Limits) withDefaults() Limits {
	l.ChatInterval = positiveOr(l.ChatInterval, time.Second)
	l.ChatBurst = positiveOr(l.ChatBurst, 3)
	l.GroupMax = positiveOr(l.GroupMax, 20)
	l.GroupWindow = positiveOr(l.GroupWindow, time.Minute)
	l.GlobalMax = positiveOr(l.GlobalMax, 30)
	l.GlobalWindow = positiveOr(l.GlobalWindow, time.Second)
	l.RetryAfterUnit = positiveOr(l.RetryAfterUnit, time.Second)
	return l
}

// positiveOr returns v if it is positive, else def.
func positiveOr[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// headroom widens every window by 1/headroom, so that network jitter
// between deciding to send and Telegram receiving never turns a send that
// was just legal into a 429.
const headroom = 20

// Background messages (preview and position edits) may use only part of
// the budgets, so that urgent ones (first replies, results) always find a
// slot at once: a share of backgroundShareNum/backgroundShareDen of the
// global budget, half of a group's, and never a chat's last token.
const (
	backgroundShareNum = 2
	backgroundShareDen = 3
)

// limiter shares the flood limits between every goroutine that sends. It
// never sleeps: urgent senders book the earliest free slot and wait for it
// themselves; background senders take a slot only if one is free now and
// within their share. Times come from the injected clock, so the
// arithmetic can be tested deterministically.
type limiter struct {
	chatInterval time.Duration
	chatBurst    int
	groupMax     int
	groupWindow  time.Duration
	globalMax    int
	globalWindow time.Duration
	now          func() time.Time

	mu      sync.Mutex // guards the fields below
	chats   map[int64]*chatBudget
	global  []time.Time // booked send times, sorted; older than a window are pruned
	blocked time.Time   // end of a 429 wait that holds every chat
	strikes []strike    // recent 429s, to tell a global flood wait from a chat's
}

// chatBudget is one chat's share of the limits.
type chatBudget struct {
	// tat is the chat's token bucket as a theoretical arrival time (GCRA):
	// the bucket is full when tat is not after now, and k tokens are
	// available from tat − (burst−k)·interval on.
	tat     time.Time
	blocked time.Time   // end of the chat's 429 wait
	sent    []time.Time // booked send times within the group window (groups only), sorted

	// After a 429 the chat has no burst and its messages are spaced by at
	// least the wait it asked for, for a while: Telegram's limits for it are evidently
	// tighter than ours, and senders that waited together must not all
	// retry at the same moment.
	spacing      time.Duration
	spacingUntil time.Time
}

// penaltyMemory is how many 429 waits a chat's wider spacing lasts.
const penaltyMemory = 10

// strike is one 429 answer.
type strike struct {
	chat int64
	at   time.Time
}

func newLimiter(l Limits, now func() time.Time) *limiter {
	l = l.withDefaults()
	return &limiter{
		chatInterval: l.ChatInterval + l.ChatInterval/headroom,
		chatBurst:    l.ChatBurst,
		groupMax:     l.GroupMax,
		groupWindow:  l.GroupWindow + l.GroupWindow/headroom,
		globalMax:    l.GlobalMax,
		globalWindow: l.GlobalWindow + l.GlobalWindow/headroom,
		now:          now,
		chats:        map[int64]*chatBudget{},
	}
}

// reserve books the earliest slot for an urgent message to chat and returns
// its time, which may be now. The caller waits until then and calls
// confirm, or release if it gives up.
func (l *limiter) reserve(c chatRef) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	cb, _, t := l.startLocked(c, 1)
	for {
		t0 := t
		t = earliest(l.global, t, l.globalMax, l.globalWindow)
		if c.group {
			t = earliest(cb.sent, t, l.groupMax, l.groupWindow)
		}
		if t.Equal(t0) {
			break
		}
	}
	l.bookLocked(c, cb, t)
	return t
}

// spent records that chat may have had its whole burst used just now, as
// by the bot's previous process before a restart: the next message to it
// waits one interval, so that it does not meet a 429.
func (l *limiter) spent(c chatRef) {
	l.mu.Lock()
	defer l.mu.Unlock()
	cb := l.chatLocked(c.id)
	cb.tat = latest(cb.tat, l.now().Add(time.Duration(l.chatBurst)*l.chatInterval))
}

// confirm reports whether the slot booked at t may still be used now. It
// may not when a 429 arrived meanwhile; the booking is then released and
// the caller reserves again.
func (l *limiter) confirm(c chatRef, t time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	cb := l.chatLocked(c.id)
	if now.Before(cb.blocked) || now.Before(l.blocked) {
		l.releaseLocked(c, cb, t)
		return false
	}
	return true
}

// release gives back a slot booked at t that will not be used.
func (l *limiter) release(c chatRef, t time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.releaseLocked(c, l.chatLocked(c.id), t)
}

// tryNow takes a slot for a background message to chat if one is free now
// within the background share. Otherwise it returns how long to wait before
// asking again; the caller should then re-render what it sends, as the
// status may have moved on.
func (l *limiter) tryNow(c chatRef) (ok bool, retry time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	cb, now, t := l.startLocked(c, 2)
	globalShare := max(1, l.globalMax*backgroundShareNum/backgroundShareDen)
	t = earliest(l.global, t, globalShare, l.globalWindow)
	if c.group {
		t = earliest(cb.sent, t, max(1, l.groupMax/2), l.groupWindow)
	}
	if t.After(now) {
		// Ask again no later than one chat interval from now: an urgent
		// booking may have made the estimate pessimistic.
		return false, min(t.Sub(now), max(l.chatInterval, time.Millisecond))
	}
	l.bookLocked(c, cb, now)
	return true, 0
}

// penalize records a 429 for chat: nothing goes to the chat for wait. When
// a second chat gets a 429 within a global window, the flood wait is taken
// to be global and holds every chat.
func (l *limiter) penalize(c chatRef, wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	until := now.Add(wait)
	cb := l.chatLocked(c.id)
	cb.blocked = latest(cb.blocked, until)
	cb.tat = latest(cb.tat, until)
	cb.spacing = max(cb.spacing, wait)
	if now.After(cb.spacingUntil) {
		cb.spacing = wait
	}
	cb.spacingUntil = until.Add(penaltyMemory * wait)
	l.strikes = slices.DeleteFunc(l.strikes, func(s strike) bool { return now.Sub(s.at) >= l.globalWindow || s.chat == c.id })
	l.strikes = append(l.strikes, strike{chat: c.id, at: now})
	if len(l.strikes) >= 2 {
		l.blocked = latest(l.blocked, until)
	}
}

// startLocked forgets old bookings and returns chat c's budget, the time
// now, and the earliest time from now on at which the chat has k tokens
// and no 429 wait holds it.
func (l *limiter) startLocked(c chatRef, k int) (cb *chatBudget, now, t time.Time) {
	now = l.now()
	l.pruneLocked(now)
	cb = l.chatLocked(c.id)
	return cb, now, latest(now, l.tokensLocked(cb, now, k), cb.blocked, l.blocked)
}

// chatLocked returns chat id's budget, creating it if needed, with its
// group bookings pruned.
func (l *limiter) chatLocked(id int64) *chatBudget {
	cb := l.chats[id]
	if cb == nil {
		cb = &chatBudget{}
		l.chats[id] = cb
	}
	cb.sent = dropBefore(cb.sent, l.now().Add(-l.groupWindow))
	return cb
}

func (l *limiter) bookLocked(c chatRef, cb *chatBudget, t time.Time) {
	interval, _ := l.bucketLocked(cb, t)
	cb.tat = latest(cb.tat, t).Add(interval)
	l.global = insertSorted(l.global, t)
	if c.group {
		cb.sent = insertSorted(cb.sent, t)
	}
}

// bucketLocked returns the chat's token bucket at t: the refill interval
// and the burst (none while a 429's spacing lasts).
func (l *limiter) bucketLocked(cb *chatBudget, t time.Time) (time.Duration, int) {
	if t.Before(cb.spacingUntil) {
		return max(l.chatInterval, cb.spacing), 1
	}
	return l.chatInterval, l.chatBurst
}

// tokensLocked returns the earliest time from now on at which the chat's
// bucket holds k tokens (fewer if the burst is smaller).
func (l *limiter) tokensLocked(cb *chatBudget, now time.Time, k int) time.Time {
	interval, burst := l.bucketLocked(cb, now)
	k = min(k, burst)
	return latest(now, cb.tat.Add(-time.Duration(burst-k)*interval))
}

func (l *limiter) releaseLocked(c chatRef, cb *chatBudget, t time.Time) {
	l.global = removeOne(l.global, t)
	if c.group {
		cb.sent = removeOne(cb.sent, t)
	}
	// Give the token back (at most the normal interval's worth: a 429
	// since the booking may have widened the spacing).
	cb.tat = cb.tat.Add(-l.chatInterval)
}

// pruneLocked forgets bookings that can no longer affect a new one, and
// chats that have been quiet for a while.
func (l *limiter) pruneLocked(now time.Time) {
	l.global = dropBefore(l.global, now.Add(-l.globalWindow))
	if len(l.chats) < 256 {
		return
	}
	for id, cb := range l.chats {
		if (len(cb.sent) == 0 || now.Sub(cb.sent[len(cb.sent)-1]) >= l.groupWindow) && now.After(cb.tat) && now.After(cb.spacingUntil) {
			delete(l.chats, id)
		}
	}
}
