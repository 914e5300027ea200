package telegram

import (
	"testing"
	"time"
)

// step is one operation on a limiter in a table test.
type step struct {
	at      time.Duration // the clock, from t0
	op      string        // "reserve", "try", "penalize", "confirm", "release"
	chat    chatRef
	wait    time.Duration // penalize: the 429's wait; confirm/release: the booking, from t0
	want    time.Duration // reserve: the slot, from t0; try: the retry delay (0 = granted)
	wantNot bool          // confirm: want false
}

var (
	privA  = chatRef{id: 1}
	privB  = chatRef{id: 2}
	privC  = chatRef{id: 3}
	groupG = chatRef{id: -10, group: true}
)

// Telegram's limits with the adapter's headroom of 1/20.
const (
	chatGap   = time.Second + time.Second/headroom
	globalWin = time.Second + time.Second/headroom
	groupWin  = time.Minute + time.Minute/headroom
)

func TestLimiter(t *testing.T) {
	manyChats := func(n int, op string, at time.Duration, want time.Duration) []step {
		var s []step
		for i := range n {
			s = append(s, step{at: at, op: op, chat: chatRef{id: int64(100 + i)}, want: want})
		}
		return s
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"one chat: a burst of three, then one message per interval", []step{
			{op: "reserve", chat: privA, want: 0},
			{op: "reserve", chat: privA, want: 0},
			{op: "reserve", chat: privA, want: 0},
			{op: "reserve", chat: privA, want: chatGap},
			{op: "reserve", chat: privA, want: 2 * chatGap},
			{op: "reserve", chat: privB, want: 0},
		}},
		{"a quiet chat's bucket refills", []step{
			{op: "reserve", chat: privA, want: 0},
			{op: "reserve", chat: privA, want: 0},
			{op: "reserve", chat: privA, want: 0},
			{at: 2 * chatGap, op: "reserve", chat: privA, want: 2 * chatGap},
			{at: 2 * chatGap, op: "reserve", chat: privA, want: 2 * chatGap},
			{at: 2 * chatGap, op: "reserve", chat: privA, want: 3 * chatGap},
		}},
		{"background leaves a chat's last token to urgent messages, never books ahead", []step{
			{op: "reserve", chat: privA, want: 0},
			{op: "reserve", chat: privA, want: 0},
			{at: 100 * time.Millisecond, op: "try", chat: privA, want: chatGap - 100*time.Millisecond},
			{at: 100 * time.Millisecond, op: "reserve", chat: privA, want: 100 * time.Millisecond},
			{at: chatGap, op: "try", chat: privA, want: chatGap},
			{at: 2 * chatGap, op: "try", chat: privA, want: 0},
		}},
		{"global: the 31st message waits for the window", append(manyChats(30, "reserve", 0, 0),
			step{op: "reserve", chat: privA, want: globalWin},
			step{at: time.Millisecond, op: "reserve", chat: privB, want: globalWin},
		)},
		{"background uses two thirds of the global budget; urgent still goes at once", append(manyChats(20, "try", 0, 0),
			step{op: "try", chat: privA, want: chatGap},
			step{op: "reserve", chat: privB, want: 0},
		)},
		{"a group: a burst of three, one per interval, twenty per minute", func() []step {
			var s []step
			for i := range 20 {
				s = append(s, step{op: "reserve", chat: groupG, want: time.Duration(max(0, i-2)) * chatGap})
			}
			return append(s, step{op: "reserve", chat: groupG, want: groupWin})
		}()},
		{"a group's background share is half", func() []step {
			var s []step
			for i := range 10 {
				s = append(s, step{at: time.Duration(i) * chatGap, op: "try", chat: groupG, want: 0})
			}
			return append(s,
				step{at: 10 * chatGap, op: "try", chat: groupG, want: chatGap},
				step{at: 10 * chatGap, op: "reserve", chat: groupG, want: 10 * chatGap},
			)
		}()},
		{"a 429 holds the chat, and spaces its next messages", []step{
			{op: "penalize", chat: privA, wait: 2 * time.Second},
			{op: "reserve", chat: privA, want: 2 * time.Second},
			{op: "reserve", chat: privA, want: 4 * time.Second},
			{op: "reserve", chat: privB, want: 0},
			{op: "try", chat: privA, want: chatGap},
		}},
		{"a booking made before a 429 is not confirmed", []step{
			{op: "reserve", chat: privA, want: 0},
			{op: "reserve", chat: privA, want: 0},
			{op: "reserve", chat: privA, want: 0},
			{op: "reserve", chat: privA, want: chatGap},
			{at: 10 * time.Millisecond, op: "penalize", chat: privA, wait: 5 * time.Second},
			{at: chatGap, op: "confirm", chat: privA, wait: chatGap, wantNot: true},
			{at: chatGap, op: "reserve", chat: privA, want: 5*time.Second + 10*time.Millisecond},
		}},
		{"429s in two chats hold every chat", []step{
			{op: "penalize", chat: privA, wait: 3 * time.Second},
			{op: "reserve", chat: privC, want: 0},
			{op: "penalize", chat: privB, wait: 3 * time.Second},
			{op: "reserve", chat: privC, want: 3 * time.Second},
		}},
		{"a chat an earlier process may have just used waits one interval", []step{
			{op: "spent", chat: privA},
			{op: "reserve", chat: privA, want: chatGap},
			{op: "reserve", chat: privA, want: 2 * chatGap},
			{op: "reserve", chat: privB, want: 0},
		}},
		{"a released slot is free again", []step{
			{op: "reserve", chat: privA, want: 0},
			{op: "release", chat: privA, wait: 0},
			{op: "reserve", chat: privA, want: 0},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			now := t0
			l := newLimiter(Limits{}, func() time.Time { return now })
			for i, s := range tt.steps {
				now = t0.Add(s.at)
				switch s.op {
				case "reserve":
					if got := l.reserve(s.chat).Sub(t0); got != s.want {
						t.Errorf("step %d: reserve(%d) at %v = %v, want %v", i, s.chat.id, s.at, got, s.want)
					}
				case "try":
					ok, retry := l.tryNow(s.chat)
					if ok != (s.want == 0) || retry != s.want {
						t.Errorf("step %d: tryNow(%d) at %v = %v, %v; want retry %v", i, s.chat.id, s.at, ok, retry, s.want)
					}
				case "penalize":
					l.penalize(s.chat, s.wait)
				case "confirm":
					if got := l.confirm(s.chat, t0.Add(s.wait)); got == s.wantNot {
						t.Errorf("step %d: confirm = %v, want %v", i, got, !s.wantNot)
					}
				case "release":
					l.release(s.chat, t0.Add(s.wait))
				case "spent":
					l.spent(s.chat)
				}
			}
		})
	}
}

func TestEarliest(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(ds ...int) []time.Time {
		var out []time.Time
		for _, d := range ds {
			out = append(out, t0.Add(time.Duration(d)*time.Millisecond))
		}
		return out
	}
	tests := []struct {
		name   string
		events []time.Time
		from   int
		n      int
		want   int
	}{
		{"empty", nil, 5, 2, 5},
		{"room left", at(0), 5, 2, 5},
		{"full window", at(0, 1), 5, 2, 100},
		{"a gap before a future booking", at(0, 300), 50, 1, 100},
		{"no gap before a future booking", at(0, 150), 50, 1, 250},
		{"between future bookings", at(0, 120, 130, 400), 50, 2, 220},
		{"equal times", at(0, 0), 0, 2, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := earliest(tt.events, t0.Add(time.Duration(tt.from)*time.Millisecond), tt.n, 100*time.Millisecond)
			if d := got.Sub(t0); d != time.Duration(tt.want)*time.Millisecond {
				t.Errorf("earliest = %v, want %dms", d, tt.want)
			}
		})
	}
}
