package telegram

import (
	"context"
	"errors"
	"strconv"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// Callback data, at most 64 bytes, "kind:args":
//
//	c:<job>          cancel a queued or running job
//	r:<job>          reroll: the same request with a new seed
//	t:<job>          try a failed request again, as it was
//	p:<job>:<i>      send image i of a result as a PNG document
//	m:<list>:<i>     switch to model i of a stored list (admins)
//	mp:<list>:<page> show another page of a model list (admins)
//
// Jobs are imagine.JobID.String(); the state behind r, t, p, m and mp lives
// in the store, and a press after it was evicted gets a friendly answer.

// onCallback handles a button press. Every press is answered. It runs on
// the poll loop: the core calls are quick, the network work happens in
// goroutines.
func (a *Adapter) onCallback(ctx context.Context, q *callbackQuery) {
	who := requester(&q.From)
	if q.Message != nil && !a.chatAllowed(q.Message.Chat) {
		a.log.Info("button refused: chat not allowed", "chat", q.Message.Chat.ID, "user", who.Key())
		a.answerLater(ctx, q, catalog.T(who.Locale, catalog.MsgNotHere), true)
		return
	}
	p, ok := parsePress(q.Data)
	if !ok {
		a.answerLater(ctx, q, catalog.T(who.Locale, catalog.MsgButtonExpired), true)
		return
	}
	switch p.kind {
	case "c":
		a.onCancel(ctx, q, who, p.job)
	case "r", "t":
		a.onReroll(ctx, q, who, p.job, p.kind == "r")
	case "p":
		if q.Message == nil || !a.goChat(ctx, q.Message.Chat.ID, func(ctx context.Context) { a.onPNG(ctx, q, who, p.job, p.n) }) {
			a.answerLater(ctx, q, "", false)
		}
	case "m", "mp":
		a.goHandle(ctx, func(ctx context.Context) { a.onModelButton(ctx, q, who, p) })
	}
}

// answerLater answers a callback from a goroutine.
func (a *Adapter) answerLater(ctx context.Context, q *callbackQuery, text string, alert bool) {
	a.goHandle(ctx, func(ctx context.Context) { a.answerCallback(ctx, q.ID, text, alert) })
}

// onCancel cancels a job for its requester or an admin; anyone else gets
// an alert and nothing changes.
func (a *Adapter) onCancel(ctx context.Context, q *callbackQuery, who imagine.Requester, id imagine.JobID) {
	loc := who.Locale
	err := a.svc.Cancel(id, who, a.isAdmin(q.From.ID))
	switch {
	case err == nil:
		a.log.Info("job cancelled by a button", "job", id.String(), "by", who.Key())
		a.answerLater(ctx, q, catalog.T(loc, catalog.MsgCancelling), false)
	case errors.Is(err, imagine.ErrNotYourJob):
		a.answerLater(ctx, q, imagine.Describe(err, loc), true)
	default:
		a.answerLater(ctx, q, imagine.Describe(err, loc), false)
	}
}

// onReroll submits a stored request again as the user who pressed the
// button (whose own limits apply): with a new seed for Reroll, as it was
// for Try again. The new status message replies to the pressed message.
func (a *Adapter) onReroll(ctx context.Context, q *callbackQuery, who imagine.Requester, id imagine.JobID, newSeed bool) {
	loc := who.Locale
	r, ok := a.store.get(id)
	if !ok {
		a.answerLater(ctx, q, catalog.T(loc, catalog.MsgButtonExpired), true)
		return
	}
	req := r.req
	req.Requester = who
	if newSeed {
		req.Seed = -1
	}
	tk, err := a.svc.Submit(req)
	if err != nil {
		a.answerLater(ctx, q, imagine.Describe(err, loc), true)
		return
	}
	at := r.at
	if q.Message != nil {
		at = answering(q.Message)
	}
	a.log.Info("job submitted by a button", "job", tk.ID.String(), "from", id.String(), "user", who.Key())
	answer := catalog.MsgRerolling
	if !newSeed {
		answer = catalog.MsgTryingAgain
	}
	a.answerLater(ctx, q, catalog.T(loc, answer), false)
	a.goEditor(ctx, a.newEditor(tk, at, req))
}

// onPNG sends one original image of a result as a document.
func (a *Adapter) onPNG(ctx context.Context, q *callbackQuery, who imagine.Requester, id imagine.JobID, i int) {
	loc := who.Locale
	r, ok := a.store.get(id)
	if !ok || i < 0 || i >= len(r.images) {
		a.answerCallback(ctx, q.ID, catalog.T(loc, catalog.MsgButtonExpired), true)
		return
	}
	a.answerCallback(ctx, q.ID, catalog.T(loc, catalog.MsgSendingPNG), false)
	at := r.at
	if q.Message != nil {
		at = answering(q.Message)
	}
	name := "imagine-" + id.String()
	if len(r.images) > 1 {
		name += "-" + strconv.Itoa(i+1)
	}
	m := media{data: r.images[i], name: name + imageExt(r.images[i]), doc: true}
	err := a.deliver(ctx, at.chat, func(ctx context.Context) error {
		_, err := a.sendMedia(ctx, at, m, "", nil)
		return err
	})
	if err != nil {
		a.log.Warn("could not send a PNG", "job", id.String(), "err", err)
	}
}
