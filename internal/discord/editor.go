package discord

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

// Retry bounds of the editor.
const (
	maxFinalAttempts = 6                      // deliveries of a terminal status before giving up
	minRetry         = 250 * time.Millisecond // after a 429 without retry_after
	firstBackoff     = 500 * time.Millisecond // after a 5xx or a network error, doubling
	maxBackoff       = 30 * time.Second
)

// editor keeps one job message up to date: it renders the job's latest
// status and edits the message at most once per interval, only when the
// rendering changed; a status that arrives while it waits replaces the one
// before (latest wins). The terminal status is always delivered, as soon
// as it arrives (it does not wait for the interval), retried a bounded
// number of times. It runs in the goroutine of the interaction that
// started the job.
type editor struct {
	a        *Adapter
	log      *slog.Logger
	job      imagine.JobID
	who      imagine.Requester
	watch    *imagine.Watch
	r        *renderer
	d        *delivery
	interval time.Duration
	inDM     bool   // the job message is in the bot's DM with the user
	ref      jobRef // as last saved in the core's store

	next       time.Time // earliest time of the next preview edit
	retryAt    time.Time // earliest time of any edit, after a failed one
	shownKey   string    // the view the message shows
	failures   int       // consecutive failed deliveries, for the backoff
	finalTries int       // failed deliveries of the terminal status
}

// newEditor returns the editor of a job message found by ref: the
// interaction's original response, edited with token while it lives (a
// resumed job's token may be gone), else through the bot token.
func (a *Adapter) newEditor(ref jobRef, token string, who imagine.Requester, tk *imagine.Ticket) *editor {
	log := a.log.With("job", tk.ID.String(), "user", who.Key())
	d := &delivery{
		api: a.rest, log: log, now: a.now, slot: &a.rest.webhooks,
		bucket: a.rest.webhooks.get(), appID: ref.AppID, token: token,
		expires:   ref.Created.Add(a.cfg.TokenLifetime - expiryMargin(a.cfg.TokenLifetime)),
		channelID: ref.ChannelID, messageID: ref.MessageID, posted: ref.Posted,
		userID: ref.UserID, botCanEdit: ref.CanEdit, botCanPost: ref.CanPost, replyTo: ref.ReplyTo,
	}
	switch {
	case ref.Posted && ref.MessageID != "":
		d.route = viaBotEdit // the bot's own message: the token cannot edit it
	case ref.ReplyTo != "" && token == "" && ref.CanPost:
		d.route = viaBotPost // a reply the bot posts (an upscale's result)
	case token == "":
		d.fallBack("no interaction token")
	}
	r := &renderer{job: tk.ID, locale: who.Locale, mention: "<@" + ref.UserID + ">", stamp: ref.stamp(), fileLimit: ref.FileLimit}
	if d.unreachable() {
		r.note = texts.MayNotDeliver.In(who.Locale)
	}
	return &editor{a: a, log: log, job: tk.ID, who: who, watch: tk.Watch, r: r, d: d, interval: a.cfg.EditInterval,
		inDM: ref.InDM, ref: ref}
}

// close releases the message's resources.
func (e *editor) close() { e.d.release() }

// run edits the message until the job's terminal status is delivered (or
// cannot be), or ctx ends.
func (e *editor) run(ctx context.Context) {
	for {
		st := e.watch.Latest()
		if e.r.render(st).key != e.shownKey {
			if !e.waitTurn(ctx) {
				e.log.Debug("message work abandoned", "state", st.State.String())
				return
			}
			st = e.watch.Latest() // whatever arrived while waiting replaces it
			if !e.deliver(ctx, st) {
				return
			}
			continue // a newer status may have arrived during the edit
		}
		if st.State.Terminal() {
			return
		}
		select {
		case <-e.watch.Changed():
		case <-ctx.Done():
			return
		}
	}
}

// waitTurn waits until the next edit may go out: a preview waits for the
// edit interval, the terminal status (which is no preview: the user waits
// for it) only for a retry after a failure. A terminal status that arrives
// while a preview waits goes out at once. Discord's rate limit is honoured
// by the REST layer, which waits for a bucket that is used up. It reports
// whether ctx is still alive.
func (e *editor) waitTurn(ctx context.Context) bool {
	for {
		at := e.next
		if e.watch.Latest().State.Terminal() {
			at = e.retryAt
		}
		d := time.Until(at)
		if d <= 0 {
			return ctx.Err() == nil
		}
		timer := time.NewTimer(d)
		select {
		case <-timer.C:
			return ctx.Err() == nil
		case <-ctx.Done():
			timer.Stop()
			return false
		case <-e.watch.Changed():
			timer.Stop() // the latest status may wait less: look again
		}
	}
}

// deliver sends the view of st once. It reports whether the editor should
// go on.
func (e *editor) deliver(ctx context.Context, st imagine.Status) bool {
	v := e.r.render(st)
	terminal := st.State.Terminal()
	if st.State == imagine.Done && st.Result != nil {
		if missing := len(st.Result.Images) - len(v.files); missing > 0 {
			e.log.Warn("images left out of the message", "missing", missing)
		}
	}
	err := e.d.send(ctx, v)
	if err != nil && terminal && len(v.files) > 0 && uploadRefused(err) {
		e.deliverWithoutFiles(ctx, v, err)
		return false
	}
	if err != nil && !terminal && len(v.files) > 0 && uploadRefused(err) {
		// This message may not carry a preview (no Attach Files here, or
		// too large): its progress goes on as text at once.
		e.r.noPreview = true
		e.log.Warn("a preview was refused; this job's progress goes on as text", "route", e.d.route.String(), "err", err)
		return true
	}
	now := time.Now()
	if err == nil && st.State == imagine.Running {
		e.a.cfg.Recorder.PreviewEdited(imagine.Discord)
	}
	if classify(err) == errRateLimited {
		e.a.cfg.Recorder.RateLimited(imagine.Discord)
	}
	if err == nil {
		e.saveRef(st.State)
		e.shownKey, e.failures = v.key, 0
		e.next = now.Add(e.interval)
		return !terminal
	}
	kind := classify(err)
	switch {
	case errors.Is(err, errNoRoute), errors.Is(err, errMessageGone):
		if terminal {
			e.log.Warn("cannot deliver the job's end", "state", st.State.String(), "err", err)
			return false
		}
		// Nobody can see the job any more: stop it rather than waste the GPU.
		cerr := e.a.core.Cancel(e.job, e.who, true)
		e.log.Warn("cannot deliver the job message; job cancelled", "state", st.State.String(), "err", err, "cancel", cerr)
		return false
	case kind == errStopped:
		return false
	case kind == errRateLimited, kind == errTransient:
		e.failures++
		wait := max(retryAfter(err), minRetry)
		if kind == errTransient {
			wait = min(e.a.backoff<<min(e.failures-1, 8), maxBackoff)
		}
		e.next, e.retryAt = now.Add(wait), now.Add(wait)
		if terminal {
			if e.finalTries++; e.finalTries >= maxFinalAttempts {
				e.log.Warn("giving up delivering the job's end", "state", st.State.String(), "attempts", e.finalTries, "err", err)
				return false
			}
		}
		e.log.Debug("edit failed, will retry", "in", wait, "err", err)
		return true
	default:
		// The same payload would fail again: skip this view.
		e.log.Warn("edit refused", "state", st.State.String(), "route", e.d.route.String(), "err", err)
		e.shownKey = v.key
		e.next = now.Add(e.interval)
		return !terminal
	}
}

// saveRef saves the job's references in the core's store when the message
// they point at changed, and once the job's end is shown. The token goes
// with them while it is the way to the message and the job goes on (the
// store deletes it when the job ends; Restarting does not end it).
func (e *editor) saveRef(state imagine.State) {
	ref := e.ref
	ref.MessageID, ref.ChannelID, ref.Posted = e.d.messageID, e.d.channelID, e.d.posted
	ended := state.Terminal() && state != imagine.Restarting
	if ended {
		ref.Result = ref.MessageID
	}
	if ref == e.ref && !ended {
		return
	}
	e.ref = ref
	secret := ""
	if !ended && e.d.route == viaWebhook {
		secret = e.d.token
	}
	e.a.core.SetRef(e.job, imagine.Ref{Data: ref.encode(), Secret: secret})
}
