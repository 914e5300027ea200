package discord

import (
	"context"
	"strings"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// queuePromptRunes is how much of each prompt /queue shows.
const queuePromptRunes = 60

// handleQueue answers /queue ephemerally: the user's jobs with their
// positions, and how many jobs wait in all.
func (a *Adapter) handleQueue(ctx context.Context, in *incoming) {
	a.replyEphemeral(ctx, in, queueText(a.svc, in.who))
}

func queueText(svc *imagine.Service, who imagine.Requester) string {
	loc := who.Locale
	mine, waiting := svc.Jobs(who)
	if len(mine) == 0 {
		return catalog.T(loc, catalog.MsgQueueEmpty, waiting)
	}
	lines := []string{catalog.T(loc, catalog.MsgQueueMine, waiting)}
	for _, j := range mine {
		p := imagine.Shorten(j.Prompt, queuePromptRunes)
		if j.State == imagine.Running {
			lines = append(lines, catalog.T(loc, catalog.MsgQueueRunning, p))
		} else {
			lines = append(lines, catalog.T(loc, catalog.MsgQueueWaiting, j.Position, p))
		}
	}
	return strings.Join(lines, "\n")
}

// handleHelp answers /help ephemerally.
func (a *Adapter) handleHelp(ctx context.Context, in *incoming) {
	a.replyEphemeral(ctx, in, helpText(a.svc.Settings(), in.locale()))
}

func helpText(s imagine.Settings, loc string) string {
	l := s.Limits
	text := catalog.T(loc, catalog.MsgDiscordHelp, l.MaxWidth, l.MaxHeight, l.MaxSteps, l.MaxBatch)
	if names := s.StyleNames(); len(names) > 0 {
		text += "\n" + catalog.T(loc, catalog.MsgHelpStyles, strings.Join(names, ", "))
	}
	return text
}
