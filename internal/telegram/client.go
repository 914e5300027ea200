package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/tasks"
)

// maxAttempts bounds the tries of one urgent message after network and
// server errors, and maxFloodWaits its waits after 429s (each at least
// retry_after long), so that a chat that keeps failing cannot hold a
// goroutine forever.
const (
	maxAttempts   = 6
	maxFloodWaits = 20
)

// connectAttempts bounds the tries to reach the Bot API at start-up, where
// the network may not be up yet.
const connectAttempts = 5

// client is the Bot API as the adapter uses it: it owns the flood limiter,
// follows groups that became supergroups, and makes every send, edit,
// delete and callback answer, retrying urgent messages.
type client struct {
	cfg    Config
	api    *tgClient // set by connect, before any other call
	lim    *limiter
	routes chatRoutes
	unit   time.Duration // what one "second" of retry_after stands for
	log    *slog.Logger
}

func newClient(cfg Config, log *slog.Logger) *client {
	return &client{cfg: cfg, lim: newLimiter(cfg.Limits, time.Now), unit: cfg.Limits.RetryAfterUnit, log: log}
}

// connect calls getMe, again after network and server errors (with
// backoff, up to attempts times), not after a refused token. It returns
// the bot's own user.
func (c *client) connect(ctx context.Context, attempts int) (botUser, error) {
	backoff := c.unit
	for attempt := 1; ; attempt++ {
		dctx, cancel := context.WithTimeout(ctx, callTimeout)
		api, me, err := dial(dctx, c.cfg.APIURL, c.cfg.Token, c.cfg.HTTPClient)
		cancel()
		if err == nil {
			c.api = api
			return me, nil
		}
		if ctx.Err() != nil || !isTransient(err) || attempt >= attempts {
			return botUser{}, connectError(c.cfg.APIURL, err)
		}
		c.log.Warn("cannot reach the Bot API yet, retrying", "err", err, "in", backoff)
		if !tasks.Sleep(ctx, backoff) {
			return botUser{}, ctx.Err()
		}
		backoff *= 2
	}
}

// call makes one Bot API call that sends or edits a message in ch, within
// callTimeout, and tells the limiter about a 429.
func (c *client) call(ctx context.Context, ch chatRef, method string, p tgbotapi.Params, files []tgbotapi.RequestFile) (json.RawMessage, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	raw, err := c.api.call(ctx, method, p, files)
	c.noteMigration(ch, err)
	if n := retryAfter(err); n > 0 {
		c.cfg.Recorder.RateLimited(imagine.Telegram)
		wait := time.Duration(n) * c.unit
		c.lim.penalize(ch, wait)
		c.log.Warn("flood limited", "method", method, "chat", ch.id, "retry_after", wait)
	}
	return raw, err
}

// tryNow takes a slot for a background message (a status edit) in ch if
// one is free now; otherwise it says when to ask again (see limiter.tryNow).
func (c *client) tryNow(ch chatRef) (ok bool, retry time.Duration) { return c.lim.tryNow(ch) }

// waitTurn books the next free slot for an urgent message in ch, waits for
// it and returns it.
func (c *client) waitTurn(ctx context.Context, ch chatRef) (time.Time, error) {
	for {
		t := c.lim.reserve(ch)
		if d := t.Sub(c.lim.now()); d > 0 && !tasks.Sleep(ctx, d) {
			c.lim.release(ch, t)
			return time.Time{}, ctx.Err()
		}
		if c.lim.confirm(ch, t) {
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

// take returns the held slot for ch if it is still fresh, and forgets it;
// a stale one is given back to the limiter.
func (h *heldTurn) take(lim *limiter, ch chatRef) (time.Time, bool) {
	if h == nil || h.kept.IsZero() {
		return time.Time{}, false
	}
	at, fresh := h.at, h.chat == ch && lim.now().Sub(h.kept) < heldTurnTTL
	if !fresh {
		lim.release(h.chat, h.at)
	}
	h.kept = time.Time{}
	return at, fresh
}

// deliver runs op, one call that sends or edits a message in ch, as an
// urgent message: in the next free slot, again after a 429 once
// retry_after has passed (up to maxFloodWaits times), and again after a
// network failure or a server error, with backoff (up to maxAttempts
// times). A group that became a supergroup is retried at once: the sends
// follow it (see chatRoutes). "Message is not modified" counts as success.
// Other errors are returned at once.
//
// A sender that passes held keeps there a turn it does not use (op
// returns errNotSent), and uses a turn kept there first; held may be nil.
func (c *client) deliver(ctx context.Context, ch chatRef, held *heldTurn, op func(ctx context.Context) error) error {
	backoff := c.unit / 2
	failures, floods := 0, 0
	for {
		if to, moved := c.routes.get(ch.id); moved {
			ch = chatRef{id: to, group: true}
		}
		t, ok := held.take(c.lim, ch)
		if !ok {
			var err error
			if t, err = c.waitTurn(ctx, ch); err != nil {
				return err
			}
		}
		err := op(ctx)
		if err == nil || isNotModified(err) {
			return nil
		}
		if errors.Is(err, errNotSent) {
			if held != nil {
				*held = heldTurn{chat: ch, at: t, kept: c.lim.now()}
			} else {
				c.lim.release(ch, t)
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
			if failures++; failures == maxAttempts || !tasks.Sleep(ctx, backoff) {
				return err
			}
			backoff = min(2*backoff, 30*c.unit)
		default:
			return err
		}
		c.log.Debug("retrying a message", "chat", ch.id, "failures", failures, "flood_waits", floods, "err", err)
	}
}

// reply sends plain text (escaped here) and kb as an urgent reply at p,
// or with msgID not 0, edits that text message into them. It returns the
// message's id, 0 if none could be sent; a failure is logged.
func (c *client) reply(ctx context.Context, p place, msgID int, text string, kb keyboard) int {
	err := c.deliver(ctx, p.chat, nil, func(ctx context.Context) error {
		id, err := c.send(ctx, outgoing{at: p, edit: msgID, text: escape(clip(text, maxText)), kb: kb})
		msgID = max(msgID, id) // a new message's id once sent
		return err
	})
	if err != nil {
		c.log.Warn("reply failed", "chat", p.chat.id, "edit", msgID, "err", err)
	}
	return msgID
}

// answerCallback answers a button press; text (≤ 200 characters) shows as
// a toast, or as an alert the user must dismiss.
func (c *client) answerCallback(ctx context.Context, queryID, text string, alert bool) {
	ps := tgbotapi.Params{"callback_query_id": queryID}
	ps.AddNonEmpty("text", clip(text, 200))
	if alert {
		ps["show_alert"] = "true"
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := c.api.call(ctx, "answerCallbackQuery", ps, nil); err != nil {
		c.log.Warn("answerCallbackQuery failed", "err", err)
	}
}
