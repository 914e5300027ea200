package telegram

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/imagine/imaginetest"
	"github.com/imaginebot/imaginebot/internal/telegram/telegramtest"
)

// TestSoak measures throughput at Telegram's global cap: 200 users in
// private chats, each sending a new /imagine as soon as the result of
// their previous one is visible, against a scripted in-memory backend
// whose steps take a nanosecond and the fake Bot API with Telegram's real limits
// (30 messages a second in all), for -soak (default 60s). It prints images a minute, 429s and the
// latency from SD's end of a job to its image being visible.
func TestSoak(t *testing.T) {
	if !*loadFlag {
		t.Skip("run with -load")
	}
	const users = 200
	h := newHarness(t, options{
		fake:    telegramtest.Options{Limits: telegramtest.ScaledLimits(time.Second)},
		backend: imaginetest.Options{StepDelay: time.Nanosecond}, // SD is not the bottleneck
		svc:     imagine.Config{PerUser: 1, MaxQueue: 1000, PositionRefresh: 3 * time.Second},
		cfg:     Config{EditInterval: time.Second},
		quiet:   true,
	})
	type user struct {
		chat    telegramtest.Chat
		from    telegramtest.User
		cmd     int // the command waiting for its result, 0 for none
		prompt  string
		results int
	}
	us := make([]*user, users)
	send := func(u *user) {
		u.prompt = fmt.Sprintf("soak u%d n%d", u.from.ID, u.results)
		u.cmd = h.tg.SendMessage(u.chat, u.from, "/imagine "+u.prompt).ID
	}
	for i := range us {
		from := telegramtest.User{ID: int64(20000 + i), FirstName: fmt.Sprint("Soak", i), LanguageCode: "en"}
		us[i] = &user{chat: telegramtest.Chat{ID: from.ID, Type: telegramtest.ChatPrivate}, from: from}
	}
	start := time.Now()
	for _, u := range us {
		send(u)
	}
	type done struct {
		prompt string
		chat   int64
		cmd    int
	}
	var delivered []done
	end := start.Add(*soakDuration)
	for time.Now().Before(end) {
		changed := h.tg.Changed()
		for _, u := range us {
			if _, ok := resultShownAt(h, u.chat.ID, u.cmd); ok {
				delivered = append(delivered, done{u.prompt, u.chat.ID, u.cmd})
				u.results++
				send(u)
			}
		}
		select {
		case <-changed:
		case <-time.After(10 * time.Millisecond):
		}
		time.Sleep(5 * time.Millisecond) // check at most ~100 times a second
	}
	took := time.Since(start)

	ends := sdJobEnds(h)
	var finals []time.Duration
	for _, d := range delivered {
		shown, _ := resultShownAt(h, d.chat, d.cmd)
		if e, ok := ends[d.prompt]; ok {
			finals = append(finals, shown.Sub(e))
		}
	}
	slices.Sort(finals)
	perMinute := float64(len(delivered)) / took.Minutes()
	sends := 0
	for _, c := range h.tg.Calls() {
		if c.Error == "" && (c.Method == "sendMessage" || c.Method == "sendPhoto" || c.Method == "sendDocument" || c.Method == "sendMediaGroup" ||
			c.Method == "editMessageText" || c.Method == "editMessageCaption" || c.Method == "editMessageMedia") {
			sends++
		}
	}
	t.Logf("%d users, %v: %d images delivered, %.0f images/minute; %.2f messages and edits per image", users, took.Round(time.Second),
		len(delivered), perMinute, float64(sends)/float64(max(1, len(delivered))))
	t.Logf("SD job end → final image visible: p50 %v, p99 %v, max %v", percentile(finals, 0.5), percentile(finals, 0.99), percentile(finals, 1))
	t.Logf("429 answers: %d", h.tg.Count429())
	for _, c := range h.tg.Calls() {
		if c.Status == 429 {
			t.Logf("429: %s %s to chat %s", c.Time.Format("15:04:05.000"), c.Method, c.Params["chat_id"])
		}
	}
	if n := h.tg.Count429(); n != 0 {
		t.Errorf("%d answers were 429, want none", n)
	}
	if perMinute < 1500 {
		t.Errorf("%.0f images/minute, want ≥ 1500", perMinute)
	}
}
