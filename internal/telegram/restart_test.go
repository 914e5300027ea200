package telegram

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/queue"
	sqlstore "github.com/imaginebot/imaginebot/internal/store"
	"github.com/imaginebot/imaginebot/internal/telegram/telegramtest"
)

// durableStore is the in-memory store that also keeps the jobs that wait
// or run, as a durable store does: a service built on it after another
// stopped resumes that one's jobs.
type durableStore struct {
	*imagine.MemoryStore

	// crashed drops every write, as after a crash: the next process
	// finds what the store held at the crash.
	crashed atomic.Bool

	mu    sync.Mutex // guards the fields below
	jobs  map[imagine.JobID]*imagine.SavedJob
	turns map[string]queue.Turn
	last  imagine.JobID
}

func newDurableStore() *durableStore {
	return &durableStore{MemoryStore: imagine.NewMemoryStore(), jobs: map[imagine.JobID]*imagine.SavedJob{}, turns: map[string]queue.Turn{}}
}

func (d *durableStore) Durable() bool { return true }

func (d *durableStore) LoadJobs(context.Context) (imagine.SavedJobs, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := imagine.SavedJobs{Turns: map[string]queue.Turn{}, LastID: d.last}
	for _, j := range d.jobs {
		out.Jobs = append(out.Jobs, *j)
	}
	slices.SortFunc(out.Jobs, func(a, b imagine.SavedJob) int { return int(a.ID) - int(b.ID) })
	for k, v := range d.turns {
		out.Turns[k] = v
	}
	return out, nil
}

func (d *durableStore) AddJob(ctx context.Context, j imagine.SavedJob, turn queue.Turn) error {
	if d.crashed.Load() {
		return nil
	}
	if err := d.MemoryStore.AddJob(ctx, j, turn); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.jobs[j.ID], d.turns[j.Request.Requester.Key()], d.last = &j, turn, max(d.last, j.ID)
	return nil
}

func (d *durableStore) StartJob(ctx context.Context, id imagine.JobID, next *queue.Turn) error {
	if d.crashed.Load() {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if j, ok := d.jobs[id]; ok {
		j.State = imagine.Running
		if next != nil {
			d.turns[j.Request.Requester.Key()] = *next
		}
	}
	return d.MemoryStore.StartJob(ctx, id, next)
}

func (d *durableStore) RequeueJob(ctx context.Context, id imagine.JobID) error {
	if d.crashed.Load() {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if j, ok := d.jobs[id]; ok {
		j.State = imagine.Queued
	}
	return d.MemoryStore.RequeueJob(ctx, id)
}

func (d *durableStore) SetRef(ctx context.Context, id imagine.JobID, ref imagine.Ref) error {
	if d.crashed.Load() {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if j, ok := d.jobs[id]; ok {
		j.Ref = ref
	}
	return d.MemoryStore.SetRef(ctx, id, ref)
}

func (d *durableStore) EndJob(ctx context.Context, e imagine.JobEnd) error {
	if d.crashed.Load() {
		return nil
	}
	d.mu.Lock()
	delete(d.jobs, e.ID)
	d.mu.Unlock()
	return d.MemoryStore.EndJob(ctx, e)
}

// restartSetup runs alice's job (held at its first step) and queues
// bob's behind it, on a durable store (st, or if nil a durableStore, whose
// jobs it waits to see their status messages saved).
func restartSetup(t *testing.T, st imagine.Store) (h *harness, store *durableStore, running, waiting telegramtest.Message) {
	if st == nil {
		store = newDurableStore()
		st = store
	}
	h = newHarness(t, options{backend: held, svc: imagine.Config{Store: st, ShutdownTimeout: 20 * time.Millisecond}})
	running = h.tg.SendMessage(dm, alice, "/imagine a slow lighthouse --steps 40")
	h.running(dm.ID, running.ID)
	waiting = h.tg.SendMessage(bobDM, bob, "/imagine a patient fox")
	h.waitStatus("bob's job queued", bobDM.ID, waiting.ID, func(m telegramtest.Message) bool { return strings.Contains(text(m), "Queued") })
	if store == nil {
		return h, nil, running, waiting
	}
	// Both status messages are known to the store (the adapter saves them
	// just after Telegram answered).
	poll(t, "the status messages saved", func() bool {
		store.mu.Lock()
		defer store.mu.Unlock()
		n := 0
		for _, j := range store.jobs {
			if r, err := decodeRef(j.Ref.Data); err == nil && r.Status != 0 {
				n++
			}
		}
		return n == 2
	})
	return h, store, running, waiting
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
	h, _, running, waiting := restartSetup(t, openDB(t))
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

// TestCrashRestart: after a crash (the store keeps what it had: alice's
// job running, bob's waiting), the next process edits the same status
// messages: alice's image is made again, bob's request kept its place.
// Telegram sends the commands again, which makes no second job.
func TestCrashRestart(t *testing.T) {
	h, store, running, waiting := restartSetup(t, nil)
	store.crashed.Store(true)
	h.stop()
	store.crashed.Store(false)
	h.tg.Redeliver(h.tg.LastUpdateID()) // bob's command, never confirmed
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
