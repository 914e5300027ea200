package discord

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
	"github.com/imaginebot/imaginebot/internal/imagine/imaginetest"
	"github.com/imaginebot/imaginebot/internal/store"
)

// openStore opens the SQLite store at path and closes it at the end of
// the test (if a restart has not closed it already).
func openStore(t *testing.T, path string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// restartWith stops a bot whose first user's job runs (Manual steps) and
// whose second user's job waits, checks what their messages say, and
// starts a bot (Manual steps too) on the same fake Discord and store after
// advance.
func restartWith(t *testing.T, advance time.Duration) (b *env, running, waiting *discordtest.Interaction) {
	path, clock := filepath.Join(t.TempDir(), "imaginebot.db"), &testClock{}
	db := openStore(t, path)
	a := newEnv(t, envOptions{store: db, clock: clock, mem: imaginetest.Options{Manual: true}})
	running = a.imagine("6101", "a cat cut short")
	a.waitMessage(running, "running", func(m discordtest.Message) bool {
		return strings.HasPrefix(m.Content, catalog.T("en", catalog.MsgStarting))
	})
	waiting = a.imagine("6102", "a cat that waits")
	a.waitMessage(waiting, "queued", func(m discordtest.Message) bool { return strings.HasPrefix(m.Content, "Queued") })
	a.stop()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		it   *discordtest.Interaction
		want catalog.MsgID
	}{{running, catalog.MsgRestartingRerun}, {waiting, catalog.MsgRestarting}} {
		m, _ := tt.it.Original()
		if m.Content != catalog.T("en", tt.want) || !slices.ContainsFunc(customIDs(m.Revision), func(id string) bool { return hasAction(id, actCancel) }) {
			t.Errorf("at shutdown:\n%s\nwant %q with Cancel", describe(m), catalog.T("en", tt.want))
		}
	}
	clock.advance(advance)
	b = newEnv(t, envOptions{store: openStore(t, path), clock: clock, after: a, mem: imaginetest.Options{Manual: true}})
	return b, running, waiting
}

// TestResume: after a restart, the jobs that ran and waited go on in their
// original messages, which say so, edited with the interaction tokens,
// which only the store kept (as a job's secret).
func TestResume(t *testing.T) {
	t.Parallel()
	b, running, waiting := restartWith(t, 0)
	b.waitMessage(running, "running again", func(m discordtest.Message) bool {
		return m.Content == catalog.T("en", catalog.MsgRestartedRerun)+"\n"+catalog.T("en", catalog.MsgStarting)
	})
	b.waitMessage(waiting, "queued again", func(m discordtest.Message) bool {
		return m.Content == catalog.T("en", catalog.MsgRestarted)+"\n"+catalog.T("en", catalog.MsgQueuedNext)
	})
	for _, tt := range []struct {
		it   *discordtest.Interaction
		line catalog.MsgID
	}{{running, catalog.MsgRestartedRerun}, {waiting, catalog.MsgRestarted}} {
		b.mem.Advance(1 << 20)
		m := b.waitFinal(tt.it)
		if len(m.Attachments) != 1 || !strings.HasPrefix(m.Revision.Route, "PATCH /webhooks/") {
			t.Errorf("resumed job:\n%s\nwant its result in the original message through the token", describe(m))
		}
		if !slices.ContainsFunc(m.History, func(r discordtest.Revision) bool {
			return strings.HasPrefix(r.Content, catalog.T("en", tt.line)+"\n")
		}) {
			t.Errorf("resumed job:\n%s\nwant a revision that starts with %q", describe(m), catalog.T("en", tt.line))
		}
	}
	// The buttons of a job made before the restart work.
	m, _ := running.Original()
	b.mem.Advance(1 << 20)
	if rm := b.waitFinal(b.click(m, "6101", actReroll, 0)); len(rm.Attachments) != 1 {
		t.Errorf("reroll of a resumed job:\n%s", describe(rm))
	}
}

// TestResumeAfterTokenExpired: after a graceful restart, jobs whose
// interactions are older than the token's 15 minutes are delivered into
// the same messages with the bot token.
func TestResumeAfterTokenExpired(t *testing.T) {
	t.Parallel()
	b, running, waiting := restartWith(t, 20*time.Minute)
	for _, it := range []*discordtest.Interaction{running, waiting} {
		b.mem.Advance(1 << 20)
		m := b.waitFinal(it)
		if len(m.Attachments) != 1 || !strings.HasPrefix(m.Revision.Route, "PATCH /channels/") {
			t.Errorf("resumed job:\n%s\nwant its result in the same message through the bot token", describe(m))
		}
		if n := count(b.callsFor(it.Token), is50027); n != 0 {
			t.Errorf("%d edits with the expired token", n)
		}
	}
}
