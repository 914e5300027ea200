package telegram

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"sync/atomic"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/tasks"
)

// allowedUpdates are the update kinds the adapter asks for.
const allowedUpdates = `["message","callback_query"]`

// receive long-polls getUpdates until ctx ends (nil) or Telegram refuses the
// token (an error). Each update is handled before the next poll confirms
// it; handling never waits for the network (see goHandle), so a slow chat
// never holds up the others. Message work runs on work.
//
// At the end, the last offset must reach Telegram, but never by a
// getUpdates that overlaps the cancelled long poll: Telegram answers 409
// to concurrent getUpdates. The long poll that ctx cancels has returned
// (its connection closed) before anything else is sent, and if its request
// had been written out, it already carried the offset; only otherwise does
// a short confirm follow.
func (a *Adapter) receive(ctx, work context.Context) error {
	offset := 0
	failures := 0
	conflicted := false // the last getUpdates met another instance's
	for {
		p := tgbotapi.Params{"timeout": strconv.Itoa(pollSeconds), "allowed_updates": allowedUpdates}
		if offset != 0 {
			p["offset"] = strconv.Itoa(offset)
		}
		var written atomic.Bool
		pctx, cancel := context.WithTimeout(ctx, pollTimeout)
		pctx = httptrace.WithClientTrace(pctx, &httptrace.ClientTrace{WroteRequest: func(i httptrace.WroteRequestInfo) {
			written.Store(i.Err == nil)
		}})
		raw, err := a.client.api.call(pctx, "getUpdates", p, nil)
		cancel()
		if ctx.Err() != nil {
			if !written.Load() {
				a.client.confirm(offset)
			}
			return nil
		}
		if err != nil {
			failures++
			conflict := isConflict(err)
			a.health.set(func(h *health) { h.failures, h.lastErr, h.conflict = failures, err, conflict })
			wait, fatal := a.client.pollFailed(ctx, err, failures, conflicted)
			if fatal != nil {
				return fatal
			}
			conflicted = conflict
			if !tasks.Sleep(ctx, wait) {
				a.client.confirm(offset)
				return nil
			}
			continue
		}
		if conflicted {
			a.log.Info("getUpdates works again: the other instance polling with this token has stopped")
			conflicted = false
		}
		failures = 0
		a.health.set(func(h *health) { h.failures, h.lastErr, h.conflict, h.lastPoll = 0, nil, false, time.Now() })
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			a.log.Error("getUpdates answered something that is not a list", "err", err)
			if !tasks.Sleep(ctx, time.Second) {
				return nil
			}
			continue
		}
		for _, item := range items {
			var u update
			if err := json.Unmarshal(item, &u); err != nil {
				// Skip it, but still confirm it: it would come back forever.
				var id struct {
					UpdateID int `json:"update_id"`
				}
				_ = json.Unmarshal(item, &id)
				u = update{UpdateID: id.UpdateID}
				a.log.Warn("undecodable update skipped", "update_id", id.UpdateID, "err", err)
			}
			if u.UpdateID >= offset {
				offset = u.UpdateID + 1
			}
			a.dispatch(work, u)
		}
	}
}

// maxConflictBackoff bounds the wait between two getUpdates while another
// instance polls with the token, in "seconds" (Limits.RetryAfterUnit).
const maxConflictBackoff = 60

// pollFailed decides what to do after a failed getUpdates: how long to wait
// before the next one, or a fatal error. conflicted reports that the
// previous getUpdates already met another instance's.
func (c *client) pollFailed(ctx context.Context, err error, failures int, conflicted bool) (time.Duration, error) {
	// Backoff in "seconds" of the limits, which tests scale down.
	unit := c.cfg.Limits.RetryAfterUnit
	backoff := min(time.Duration(1<<min(failures-1, 5))*unit, 30*unit)
	ae := asAPIError(err)
	switch {
	case ae != nil && ae.Code == http.StatusUnauthorized:
		return 0, connectError(c.cfg.APIURL, err)
	case retryAfter(err) > 0:
		c.cfg.Recorder.RateLimited(imagine.Telegram)
		wait := time.Duration(retryAfter(err)) * c.cfg.Limits.RetryAfterUnit
		c.log.Warn("getUpdates is flood limited", "retry_after", wait)
		return wait, nil
	case ae != nil && ae.Code == http.StatusConflict && descHas(err, "webhook"):
		// The bot was set up for a webhook elsewhere; long polling needs it gone.
		c.log.Warn("a webhook is set for this bot; deleting it so that long polling works")
		dctx, cancel := context.WithTimeout(ctx, callTimeout)
		defer cancel()
		if _, err := c.api.call(dctx, "deleteWebhook", nil, nil); err != nil {
			c.log.Error("deleteWebhook failed", "err", err)
			return backoff, nil
		}
		return 0, nil
	case isConflict(err):
		// Two processes with one token knock each other off: each
		// getUpdates ends the other's. Say so once, then back off further
		// and further, so that the other instance (if it should run) mostly
		// gets its way, and this one notices when it stops.
		if !conflicted {
			c.log.Error("another instance of the bot is polling Telegram with this token; only one may run: stop the other one (this one backs off and retries)",
				"err", err)
		} else {
			c.log.Debug("getUpdates: still conflicting with another instance", "failures", failures)
		}
		return min(time.Duration(1<<min(failures-1, 6))*unit, maxConflictBackoff*unit), nil
	default:
		c.log.Warn("getUpdates failed, retrying", "err", err, "in", backoff)
		return backoff, nil
	}
}

// confirm tells Telegram that every update before offset was handled, so
// that a restart does not see them again. It is short and bounded: a
// getUpdates without waiting.
func (c *client) confirm(offset int) {
	if offset == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	p := tgbotapi.Params{"offset": strconv.Itoa(offset), "timeout": "0", "limit": "1", "allowed_updates": allowedUpdates}
	if _, err := c.api.call(ctx, "getUpdates", p, nil); err != nil {
		c.log.Debug("could not confirm the last updates", "err", err)
	}
}

// dispatch hands one update to its handler. It must return quickly. A
// panic while handling it is recovered and logged: the next update is
// handled as usual.
func (a *Adapter) dispatch(ctx context.Context, u update) {
	a.tasks.Do(func() {
		switch {
		case u.Message != nil:
			a.handleMessage(ctx, u.Message)
		case u.CallbackQuery != nil:
			a.handleButton(ctx, u.CallbackQuery)
		}
	})
}
