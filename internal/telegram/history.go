package telegram

import (
	"context"
	"strings"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/frontend"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// handleHistory handles /history: the user's last results, one line each
// (prompt, seed, size, model, when in UTC), with a 🔁 button per line that
// runs it again with the same seed (a Try again press, see handleReroll).
func (a *Adapter) handleHistory(ctx context.Context, m *message) {
	who := a.who(m.From)
	at := answering(m)
	loc := who.Locale
	recs, err := a.core.History(who)
	if err != nil {
		a.log.Error("cannot read a user's history", "user", who.Key(), "err", err)
		a.goReply(ctx, at, imagine.Describe(err, loc))
		return
	}
	if len(recs) == 0 {
		a.goReply(ctx, at, catalog.T(loc, catalog.MsgHistoryEmpty))
		return
	}
	text, kb := historyView(loc, recs)
	a.goChat(ctx, at.chat.id, func(ctx context.Context) { a.client.reply(ctx, at, 0, text, kb) })
}

// historyView renders results, newest first, and their run-again buttons,
// five to a row.
func historyView(loc string, recs []imagine.Record) (string, keyboard) {
	lines := []string{catalog.T(loc, catalog.MsgHistoryTitle, len(recs))}
	var kb keyboard
	var row []button
	for i, r := range recs {
		lines = append(lines, frontend.HistoryLine(loc, i+1, r, r.Ended.UTC().Format("2006-01-02 15:04 UTC")))
		row = append(row, button{Text: catalog.T(loc, catalog.MsgBtnRunAgain, i+1), Data: press{act: actRetry, job: r.ID}.data()})
		if len(row) == 5 || i == len(recs)-1 {
			kb, row = append(kb, row), nil
		}
	}
	return strings.Join(lines, "\n"), kb
}
