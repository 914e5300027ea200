package telegramtest

import (
	"image/color"
	"net/http"
	"strconv"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// step is one send at a point in time and the expected retry_after (0: accepted).
type step struct {
	after     time.Duration // advance the clock by this much first
	chat      int64
	wantRetry int
}

func runSteps(t *testing.T, s *Server, bot *tgbotapi.BotAPI, clock *fakeClock, steps []step) {
	t.Helper()
	for i, st := range steps {
		clock.Advance(st.after)
		_, err := bot.Send(tgbotapi.NewMessage(st.chat, "msg "+strconv.Itoa(i)))
		if st.wantRetry == 0 {
			if err != nil {
				t.Fatalf("step %d (chat %d): %v, want accepted", i, st.chat, err)
			}
			continue
		}
		e := apiErr(t, err)
		if e.Code != http.StatusTooManyRequests || e.RetryAfter != st.wantRetry || e.Message != "Too Many Requests: retry after "+strconv.Itoa(st.wantRetry) {
			t.Fatalf("step %d (chat %d): %d %q retry_after %d, want 429 retry after %d", i, st.chat, e.Code, e.Message, e.RetryAfter, st.wantRetry)
		}
	}
}

func TestFloodControl(t *testing.T) {
	for _, unit := range []time.Duration{time.Second, 10 * time.Millisecond} {
		limits := ScaledLimits(unit)
		if unit == time.Second {
			limits = Limits{} // Telegram's defaults
		}
		groupSteps := func() []step {
			var st []step
			for range 20 {
				st = append(st, step{after: unit, chat: group.ID})
			}
			// 20 messages in the last minute: the oldest leaves the window 40s later.
			return append(st,
				step{after: unit, chat: group.ID, wantRetry: 40},
				step{after: 39 * unit, chat: group.ID, wantRetry: 1},
				step{after: unit, chat: group.ID})
		}
		globalSteps := func() []step {
			var st []step
			for i := range 30 {
				st = append(st, step{chat: int64(5000 + i)})
			}
			return append(st,
				step{chat: 6000, wantRetry: 1},
				step{chat: 6001, wantRetry: 1},
				step{after: unit, chat: 6001})
		}
		tests := []struct {
			name   string
			limits Limits
			steps  []step
		}{
			{"per chat: a burst of 3, then one per unit", limits, []step{
				{chat: private.ID},
				{chat: private.ID},
				{chat: private.ID},
				{chat: private.ID, wantRetry: 1},
				{after: unit / 2, chat: private.ID, wantRetry: 1}, // still in the penalty
				{after: unit / 2, chat: private.ID},
				{chat: private.ID, wantRetry: 1}, // one token refilled, and spent
				{after: unit, chat: private.ID},
				{chat: bob.ID}, // other chats are not affected
			}},
			{"per chat: a quiet chat's bucket fills up again, but no further", limits, []step{
				{chat: private.ID},
				{chat: private.ID},
				{chat: private.ID},
				{after: 10 * unit, chat: private.ID},
				{chat: private.ID},
				{chat: private.ID},
				{chat: private.ID, wantRetry: 1},
			}},
			{"per chat burst 2", Limits{ChatBurst: 2, ChatWindow: unit, RetryAfterUnit: unit}, []step{
				{chat: private.ID},
				{after: unit / 10, chat: private.ID},
				{after: unit / 10, chat: private.ID, wantRetry: 1},
				{after: unit * 8 / 10, chat: private.ID, wantRetry: 1}, // the penalty lasts a whole unit
				{after: unit * 2 / 10, chat: private.ID},
			}},
			{"per group", limits, groupSteps()},
			{"global", limits, globalSteps()},
		}
		for _, tt := range tests {
			t.Run(unit.String()+"/"+tt.name, func(t *testing.T) {
				clock := newFakeClock()
				s := newTestServer(t, Options{Now: clock.Now, Limits: tt.limits})
				bot := newBot(t, s)
				for _, c := range []Chat{private, group, {ID: bob.ID}} {
					s.AddChat(c)
				}
				for i := range 32 {
					s.AddChat(Chat{ID: int64(5000 + i)})
				}
				s.AddChat(Chat{ID: 6000})
				s.AddChat(Chat{ID: 6001})
				runSteps(t, s, bot, clock, tt.steps)
				want := 0
				for _, st := range tt.steps {
					if st.wantRetry > 0 {
						want++
					}
				}
				if got := s.Count429(); got != want {
					t.Errorf("Count429() = %d, want %d", got, want)
				}
			})
		}
	}
}

func TestFloodControlScope(t *testing.T) {
	clock := newFakeClock()
	s := newTestServer(t, Options{Now: clock.Now})
	bot := newBot(t, s)
	s.AddChat(private)

	// Free methods never count, however often they are called.
	for range 5 {
		for _, c := range []tgbotapi.Chattable{
			tgbotapi.NewSetMyCommands(tgbotapi.BotCommand{Command: "imagine", Description: "draw"}),
			tgbotapi.UpdateConfig{},
		} {
			if _, err := bot.Request(c); err != nil {
				t.Fatalf("%T: %v", c, err)
			}
		}
		if _, err := bot.GetMe(); err != nil {
			t.Fatal(err)
		}
		_, _ = bot.Request(tgbotapi.NewCallback("1", ""))
	}
	// A refused message does not use up the quota.
	bad := tgbotapi.NewMessage(private.ID, "<oops>")
	bad.ParseMode = "HTML"
	if _, err := bot.Send(bad); err == nil {
		t.Fatal("bad HTML accepted")
	}
	sent, err := bot.Send(tgbotapi.NewMessage(private.ID, "queued"))
	if err != nil {
		t.Fatalf("first message: %v", err)
	}
	// Edits count like messages: two use up the rest of the burst.
	for _, text := range []string{"starting", "step 1"} {
		if _, err := bot.Send(tgbotapi.NewEditMessageText(private.ID, sent.MessageID, text)); err != nil {
			t.Fatalf("edit within the burst: %v", err)
		}
	}
	_, err = bot.Send(tgbotapi.NewEditMessageText(private.ID, sent.MessageID, "running"))
	if e := apiErr(t, err); e.RetryAfter != 1 {
		t.Errorf("edit after a burst of 3: %q, want 429 retry after 1", e.Message)
	}
	// On the multipart path the library reports only RetryAfter (Code stays 0).
	_, err = bot.Send(tgbotapi.NewPhoto(private.ID, tgbotapi.FileBytes{Name: "p.png", Bytes: pngImage(t, 4, 4, color.White)}))
	if e := apiErr(t, err); e.Code != 0 || e.RetryAfter != 1 {
		t.Errorf("sendPhoto in the penalty: code %d retry_after %d, want the library's 0 and 1", e.Code, e.RetryAfter)
	}
	clock.Advance(time.Second)
	if _, err := bot.Send(tgbotapi.NewEditMessageText(private.ID, sent.MessageID, "running")); err != nil {
		t.Errorf("edit after retry_after: %v", err)
	}
	if got := s.Count429(); got != 2 {
		t.Errorf("Count429() = %d, want 2", got)
	}
}

func TestFloodControlDisabled(t *testing.T) {
	s := newTestServer(t, Options{Limits: Limits{Disabled: true}})
	bot := newBot(t, s)
	s.AddChat(group)
	for i := range 40 {
		if _, err := bot.Send(tgbotapi.NewMessage(group.ID, strconv.Itoa(i))); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if s.Count429() != 0 {
		t.Errorf("Count429() = %d, want 0", s.Count429())
	}
}

// TestFloodControlRealClock honours retry_after with scaled windows on the
// real clock, the way an adapter under test would.
func TestFloodControlRealClock(t *testing.T) {
	const unit = 20 * time.Millisecond
	s := newTestServer(t, Options{Limits: ScaledLimits(unit)})
	bot := newBot(t, s)
	s.AddChat(private)
	sent := 0
	for sent < 5 {
		_, err := bot.Send(tgbotapi.NewMessage(private.ID, "tick"))
		if err == nil {
			sent++
			continue
		}
		e := apiErr(t, err)
		if e.RetryAfter != 1 {
			t.Fatalf("retry_after %d, want 1 unit", e.RetryAfter)
		}
		time.Sleep(time.Duration(e.RetryAfter) * unit)
	}
	if s.Count429() < 1 {
		t.Error("five back-to-back messages never went past the burst of 3")
	}
}
