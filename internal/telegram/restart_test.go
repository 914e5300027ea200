package telegram

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagine"
	sqlstore "github.com/imaginebot/imaginebot/internal/store"
	"github.com/imaginebot/imaginebot/internal/telegram/telegramtest"
)

// restartSetup runs alice's job (held at its first step) and queues
// bob's behind it, on the SQLite store, and waits until the store knows
// both status messages (the adapter saves them just after Telegram
// answered).
func restartSetup(t *testing.T) (h *harness, running, waiting telegramtest.Message) {
	db := openDB(t)
	h = newHarness(t, options{backend: held, svc: imagine.Config{Store: db, ShutdownTimeout: 20 * time.Millisecond}})
	running = h.tg.SendMessage(dm, alice, "/imagine a slow lighthouse --steps 40")
	h.running(dm.ID, running.ID)
	waiting = h.tg.SendMessage(bobDM, bob, "/imagine a patient fox")
	h.waitStatus("bob's job queued", bobDM.ID, waiting.ID, func(m telegramtest.Message) bool { return strings.Contains(text(m), "Queued") })
	poll(t, "the status messages saved", func() bool {
		for _, id := range []imagine.JobID{1, 2} {
			r, err := db.Record(t.Context(), id)
			if err != nil {
				return false
			}
			if ref, err := decodeRef(r.Ref); err != nil || ref.Status == 0 {
				return false
			}
		}
		return true
	})
	return h, running, waiting
}

// openDB opens a SQLite store in a temporary directory.
func openDB(t *testing.T) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(t.Context(), filepath.Join(t.TempDir(), "bot.db"), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// poll waits for cond, which no fake signals, checking it every few
// milliseconds; it fails the test after 15s.
func poll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: timed out", what)
		}
	}
}

// resultsInPlace lets the jobs run and checks that each result arrives in
// its command's one status message.
func (h *harness) resultsInPlace(cmds ...telegramtest.Message) {
	h.t.Helper()
	h.release()
	for _, cmd := range cmds {
		first, _ := h.status(cmd.ChatID, cmd.ID)
		m := h.waitDone(cmd.ChatID, cmd.ID)
		if n := len(h.replies(cmd.ChatID, cmd.ID)); m.ID != first.ID || n != 1 {
			h.t.Errorf("the result is in message %d (of %d replies), want it in the status message %d", m.ID, n, first.ID)
		}
	}
}

// TestGracefulRestart: a graceful stop with a durable store tells the
// waiting user that the request keeps its place, and the user whose image
// was being made that it will be made again, keeping the Cancel button;
// after the restart the same status messages go on to the results. The
// store is the SQLite one.
func TestGracefulRestart(t *testing.T) {
	h, running, waiting := restartSetup(t)
	h.stop()
	for _, tt := range []struct {
		cmd  telegramtest.Message
		want catalog.MsgID
	}{{running, catalog.MsgRestartingRerun}, {waiting, catalog.MsgRestarting}} {
		m, _ := h.status(tt.cmd.ChatID, tt.cmd.ID)
		if text(m) != catalog.T("en", tt.want) || callbackData(m, "c:") == "" {
			t.Errorf("at the stop, status message %q (keyboard %v), want %q with a Cancel button", text(m), m.Keyboard, catalog.T("en", tt.want))
		}
	}
	h.startService()
	h.startAdapter()
	h.waitStatus("bob's job back in the queue", bobDM.ID, waiting.ID, func(m telegramtest.Message) bool {
		return strings.HasPrefix(text(m), catalog.T("en", catalog.MsgRestarted)+"\nQueued")
	})
	h.resultsInPlace(running, waiting)
	if n := len(h.be.Jobs()); n != 3 {
		t.Errorf("%d generations, want 3 (alice's twice, bob's once)", n)
	}
}

// TestResumeAndRedelivery: after a restart (the store has alice's job
// running, bob's waiting, as after a crash too; the bot process is killed
// for real in cmd/bot's end-to-end tests), the next process edits the same
// status messages: alice's image is made again, bob's request kept its
// place. Telegram sends a command again, which makes no second job.
func TestResumeAndRedelivery(t *testing.T) {
	h, running, waiting := restartSetup(t)
	h.stop()
	h.tg.Redeliver(h.tg.LastUpdateID()) // bob's command, as if never confirmed
	h.startService()
	h.startAdapter()
	h.waitStatus("alice's job made again", dm.ID, running.ID, func(m telegramtest.Message) bool {
		return strings.HasPrefix(text(m), catalog.T("en", catalog.MsgRestartedRerun)+"\n")
	})
	h.waitStatus("bob's job back in the queue", bobDM.ID, waiting.ID, func(m telegramtest.Message) bool {
		return strings.HasPrefix(text(m), catalog.T("en", catalog.MsgRestarted)+"\nQueued")
	})
	h.waitFor("the duplicate to be noticed", func() bool { return strings.Contains(h.logs.String(), "command delivered again") })
	h.resultsInPlace(running, waiting)
	if n := len(h.be.Jobs()); n != 3 {
		t.Errorf("%d generations, want 3 (alice's twice, bob's once)", n)
	}
}

// TestButtonsAfterRestart: Reroll and PNG under a result from before a
// restart work with the next process, on the same SQLite store.
func TestButtonsAfterRestart(t *testing.T) {
	h := newHarness(t, options{svc: imagine.Config{Store: openDB(t)}})
	cmd := h.tg.SendMessage(group, alice, "/imagine a lily")
	m := h.waitDone(group.ID, cmd.ID)
	h.restart()

	q := h.tg.Click(group, bob, m.ID, callbackData(m, "p:"))
	if ans := h.answered(q); !strings.HasPrefix(ans.Text, "Sending the PNG") {
		t.Errorf("PNG after the restart: answer %q", ans.Text)
	}
	doc := h.waitStatus("the PNG document", group.ID, m.ID, func(m telegramtest.Message) bool { return m.Document != nil })
	if !bytes.Equal(doc.Document.Bytes, m.Photo.Bytes) {
		t.Error("the PNG after the restart is not the original")
	}
	q = h.tg.Click(group, bob, m.ID, callbackData(m, "r:"))
	if ans := h.answered(q); !strings.HasPrefix(ans.Text, "Rerolling") {
		t.Errorf("Reroll after the restart: answer %q", ans.Text)
	}
	h.waitFor("the rerolled result", func() bool {
		for _, r := range h.replies(group.ID, m.ID) {
			if isResult(r) && strings.HasPrefix(r.Caption, "a lily\n") {
				return true
			}
		}
		return false
	})
}
