package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

// maxAttempts bounds the tries of one urgent message after network and
// server errors, and maxFloodWaits its waits after 429s (each at least
// retry_after long), so that a chat that keeps failing cannot hold a
// goroutine forever.
const (
	maxAttempts   = 6
	maxFloodWaits = 20
)

// media is an image to send as a photo or, when Telegram would refuse it as
// one, as a document.
type media struct {
	data []byte
	name string // file name, e.g. "imagine-1a.png"
	doc  bool   // send as a document
	key  string // identifies the content, so an unchanged image is not uploaded again
}

func (m media) kind() string {
	if m.doc {
		return "document"
	}
	return "photo"
}

func (m media) file(field string) tgbotapi.RequestFile {
	return tgbotapi.RequestFile{Name: field, Data: tgbotapi.FileBytes{Name: m.name, Bytes: m.data}}
}

// call makes one Bot API call that sends or edits a message in c, within
// callTimeout, and tells the limiter about a 429.
func (a *Adapter) call(ctx context.Context, c chatRef, method string, p tgbotapi.Params, files []tgbotapi.RequestFile) (json.RawMessage, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	raw, err := a.api.call(ctx, method, p, files)
	a.noteMigration(c, err)
	if n := retryAfter(err); n > 0 {
		a.cfg.Recorder.RateLimited(imagine.Telegram)
		wait := time.Duration(n) * a.cfg.Limits.RetryAfterUnit
		a.lim.penalize(c, wait)
		a.log.Warn("flood limited", "method", method, "chat", c.id, "retry_after", wait)
	}
	return raw, err
}

// waitTurn books the next free slot for an urgent message in c, waits for
// it and returns it.
func (a *Adapter) waitTurn(ctx context.Context, c chatRef) (time.Time, error) {
	for {
		t := a.lim.reserve(c)
		if d := t.Sub(a.lim.now()); d > 0 && !sleep(ctx, d) {
			a.lim.release(c, t)
			return time.Time{}, ctx.Err()
		}
		if a.lim.confirm(c, t) {
			return t, nil
		}
	}
}

// errNotSent is what an op of deliver returns when, its turn come, it
// decides not to send after all: the slot is given back, or handed on (see
// heldTurn).
var errNotSent = errors.New("telegram: nothing sent")

// heldTurnTTL is how long a turn handed on by errNotSent stays usable.
const heldTurnTTL = 50 * time.Millisecond

// heldTurn is a slot one sender booked, waited for and then did not use,
// kept for its own next message: when a job's result is ready before its
// status message went out, the result goes out in the status message's
// turn instead of queueing again behind everyone else's. It belongs to one
// goroutine.
type heldTurn struct {
	chat chatRef
	at   time.Time // the slot
	kept time.Time // when it was handed on; zero for none
}

// take returns the held slot for c if it is still fresh, and forgets it;
// a stale one is given back to the limiter.
func (h *heldTurn) take(a *Adapter, c chatRef) (time.Time, bool) {
	if h == nil || h.kept.IsZero() {
		return time.Time{}, false
	}
	at, fresh := h.at, h.chat == c && a.lim.now().Sub(h.kept) < heldTurnTTL
	if !fresh {
		a.lim.release(h.chat, h.at)
	}
	h.kept = time.Time{}
	return at, fresh
}

// deliver runs op, one call that sends or edits a message in c, as an
// urgent message: in the next free slot, again after a 429 once
// retry_after has passed (up to maxFloodWaits times), and again after a
// network failure or a server error, with backoff (up to maxAttempts
// times). A group that became a supergroup is retried at once: the sends
// follow it (see route). "Message is not modified" counts as success.
// Other errors are returned at once.
func (a *Adapter) deliver(ctx context.Context, c chatRef, op func(ctx context.Context) error) error {
	return a.deliverHeld(ctx, c, nil, op)
}

// deliverHeld is deliver for a sender that keeps a turn it does not use
// (op returns errNotSent) in held, and uses a turn kept there first.
func (a *Adapter) deliverHeld(ctx context.Context, c chatRef, held *heldTurn, op func(ctx context.Context) error) error {
	backoff := a.cfg.Limits.RetryAfterUnit / 2
	failures, floods := 0, 0
	for {
		if to, moved := a.routes.get(c.id); moved {
			c = chatRef{id: to, group: true}
		}
		t, ok := held.take(a, c)
		if !ok {
			var err error
			if t, err = a.waitTurn(ctx, c); err != nil {
				return err
			}
		}
		err := op(ctx)
		if err == nil || isNotModified(err) {
			return nil
		}
		if errors.Is(err, errNotSent) {
			if held != nil {
				*held = heldTurn{chat: c, at: t, kept: a.lim.now()}
			} else {
				a.lim.release(c, t)
			}
			return err
		}
		if ctx.Err() != nil {
			return err
		}
		switch {
		case migratedTo(err) != 0:
			if failures++; failures == maxAttempts {
				return err
			}
		case retryAfter(err) > 0:
			// The limiter now holds the chat until retry_after has passed.
			if floods++; floods == maxFloodWaits {
				return err
			}
		case isTransient(err):
			if failures++; failures == maxAttempts || !sleep(ctx, backoff) {
				return err
			}
			backoff = min(2*backoff, 30*a.cfg.Limits.RetryAfterUnit)
		default:
			return err
		}
		a.log.Debug("retrying a message", "chat", c.id, "failures", failures, "flood_waits", floods, "err", err)
	}
}

// sendText posts an HTML text message and returns its id.
func (a *Adapter) sendText(ctx context.Context, p place, text string, kb keyboard) (int, error) {
	p, _ = a.route(p)
	ps := p.params()
	ps["text"] = text
	ps["parse_mode"] = "HTML"
	ps.AddNonEmpty("reply_markup", kb.markup())
	return sent(a.call(ctx, p.chat, "sendMessage", ps, nil))
}

// sendMedia posts a photo or document with an HTML caption and returns its id.
func (a *Adapter) sendMedia(ctx context.Context, p place, m media, caption string, kb keyboard) (int, error) {
	p, _ = a.route(p)
	ps := p.params()
	ps.AddNonEmpty("caption", caption)
	ps["parse_mode"] = "HTML"
	ps.AddNonEmpty("reply_markup", kb.markup())
	method := "sendPhoto"
	if m.doc {
		method = "sendDocument"
	}
	return sent(a.call(ctx, p.chat, method, ps, []tgbotapi.RequestFile{m.file(m.kind())}))
}

// sendAlbum posts 2–10 images as one album.
func (a *Adapter) sendAlbum(ctx context.Context, p place, items []media) error {
	p, _ = a.route(p)
	type inputMedia struct {
		Type  string `json:"type"`
		Media string `json:"media"`
	}
	list := make([]inputMedia, len(items))
	files := make([]tgbotapi.RequestFile, len(items))
	for i, m := range items {
		name := "file-" + strconv.Itoa(i)
		list[i] = inputMedia{Type: m.kind(), Media: "attach://" + name}
		files[i] = m.file(name)
	}
	b, _ := json.Marshal(list)
	ps := p.params()
	ps["media"] = string(b)
	_, err := a.call(ctx, p.chat, "sendMediaGroup", ps, files)
	return err
}

func editParams(c chatRef, id int, kb keyboard) tgbotapi.Params {
	ps := tgbotapi.Params{"chat_id": strconv.FormatInt(c.id, 10), "message_id": strconv.Itoa(id)}
	ps.AddNonEmpty("reply_markup", kb.markup())
	return ps
}

// editText replaces a text message's HTML text and keyboard.
func (a *Adapter) editText(ctx context.Context, c chatRef, id int, text string, kb keyboard) error {
	ps := editParams(c, id, kb)
	ps["text"] = text
	ps["parse_mode"] = "HTML"
	_, err := a.call(ctx, c, "editMessageText", ps, nil)
	return err
}

// editCaption replaces a media message's HTML caption and keyboard.
func (a *Adapter) editCaption(ctx context.Context, c chatRef, id int, caption string, kb keyboard) error {
	ps := editParams(c, id, kb)
	ps["caption"] = caption
	ps["parse_mode"] = "HTML"
	_, err := a.call(ctx, c, "editMessageCaption", ps, nil)
	return err
}

// editMedia replaces a message's media (a text message becomes a media
// message, Bot API 7.11+), with an HTML caption and keyboard.
func (a *Adapter) editMedia(ctx context.Context, c chatRef, id int, m media, caption string, kb keyboard) error {
	b, _ := json.Marshal(struct {
		Type      string `json:"type"`
		Media     string `json:"media"`
		Caption   string `json:"caption,omitempty"`
		ParseMode string `json:"parse_mode"`
	}{m.kind(), "attach://file-0", caption, "HTML"})
	ps := editParams(c, id, kb)
	ps["media"] = string(b)
	_, err := a.call(ctx, c, "editMessageMedia", ps, []tgbotapi.RequestFile{m.file("file-0")})
	return err
}

// deleteMessage deletes one of the bot's messages. Deleting is not flood
// limited like sending.
func (a *Adapter) deleteMessage(ctx context.Context, c chatRef, id int) error {
	ps := tgbotapi.Params{"chat_id": strconv.FormatInt(c.id, 10), "message_id": strconv.Itoa(id)}
	_, err := a.call(ctx, c, "deleteMessage", ps, nil)
	return err
}

// answerCallback answers a button press; text (≤ 200 characters) shows as
// a toast, or as an alert the user must dismiss.
func (a *Adapter) answerCallback(ctx context.Context, queryID, text string, alert bool) {
	ps := tgbotapi.Params{"callback_query_id": queryID}
	ps.AddNonEmpty("text", clip(text, 200))
	if alert {
		ps["show_alert"] = "true"
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := a.api.call(ctx, "answerCallbackQuery", ps, nil); err != nil {
		a.log.Warn("answerCallbackQuery failed", "err", err)
	}
}

// reply sends plain text (escaped here) as an urgent reply at p.
func (a *Adapter) reply(ctx context.Context, p place, text string, kb keyboard) (int, error) {
	var id int
	err := a.deliver(ctx, p.chat, func(ctx context.Context) error {
		var err error
		id, err = a.sendText(ctx, p, escape(clip(text, maxText)), kb)
		return err
	})
	if err != nil {
		a.log.Warn("reply failed", "chat", p.chat.id, "err", err)
	}
	return id, err
}

// sent decodes a sent message's id.
func sent(raw json.RawMessage, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	var m sentMessage
	if err := json.Unmarshal(raw, &m); err != nil || m.MessageID == 0 {
		return 0, fmt.Errorf("telegram: unexpected answer to a send: %.100s", raw)
	}
	return m.MessageID, nil
}
