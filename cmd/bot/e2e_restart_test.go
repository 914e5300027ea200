package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
	"github.com/imaginebot/imaginebot/internal/sdsim"
	"github.com/imaginebot/imaginebot/internal/telegram/telegramtest"
)

// restartUsers are the users of the restart tests: two on Telegram, one on
// Discord.
type restartUsers struct {
	ann, bob telegramtest.User
	carol    string // Discord user id
}

func newRestartUsers(b *e2eBot) restartUsers {
	return restartUsers{
		ann:   telegramtest.User{ID: b.newUserID(), FirstName: "Ann", LanguageCode: "en"},
		bob:   telegramtest.User{ID: b.newUserID(), FirstName: "Bob", LanguageCode: "en"},
		carol: "70" + strings.Repeat("1", 16),
	}
}

// dcImagineAs dispatches /imagine with prompt from user in the test
// channel and tracks it.
func (b *e2eBot) dcImagineAs(user, prompt string) *discordtest.Interaction {
	b.t.Helper()
	it, err := b.dc.Interact(discordtest.InteractSpec{Name: "imagine", ChannelID: b.channel.ID,
		UserID: user, Options: []discordtest.Option{{Name: "prompt", Value: prompt}}})
	if err != nil {
		b.t.Fatalf("/imagine %s: %v", prompt, err)
	}
	b.mu.Lock()
	b.requests = append(b.requests, request{dc: it})
	b.mu.Unlock()
	return it
}

// queueSeven sends seven requests from three users while the first one
// runs, each once the one before is queued, so that their fair order is
// known: after ann's first (running), bob's and carol's first, then the
// second round, then ann's third.
func queueSeven(b *e2eBot, u restartUsers) (tg map[string]tgRequest, dc map[string]*discordtest.Interaction) {
	b.t.Helper()
	tg, dc = map[string]tgRequest{}, map[string]*discordtest.Interaction{}
	tg["ann 1"] = b.tgImagineAs(u.ann, "ann 1")
	b.eventually("ann's first job on the SD server", func() bool {
		return slices.Contains(txt2imgPrompts(b.t, b.sd.Sim()), "ann 1")
	})
	queued := func(m telegramtest.Message) bool { return strings.Contains(m.Text, "Queued") }
	for _, s := range []struct{ who, prompt string }{
		{"ann", "ann 2"}, {"ann", "ann 3"}, {"bob", "bob 1"}, {"bob", "bob 2"}, {"carol", "carol 1"}, {"carol", "carol 2"},
	} {
		switch s.who {
		case "carol":
			it := b.dcImagineAs(u.carol, s.prompt)
			dc[s.prompt] = it
			b.waitDC("the queued status of "+s.prompt, func() bool {
				m, ok := it.Original()
				return ok && strings.Contains(m.Content, "Queued")
			})
		default:
			who := u.ann
			if s.who == "bob" {
				who = u.bob
			}
			r := b.tgImagineAs(who, s.prompt)
			tg[s.prompt] = r
			b.tgWaitReply("the queued status of "+s.prompt, r, queued)
		}
	}
	return tg, dc
}

// txt2imgPrompts lists the prompts of the SD server's txt2img requests in
// the order they arrived.
func txt2imgPrompts(t *testing.T, sim *sdsim.Sim) []string {
	t.Helper()
	var got []string
	for _, rec := range sim.Records() {
		if rec.Path != txt2imgPath {
			continue
		}
		var body struct {
			Prompt string `json:"prompt"`
		}
		if err := json.Unmarshal(rec.Body, &body); err != nil {
			t.Fatalf("txt2img body %s: %v", rec.Body, err)
		}
		got = append(got, body.Prompt)
	}
	return got
}

// fairAfterRestart is the order the SD server must receive the seven
// requests in after a restart: ann's first again, then the fair order.
var fairAfterRestart = []string{"ann 1", "bob 1", "carol 1", "ann 2", "bob 2", "carol 2", "ann 3"}

// TestRestartAfterKill kills the bot process with SIGKILL while one job
// runs and six wait, on Telegram and Discord, and starts it again on the
// same store file: every request is delivered once, into its own message,
// in the fair order, the job that ran is made again, and the buttons of a
// result made before the kill still work.
func TestRestartAfterKill(t *testing.T) {
	b := startBot(t, e2eOptions{discord: true, child: true})
	u := newRestartUsers(b)

	before := b.tgImagineAs(u.bob, "bob 0")
	done := b.tgWaitImage(before)
	dcBefore := b.dcImagineAs(u.carol, "carol 0")
	dcDone := b.dcWaitImage(dcBefore)

	// ann's first job hangs on the server until the bot dies.
	b.sd.Sim().SetFault(sdsim.Fault{Kind: sdsim.FaultHang, Path: txt2imgPath, Times: 1})
	tg, dc := queueSeven(b, u)
	statusIDs := map[string]int{}
	for p, r := range tg {
		statusIDs[p] = b.tgReplies(r)[0].ID
	}
	b.kill()
	b.sd.Sim().Reset()
	// Telegram sends again what the dead process had not confirmed: here
	// bob's second command.
	b.tg.Redeliver(b.tg.LastUpdateID())

	b.startChild()
	for p, r := range tg {
		m := b.tgWaitImage(r)
		if m.ID != statusIDs[p] {
			t.Errorf("%s: the image came in message %d, want its status message %d", p, m.ID, statusIDs[p])
		}
	}
	for _, it := range dc {
		b.dcWaitImage(it)
	}
	if got := txt2imgPrompts(t, b.sd.Sim()); !slices.Equal(got, fairAfterRestart) {
		t.Errorf("after the restart the SD server received %q, want %q (no second job for the command Telegram sent again)", got, fairAfterRestart)
	}
	b.requireNothingLost()
	if !b.logged("command delivered again; its job already exists") {
		t.Error("the restarted bot did not log the command Telegram sent again as a duplicate")
	}
	if n := b.tg.Count429(); n != 0 {
		t.Errorf("Telegram answered 429 %d times, want 0 (the restarted bot must not take the chats' bursts as unused)", n)
	}

	// The Reroll buttons of the results from before the kill.
	it, err := b.dc.Interact(discordtest.InteractSpec{Type: int(discordgo.InteractionMessageComponent),
		UserID: u.carol, MessageID: dcDone.ID, CustomID: dcButton(t, dcDone, ":r:")})
	if err != nil {
		t.Fatalf("pressing Reroll on Discord: %v", err)
	}
	b.dcWaitImage(it)
	data := buttonData(t, done, "🎲")
	b.tg.Click(before.chat, u.bob, done.ID, data)
	b.waitTG("the reroll of a result from before the kill", func() bool {
		for _, m := range b.tg.Messages(before.chat.ID) {
			if m.From.IsBot && m.ReplyTo == done.ID && tgIsImage(m) {
				return true
			}
		}
		return false
	})
}

// TestRestartAfterTerm stops the bot with SIGTERM while one job runs past
// shutdown_timeout and six wait: their messages say the bot is restarting
// and that they keep their places (the running one that it will be made
// again), the process exits 0, and after the restart every request is
// delivered once, in the fair order.
func TestRestartAfterTerm(t *testing.T) {
	b := startBot(t, e2eOptions{discord: true, child: true, shutdown: time.Second})
	u := newRestartUsers(b)
	b.sd.Sim().SetFault(sdsim.Fault{Kind: sdsim.FaultHang, Path: txt2imgPath, Times: 1})
	tg, dc := queueSeven(b, u)
	if err := b.term(); err != nil {
		t.Fatalf("the bot exited with %v after SIGTERM, want 0", err)
	}
	const (
		keeps = "The bot is restarting. Your request keeps its place and goes on after the restart."
		again = "The bot is restarting before this image was finished. It will be made again after the restart."
	)
	for p, r := range tg {
		want := keeps
		if p == "ann 1" {
			want = again
		}
		if rs := b.tgReplies(r); len(rs) != 1 || !strings.Contains(tgText(rs[0]), want) {
			t.Errorf("%s shows %q after SIGTERM, want %q", p, tgTexts(rs), want)
		}
	}
	for p, it := range dc {
		if m, ok := it.Original(); !ok || !strings.Contains(m.Content, keeps) {
			t.Errorf("%s shows %q after SIGTERM, want %q", p, m.Content, keeps)
		}
	}
	b.sd.Sim().Reset()
	b.startChild()
	for _, r := range tg {
		b.tgWaitImage(r)
	}
	for _, it := range dc {
		b.dcWaitImage(it)
	}
	if got := txt2imgPrompts(t, b.sd.Sim()); !slices.Equal(got, fairAfterRestart) {
		t.Errorf("after the restart the SD server received %q, want %q", got, fairAfterRestart)
	}
	b.requireNothingLost()
}

// dcButton returns the custom id of m's button that contains part.
func dcButton(t *testing.T, m discordtest.Message, part string) string {
	t.Helper()
	var found string
	var walk func([]json.RawMessage)
	walk = func(list []json.RawMessage) {
		for _, raw := range list {
			var c struct {
				CustomID   string            `json:"custom_id"`
				Components []json.RawMessage `json:"components"`
			}
			_ = json.Unmarshal(raw, &c)
			if strings.Contains(c.CustomID, part) {
				found = c.CustomID
			}
			walk(c.Components)
		}
	}
	walk(m.Components)
	if found == "" {
		t.Fatalf("Discord message %s has no button whose id contains %q", m.ID, part)
	}
	return found
}

// buttonData returns the callback data of m's inline button whose text
// starts with prefix.
func buttonData(t *testing.T, m telegramtest.Message, prefix string) string {
	t.Helper()
	for _, row := range m.Keyboard {
		for _, btn := range row {
			if strings.HasPrefix(btn.Text, prefix) {
				return btn.CallbackData
			}
		}
	}
	t.Fatalf("message %d has no button starting with %q", m.ID, prefix)
	return ""
}
