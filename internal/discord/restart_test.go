package discord

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/imagine/imaginetest"
	"github.com/imaginebot/imaginebot/internal/queue"
)

// keepingStore is a durable store for restart tests: a MemoryStore that
// also keeps the jobs that wait or run (with their refs and secrets), as
// the SQLite store keeps them in its file.
type keepingStore struct {
	*imagine.MemoryStore
	mu     sync.Mutex // guards jobs, turns and lastID
	jobs   map[imagine.JobID]imagine.SavedJob
	turns  map[string]queue.Turn
	lastID imagine.JobID
	// crash makes the store miss that running jobs wait again at
	// shutdown, as after a crash: they come back as jobs to run again.
	crash bool
}

func newKeepingStore() *keepingStore {
	return &keepingStore{MemoryStore: imagine.NewMemoryStore(), jobs: map[imagine.JobID]imagine.SavedJob{}, turns: map[string]queue.Turn{}}
}

func (s *keepingStore) Durable() bool { return true }

func (s *keepingStore) LoadJobs(context.Context) (imagine.SavedJobs, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	jobs := slices.SortedFunc(maps.Values(s.jobs), func(a, b imagine.SavedJob) int { return int(a.ID) - int(b.ID) })
	return imagine.SavedJobs{Jobs: jobs, Turns: maps.Clone(s.turns), LastID: s.lastID}, nil
}

func (s *keepingStore) AddJob(ctx context.Context, j imagine.SavedJob, turn queue.Turn) error {
	if err := s.MemoryStore.AddJob(ctx, j, turn); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jobs[j.ID], s.turns[j.Request.Requester.Key()], s.lastID = j, turn, max(s.lastID, j.ID)
	return nil
}

func (s *keepingStore) update(id imagine.JobID, f func(*imagine.SavedJob)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if j, ok := s.jobs[id]; ok {
		f(&j)
		s.jobs[id] = j
	}
}

func (s *keepingStore) StartJob(ctx context.Context, id imagine.JobID, next *queue.Turn) error {
	s.update(id, func(j *imagine.SavedJob) { j.State = imagine.Running })
	return s.MemoryStore.StartJob(ctx, id, next)
}

func (s *keepingStore) RequeueJob(ctx context.Context, id imagine.JobID) error {
	if s.crash {
		return nil
	}
	s.update(id, func(j *imagine.SavedJob) { j.State = imagine.Queued })
	return s.MemoryStore.RequeueJob(ctx, id)
}

func (s *keepingStore) SetRef(ctx context.Context, id imagine.JobID, ref imagine.Ref) error {
	s.update(id, func(j *imagine.SavedJob) { j.Ref = ref })
	return s.MemoryStore.SetRef(ctx, id, ref)
}

func (s *keepingStore) EndJob(ctx context.Context, e imagine.JobEnd) error {
	s.mu.Lock()
	delete(s.jobs, e.ID)
	s.mu.Unlock()
	return s.MemoryStore.EndJob(ctx, e)
}

// secret returns the secret kept with a job that waits or runs.
func (s *keepingStore) secret(id imagine.JobID) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.jobs[id].Ref.Secret
}

// restartWith stops a bot whose first user's job runs (Manual steps) and
// whose second user's job waits, checks what their messages say, and
// starts a bot (Manual steps too) on the same fake Discord and store after
// advance.
func restartWith(t *testing.T, crash bool, advance time.Duration) (b *env, running, waiting *discordtest.Interaction) {
	store, clock := newKeepingStore(), &testClock{}
	store.crash = crash
	a := newEnv(t, envOptions{store: store, clock: clock, mem: imaginetest.Options{Manual: true}})
	running = a.imagine("6101", "a cat cut short")
	a.waitMessage(running, "running", func(m discordtest.Message) bool {
		return strings.HasPrefix(m.Content, catalog.T("en", catalog.MsgStarting))
	})
	waiting = a.imagine("6102", "a cat that waits")
	a.waitMessage(waiting, "queued", func(m discordtest.Message) bool { return strings.HasPrefix(m.Content, "Queued") })
	if store.secret(1) != running.Token {
		t.Errorf("the running job's token is not kept as its secret")
	}
	a.stop()
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
	b = newEnv(t, envOptions{store: store, clock: clock, after: a, mem: imaginetest.Options{Manual: true}})
	return b, running, waiting
}

// TestResume: after a crash, the jobs that ran and waited go on in their
// original messages, which say so, edited with the interaction tokens.
func TestResume(t *testing.T) {
	t.Parallel()
	b, running, waiting := restartWith(t, true, 0)
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
	b, running, waiting := restartWith(t, false, 20*time.Minute)
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
