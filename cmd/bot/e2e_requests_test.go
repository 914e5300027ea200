package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
	"github.com/imaginebot/imaginebot/internal/telegram/telegramtest"
)

// request is one /imagine a test sent, kept for the nothing-lost check:
// on Telegram a command in a user's private chat, on Discord an
// interaction.
type request struct {
	tg tgRequest
	dc *discordtest.Interaction
}

// tgRequest is an /imagine command on Telegram.
type tgRequest struct {
	user telegramtest.User
	chat telegramtest.Chat
	cmd  int // the command's message id; the bot's status message replies to it
}

// tgImagine sends "/imagine prompt" from a new user in their own private
// chat (so that Telegram's one-message-per-second-per-chat limit does not
// serialise the scenarios) and tracks it.
func (b *e2eBot) tgImagine(prompt string) tgRequest {
	b.t.Helper()
	id := b.newUserID()
	u := telegramtest.User{ID: id, FirstName: fmt.Sprint("user", id), LanguageCode: "en"}
	r := b.tgCommand(u, "/imagine "+prompt)
	b.mu.Lock()
	b.requests = append(b.requests, request{tg: r})
	b.mu.Unlock()
	return r
}

// tgCommand sends text from u in u's private chat, untracked.
func (b *e2eBot) tgCommand(u telegramtest.User, text string) tgRequest {
	chat := telegramtest.Chat{ID: u.ID, Type: telegramtest.ChatPrivate}
	m := b.tg.SendMessage(chat, u, text)
	return tgRequest{user: u, chat: chat, cmd: m.ID}
}

// tgReplies returns the bot's messages that reply to the request's command.
func (b *e2eBot) tgReplies(r tgRequest) []telegramtest.Message {
	var out []telegramtest.Message
	for _, m := range b.tg.Messages(r.chat.ID) {
		if m.From.IsBot && m.ReplyTo == r.cmd {
			out = append(out, m)
		}
	}
	return out
}

// tgWaitReply waits until the bot's first reply to r satisfies cond and
// returns it.
func (b *e2eBot) tgWaitReply(what string, r tgRequest, cond func(m telegramtest.Message) bool) telegramtest.Message {
	b.t.Helper()
	var got telegramtest.Message
	b.waitTG(what, func() bool {
		rs := b.tgReplies(r)
		if len(rs) == 0 {
			return false
		}
		got = rs[0]
		return cond(got)
	})
	return got
}

// tgWaitEnd waits for the request's status message to show its end.
func (b *e2eBot) tgWaitEnd(r tgRequest) telegramtest.Message {
	b.t.Helper()
	return b.tgWaitReply(fmt.Sprintf("the end of %q", r.user.FirstName), r, tgEnded)
}

// tgWaitImage waits for the request's image and fails if it ends otherwise.
func (b *e2eBot) tgWaitImage(r tgRequest) telegramtest.Message {
	b.t.Helper()
	m := b.tgWaitEnd(r)
	if !tgIsImage(m) {
		b.t.Fatalf("request of %s ended with %q, want an image", r.user.FirstName, tgText(m))
	}
	return m
}

// tgWaitFailure waits for the request's end and checks that it is the
// failure sentence want.
func (b *e2eBot) tgWaitFailure(r tgRequest, want string) {
	b.t.Helper()
	m := b.tgWaitEnd(r)
	if got := tgText(m); !strings.HasPrefix(got, want) {
		b.t.Errorf("request of %s ended with %q, want %q", r.user.FirstName, got, want)
	}
}

// tgEnded reports whether a status message shows the request's end: the
// image, or a failure or cancellation sentence.
func tgEnded(m telegramtest.Message) bool {
	t := tgText(m)
	return tgIsImage(m) || strings.HasPrefix(t, "Failed: ") || t == "Cancelled."
}

// tgIsImage reports whether a status message shows the finished image with
// its caption.
func tgIsImage(m telegramtest.Message) bool {
	return (m.Photo != nil || m.Document != nil) && strings.Contains(m.Caption, "\nSeed ")
}

// tgText is what a message shows: its text or caption.
func tgText(m telegramtest.Message) string { return m.Text + m.Caption }

// dcImagine dispatches /imagine with prompt from a new user in the test
// channel and tracks it.
func (b *e2eBot) dcImagine(prompt string) *discordtest.Interaction {
	b.t.Helper()
	it, err := b.dc.Interact(discordtest.InteractSpec{Name: "imagine", ChannelID: b.channel.ID,
		UserID: fmt.Sprint(b.newUserID()), Options: []discordtest.Option{{Name: "prompt", Value: prompt}}})
	if err != nil {
		b.t.Fatalf("/imagine %s: %v", prompt, err)
	}
	b.mu.Lock()
	b.requests = append(b.requests, request{dc: it})
	b.mu.Unlock()
	return it
}

// dcWaitEnd waits until the interaction's message shows the job's end.
func (b *e2eBot) dcWaitEnd(it *discordtest.Interaction) discordtest.Message {
	b.t.Helper()
	var got discordtest.Message
	b.waitDC("the end of a Discord request", func() bool {
		m, ok := it.Original()
		got = m
		return ok && dcEnded(m)
	})
	return got
}

// dcWaitImage waits for the interaction's image and fails if it ends
// otherwise.
func (b *e2eBot) dcWaitImage(it *discordtest.Interaction) discordtest.Message {
	b.t.Helper()
	m := b.dcWaitEnd(it)
	if !dcIsImage(m) {
		b.t.Fatalf("Discord request of user %s ended with %q, want an image", it.UserID, m.Content)
	}
	return m
}

// dcEnded reports whether a job message shows the job's end: the image, or
// a failure or cancellation sentence.
func dcEnded(m discordtest.Message) bool {
	return dcIsImage(m) || strings.HasPrefix(m.Content, "Failed: ") || m.Content == "Cancelled."
}

// dcIsImage reports whether a job message shows a finished image: an
// attached image shown by an embed whose caption has the seed.
func dcIsImage(m discordtest.Message) bool {
	if len(m.Attachments) == 0 || !strings.HasPrefix(m.Attachments[0].Filename, "imagine_") {
		return false
	}
	for _, raw := range m.Embeds {
		var em struct {
			Description string `json:"description"`
		}
		if json.Unmarshal(raw, &em) == nil && strings.Contains(em.Description, "\nSeed ") {
			return true
		}
	}
	return false
}

// notRunText is what a queued user sees when the bot stops before their
// request ran.
const notRunText = "Failed: The bot restarted before your request ran. Please send it again."

// requireNothingLost waits until every request the test sent has ended in
// a message that shows its end (on Telegram: exactly one reply), and checks
// that the log has one "job ended" line per request (those that never ran
// end too, as cancelled or not run).
func (b *e2eBot) requireNothingLost() {
	b.t.Helper()
	b.mu.Lock()
	reqs := append([]request(nil), b.requests...)
	b.mu.Unlock()
	for _, r := range reqs {
		var shown string
		var image bool
		if r.dc != nil {
			m := b.dcWaitEnd(r.dc)
			shown, image = m.Content, dcIsImage(m)
		} else {
			m := b.tgWaitEnd(r.tg)
			shown, image = tgText(m), tgIsImage(m)
			if n := len(b.tgReplies(r.tg)); n != 1 {
				b.t.Errorf("request of %s got %d replies, want its one status message", r.tg.user.FirstName, n)
			}
		}
		if image {
			shown = "an image"
		}
		b.t.Logf("request ended: %s", shown)
	}
	ended := len(reqs)
	// The line is written just after the final status is published, so it
	// may trail the chat message by a moment.
	b.waitLog(fmt.Sprintf("%d \"job ended\" log lines", ended), func() bool { return len(b.jobsEnded()) >= ended })
	if got := len(b.jobsEnded()); got != ended {
		b.t.Errorf("%d \"job ended\" log lines for %d requests", got, ended)
	}
}
