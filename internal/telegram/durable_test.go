package telegram

import (
	"strings"
	"testing"
)

// TestRedeliveredCommand: Telegram sends a command again that the last
// process handled but did not confirm (it crashed). The job it made goes
// on; the second delivery makes neither a job nor a message. Twice in one
// batch is the same, and so is a button press sent again.
func TestRedeliveredCommand(t *testing.T) {
	h := newHarness(t, options{})
	cmd := h.tg.SendMessage(dm, alice, "/imagine a harbour")
	first := h.tg.LastUpdateID()
	h.waitDone(dm.ID, cmd.ID)

	// A new process (offset 0) is sent the command again.
	h.stopAdapter()
	h.tg.Redeliver(first)
	h.startAdapter()
	h.waitFor("the duplicate to be noticed", func() bool { return strings.Count(h.logs.String(), "command delivered again") == 1 })

	// Twice in one batch, to the same process.
	h.stopAdapter()
	cmd2 := h.tg.SendMessage(dm, alice, "/imagine a lighthouse")
	h.tg.Redeliver(h.tg.LastUpdateID())
	h.startAdapter()
	m := h.waitDone(dm.ID, cmd2.ID)
	h.waitFor("the duplicate to be noticed", func() bool { return strings.Count(h.logs.String(), "command delivered again") == 2 })

	// A button press delivered again.
	h.tg.Click(dm, alice, m.ID, callbackData(m, "r:"))
	press := h.tg.LastUpdateID()
	h.waitDone(dm.ID, m.ID)
	h.stopAdapter()
	h.tg.Redeliver(press)
	h.startAdapter()
	h.waitFor("the duplicate press to be noticed", func() bool { return strings.Contains(h.logs.String(), "button press delivered again") })

	if n := len(h.be.Jobs()); n != 3 {
		t.Errorf("%d jobs for two commands and a press delivered twice each, want 3", n)
	}
	if r := h.replies(dm.ID, m.ID); len(r) != 1 {
		t.Errorf("%d replies to the rerolled result, want one", len(r))
	}
	for _, id := range []int{cmd.ID, cmd2.ID} {
		if r := h.replies(dm.ID, id); len(r) != 1 {
			t.Errorf("%d replies to command %d, want one status message", len(r), id)
		}
	}
}
