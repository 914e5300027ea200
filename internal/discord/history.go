package discord

import (
	"context"
	"fmt"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/frontend"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// handleHistory answers /history ephemerally: the user's last results,
// newest first, each with a button that runs it again (as Try again does:
// a new job message in the channel).
func (a *Adapter) handleHistory(ctx context.Context, in *incoming) {
	loc := in.locale()
	recs, err := a.core.History(in.who)
	if err != nil {
		a.log.Error("cannot read a user's history", "user", in.who.Key(), "err", err)
		a.replyEphemeral(ctx, in, imagine.Describe(err, loc))
		return
	}
	if len(recs) == 0 {
		a.replyEphemeral(ctx, in, catalog.T(loc, catalog.MsgHistoryEmpty))
		return
	}
	lines := []string{catalog.T(loc, catalog.MsgHistoryTitle, len(recs))}
	var buttons []discordgo.MessageComponent
	for i, rec := range recs {
		lines = append(lines, historyItem(loc, i+1, rec))
		buttons = append(buttons, discordgo.Button{Label: catalog.T(loc, catalog.MsgBtnRunAgain, i+1),
			Style: discordgo.SecondaryButton, CustomID: buttonID(recordStamp(rec), actRetry, rec.ID, 0)})
	}
	a.replyEphemeralWith(ctx, in, strings.Join(lines, "\n"), actionRows(buttons))
}

// historyItem is one line of /history, with when the job ended as a
// Discord timestamp each client shows in its own time zone and language.
func historyItem(loc string, n int, rec imagine.Record) string {
	when := rec.Ended
	if when.IsZero() {
		when = rec.Submitted
	}
	return frontend.HistoryLine(loc, n, rec, fmt.Sprintf("<t:%d:R>", when.Unix()))
}
