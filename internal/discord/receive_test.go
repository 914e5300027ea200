package discord

import (
	"testing"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
	"github.com/imaginebot/imaginebot/internal/frontend"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// panickingCore panics for one user: in Submit (on the gateway's event
// goroutine) and in Jobs (in a handler's goroutine).
type panickingCore struct {
	frontend.Core
	user string
}

func (c panickingCore) Submit(req imagine.Request) (*imagine.Ticket, error) {
	if req.Requester.UserID == c.user {
		panic("submit exploded")
	}
	return c.Core.Submit(req)
}

func (c panickingCore) Jobs(who imagine.Requester) ([]imagine.JobInfo, int) {
	if who.UserID == c.user {
		panic("queue exploded")
	}
	return c.Core.Jobs(who)
}

// TestHandlerPanics checks that a panic while handling an interaction, on
// the event goroutine or in a handler's goroutine, is recovered and logged,
// and that the adapter goes on serving everyone else.
func TestHandlerPanics(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{core: func(c frontend.Core) frontend.Core { return panickingCore{Core: c, user: "6660"} }})

	e.imagine("6660", "a doomed cat")
	e.logs.waitLine(t, "recovered from a panic", "submit exploded")
	e.interact(discordtest.InteractSpec{Name: "queue", UserID: "6660"})
	e.logs.waitLine(t, "recovered from a panic", "queue exploded")
	if n := e.a.group.Panics(); n != 2 {
		t.Errorf("the group recovered %d panics, want 2 (one on the event goroutine, one in a handler)", n)
	}

	if got, want := e.ephemeral(e.interact(discordtest.InteractSpec{Name: "queue", UserID: "6661"})),
		catalog.T("en", catalog.MsgQueueEmpty, 0); got != want {
		t.Errorf("/queue after the panics = %q, want %q", got, want)
	}
	if m := e.waitFinal(e.imagine("6661", "a lucky cat")); len(m.Attachments) != 1 {
		t.Errorf("no image after the panics:\n%s", describe(m))
	}
}
