package frontend

import (
	"strings"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// QueuePromptRunes is how much of each prompt /queue shows.
const QueuePromptRunes = 60

// QueueText answers /queue: the user's jobs with their places, and how
// many jobs wait in all, in the user's language.
func QueueText(loc string, mine []imagine.JobInfo, waiting int) string {
	if len(mine) == 0 {
		return catalog.T(loc, catalog.MsgQueueEmpty, waiting)
	}
	lines := []string{catalog.T(loc, catalog.MsgQueueMine, waiting)}
	for _, j := range mine {
		p := imagine.Shorten(j.Prompt, QueuePromptRunes)
		if j.State == imagine.Running {
			lines = append(lines, catalog.T(loc, catalog.MsgQueueRunning, p))
		} else {
			lines = append(lines, catalog.T(loc, catalog.MsgQueueWaiting, j.Position, p))
		}
	}
	return strings.Join(lines, "\n")
}

// HelpText answers /help: the front end's own introduction (a Text with
// four %d verbs for the largest width and height, the most steps and the
// largest batch), the styles if any, and for admins the admin line.
func HelpText(loc string, s imagine.Settings, intro catalog.Text, admin bool) string {
	l := s.Limits
	parts := []string{intro.In(loc, l.MaxWidth, l.MaxHeight, l.MaxSteps, l.MaxBatch)}
	if names := s.StyleNames(); len(names) > 0 {
		parts = append(parts, catalog.T(loc, catalog.MsgHelpStyles, strings.Join(names, ", ")))
	}
	if admin {
		parts = append(parts, catalog.T(loc, catalog.MsgHelpAdmin))
	}
	return strings.Join(parts, "\n\n")
}
