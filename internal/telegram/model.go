package telegram

import (
	"context"
	"errors"
	"time"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// modelsPerPage is how many checkpoints one /model keyboard page lists.
const modelsPerPage = 8

// quickSwitch is how long a model switch may take before the admin is told
// that it is under way (it waits for the running image).
const quickSwitch = 300 * time.Millisecond

// handleModel handles /model for admins: without an argument it shows the
// current model and a keyboard of the checkpoints; with a name it switches.
// Anyone else is politely refused and nothing changes.
func (a *Adapter) handleModel(ctx context.Context, m *message, args string) {
	who := a.who(m.From)
	at := answering(m)
	if !a.cfg.isAdmin(m.From.ID) {
		a.goReply(ctx, at, catalog.T(who.Locale, catalog.MsgNotAdmin))
		return
	}
	if args == "" {
		a.goChat(ctx, at.chat.id, func(ctx context.Context) { a.showModels(ctx, at, who.Locale) })
		return
	}
	a.log.Info("model switch requested", "model", args, "by", who.Key())
	a.goChat(ctx, at.chat.id, func(ctx context.Context) { a.switchModel(ctx, at, who.Locale, args, 0) })
}

// showModels replies with the current model and the first page of the
// model keyboard.
func (a *Adapter) showModels(ctx context.Context, at place, loc string) {
	cur, err := a.core.CurrentModel(ctx)
	var models []imagine.Model
	if err == nil {
		models, err = a.core.Models(ctx)
	}
	if err != nil {
		a.log.Warn("could not list the models", "err", err)
		a.client.reply(ctx, at, 0, texts.modelListFailed.In(loc, imagine.Describe(err, loc)), nil)
		return
	}
	list := make([]modelChoice, len(models))
	for i, m := range models {
		list[i] = modelChoice{Model: m, current: m.Title == cur}
	}
	id := a.store.putModels(list)
	text, kb := modelPage(loc, list, id, 0)
	a.client.reply(ctx, at, 0, text, kb)
}

// modelPage renders one page of a model list: the current model, then one
// button per checkpoint and a row to turn pages.
func modelPage(loc string, list []modelChoice, listID, page int) (string, keyboard) {
	pages := max(1, (len(list)+modelsPerPage-1)/modelsPerPage)
	page = min(max(page, 0), pages-1)
	cur := "?"
	for _, m := range list {
		if m.current {
			cur = m.Title
		}
	}
	text := catalog.T(loc, catalog.MsgModelCurrent, cur) + "\n" + texts.modelChoose.In(loc, page+1, pages)
	var kb keyboard
	for i := page * modelsPerPage; i < min(len(list), (page+1)*modelsPerPage); i++ {
		label := list[i].Name
		if label == "" {
			label = list[i].Title
		}
		label = imagine.Shorten(label, 60)
		if list[i].current {
			label = "✓ " + label
		}
		kb = append(kb, []button{{Text: label, Data: press{act: actModel, list: listID, n: i}.data()}})
	}
	var nav []button
	if page > 0 {
		nav = append(nav, button{Text: texts.btnPrev.In(loc), Data: press{act: actModelPage, list: listID, n: page - 1}.data()})
	}
	if page < pages-1 {
		nav = append(nav, button{Text: texts.btnNext.In(loc), Data: press{act: actModelPage, list: listID, n: page + 1}.data()})
	}
	if nav != nil {
		kb = append(kb, nav)
	}
	return text, kb
}

// handleModelButton handles the model keyboard: a page turn edits the
// keyboard, a model switches to it. Only admins may use it.
func (a *Adapter) handleModelButton(ctx context.Context, q *callbackQuery, who imagine.Requester, p press) {
	loc := who.Locale
	if !a.cfg.isAdmin(q.From.ID) {
		a.client.answerCallback(ctx, q.ID, catalog.T(loc, catalog.MsgNotAdmin), true)
		return
	}
	listID, n := p.list, p.n
	list, ok := a.store.models(listID)
	if !ok || q.Message == nil {
		a.client.answerCallback(ctx, q.ID, catalog.T(loc, catalog.MsgButtonExpired), true)
		return
	}
	at := answering(q.Message)
	if p.act == actModelPage {
		a.client.answerCallback(ctx, q.ID, "", false)
		text, kb := modelPage(loc, list, listID, n)
		a.client.reply(ctx, at, q.Message.MessageID, text, kb)
		return
	}
	if n < 0 || n >= len(list) {
		a.client.answerCallback(ctx, q.ID, catalog.T(loc, catalog.MsgButtonExpired), true)
		return
	}
	title := list[n].Title
	a.client.answerCallback(ctx, q.ID, imagine.Shorten(catalog.T(loc, catalog.MsgModelSwitching, title), 200), false)
	a.log.Info("model switch requested", "model", title, "by", who.Key())
	a.switchModel(ctx, at, loc, title, q.Message.MessageID)
}

// switchModel switches the model through the core and confirms or explains
// the outcome, editing message msgID (or replying when it is 0). A switch
// that takes a while (it waits for the running image) is announced first.
func (a *Adapter) switchModel(ctx context.Context, at place, loc, name string, msgID int) {
	type outcome struct {
		title string
		err   error
	}
	done := make(chan outcome, 1)
	switchIt := func() {
		title, err := a.core.SwitchModel(ctx, name)
		done <- outcome{title, err}
	}
	if !a.tasks.Go(switchIt) {
		switchIt() // shutting down: no announcement
	}
	var r outcome
	t := time.NewTimer(quickSwitch)
	select {
	case r = <-done:
		t.Stop()
	case <-t.C:
		msgID = a.client.reply(ctx, at, msgID, catalog.T(loc, catalog.MsgModelSwitching, name), nil)
		r = <-done
	}
	var text string
	switch {
	case r.err == nil:
		text = catalog.T(loc, catalog.MsgModelSwitched, r.title)
	case errors.Is(r.err, imagine.ErrModelNotFound):
		text = catalog.T(loc, catalog.MsgModelNotFound, name)
	case errors.Is(r.err, imagine.ErrModelLoad):
		text = texts.modelLoadFailed.In(loc, name)
	default:
		text = catalog.T(loc, catalog.MsgModelSwitchFailed, imagine.Describe(r.err, loc))
	}
	if r.err != nil {
		a.log.Warn("model switch failed", "model", name, "err", r.err)
	}
	a.client.reply(ctx, at, msgID, text, nil)
}
