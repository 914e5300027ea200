package imagine

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/queue"
)

// restartStore is a MemoryStore that has kept jobs from a last run, and
// records how jobs end.
type restartStore struct {
	*MemoryStore
	saved SavedJobs

	mu    sync.Mutex // guards ended
	ended map[JobID]State
}

func (r *restartStore) LoadJobs(context.Context) (SavedJobs, error) { return r.saved, nil }

func (r *restartStore) EndJob(ctx context.Context, e JobEnd) error {
	r.mu.Lock()
	if r.ended == nil {
		r.ended = map[JobID]State{}
	}
	r.ended[e.ID] = e.Outcome
	r.mu.Unlock()
	return r.MemoryStore.EndJob(ctx, e)
}

func (r *restartStore) endings() map[JobID]State {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.ended)
}

// fakeSource fetches pictures named by the Ref ("pic:NAME" gives the bytes
// "bytes of NAME"; "gone:" fails with errGone), at most block at once
// when set, and records how many it fetched at once.
type fakeSource struct {
	block chan struct{} // when set, each fetch waits for it or ctx

	mu      sync.Mutex // guards the fields below
	calls   []string
	active  int
	maxSeen int
}

var errGone = &UserError{Kind: ErrBadImage, ID: catalog.MsgInputNotImage}

func (f *fakeSource) Input(ctx context.Context, ref Ref) (*InputImage, error) {
	f.mu.Lock()
	f.calls = append(f.calls, string(ref.Data))
	f.active++
	f.maxSeen = max(f.maxSeen, f.active)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.active--
		f.mu.Unlock()
	}()
	if f.block != nil {
		select {
		case <-f.block:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	time.Sleep(time.Second) // a download, in synctest's time
	name, ok := strings.CutPrefix(string(ref.Data), "pic:")
	if !ok {
		return nil, errGone
	}
	return &InputImage{Data: []byte("bytes of " + name), Format: "png", Width: 64, Height: 48}, nil
}

// savedJob is a job the last run kept: an img2img when ref is set.
func savedJob(id JobID, platform Platform, user, prompt string, state State, ref string) SavedJob {
	req := NewRequest(prompt, Requester{Platform: platform, UserID: user, Name: user, Locale: "en"})
	req.Steps = 2
	if ref != "" {
		req.Kind = KindImg2Img
	}
	return SavedJob{ID: id, Request: req, State: state, Submitted: time.Now(), Ref: Ref{Data: []byte(ref)}}
}

// TestRestoreFetchesPictures: after a restart, the restored img2img jobs
// (the one that was running and those waiting) get their pictures again
// from their platform's InputSource, and the backend gets those bytes; a
// picture the source cannot give fails just its job, with the source's
// reason; a platform without a source fails its img2img saying the
// picture is gone, as before; and the jobs start in the fair order the
// last run left, not in the order their pictures came.
func TestRestoreFetchesPictures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &restartStore{MemoryStore: NewMemoryStore(), saved: SavedJobs{
			Jobs: []SavedJob{
				savedJob(1, Telegram, "a", "running photo", Running, "pic:one"),
				savedJob(2, Telegram, "b", "b photo", Queued, "pic:two"),
				savedJob(3, Telegram, "a", "a lost photo", Queued, "gone:three"),
				savedJob(4, Telegram, "c", "c text", Queued, ""),
				savedJob(5, Discord, "d", "discord photo", Queued, "anything"),
				savedJob(6, Telegram, "a", "a photo", Queued, "pic:six"),
				savedJob(7, Telegram, "b", "b text", Queued, ""),
			},
			// c's turn comes first, then a's, then b's.
			Turns:  map[string]queue.Turn{"tg:c": {Round: 1, Seq: 1}, "tg:a": {Round: 1, Seq: 2}, "tg:b": {Round: 1, Seq: 3}, "dc:d": {Round: 1, Seq: 4}},
			LastID: 7,
		}}
		var mu sync.Mutex
		inits := map[string]string{}
		fb := &fakeBackend{stepTime: time.Second}
		fb.gen = func(ctx context.Context, p Params, progress func(Progress)) (*Result, error) {
			mu.Lock()
			if p.Init != nil {
				inits[p.UserPrompt] = string(p.Init.Data)
			}
			mu.Unlock()
			return &Result{Images: [][]byte{[]byte("png")}, Seeds: []int64{1}}, nil
		}
		src := &fakeSource{}
		s := New(Config{Settings: testSettings(), PerUser: 5, MaxQueue: 100, Store: st}, []NamedBackend{{Name: "b0", Backend: fb}})
		s.SetInputSource(Telegram, src)
		if err := s.Restore(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := len(src.calls); got != 4 {
			t.Errorf("the source was asked %d times (%q), want 4: the Telegram img2imgs only", got, src.calls)
		}

		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { s.Run(ctx); close(done) }()
		defer func() { cancel(); <-done }()

		ends := map[JobID]Status{}
		for _, p := range []Platform{Telegram, Discord} {
			for _, r := range s.Resumed(p) {
				ends[r.Ticket.ID] = final(t, r.Ticket.Watch)
			}
		}
		for id, want := range map[JobID]State{1: Done, 2: Done, 3: Failed, 4: Done, 5: Failed, 6: Done, 7: Done} {
			if ends[id].State != want {
				t.Errorf("job %d ended %v (%v), want %v", id, ends[id].State, ends[id].Err, want)
			}
		}
		if err := ends[3].Err; !errors.Is(err, errGone) {
			t.Errorf("job 3 failed with %v, want the source's reason %v", err, errGone)
		}
		var ue *UserError
		if err := ends[5].Err; !errors.As(err, &ue) || ue.ID != catalog.MsgInputGone {
			t.Errorf("the Discord img2img without a source failed with %v, want MsgInputGone", err)
		}
		if got := st.endings(); got[3] != Failed || got[5] != Failed {
			t.Errorf("the store was told %v, want jobs 3 and 5 failed", got)
		}
		mu.Lock()
		defer mu.Unlock()
		want := map[string]string{"running photo": "bytes of one", "b photo": "bytes of two", "a photo": "bytes of six"}
		for prompt, data := range want {
			if inits[prompt] != data {
				t.Errorf("%q ran from %q, want %q", prompt, inits[prompt], data)
			}
		}
		if len(inits) != len(want) {
			t.Errorf("the backend got pictures for %v, want %v", inits, want)
		}
		// The running job first, then one job per user by the saved turns
		// (c, a, b), then b's second.
		if got, want := starts(fb.events()), []string{"running photo", "c text", "a photo", "b photo", "b text"}; !slices.Equal(got, want) {
			t.Errorf("jobs started in the order %q, want %q", got, want)
		}
	})
}

// TestRestoreFetchesPicturesBounded: at most restoreInputsAtOnce pictures
// are fetched at once; one that takes longer than restoreInputTimeout
// fails its job saying the picture is gone; and when Restore's ctx ends
// while pictures are fetched, Restore says so and no job is ended, so
// that they all come back on the next start.
func TestRestoreFetchesPicturesBounded(t *testing.T) {
	jobs := func() SavedJobs {
		var out SavedJobs
		for i := range 9 {
			out.Jobs = append(out.Jobs, savedJob(JobID(i+1), Telegram, string(rune('a'+i)), "photo", Queued, "pic:x"))
		}
		out.LastID = 9
		return out
	}
	t.Run("at most 4 at once, each bounded", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			st := &restartStore{MemoryStore: NewMemoryStore(), saved: jobs()}
			src := &fakeSource{block: make(chan struct{})} // never answers: every fetch times out
			s := New(Config{Settings: testSettings(), PerUser: 5, MaxQueue: 100, Store: st}, []NamedBackend{{Name: "b0", Backend: &fakeBackend{}}})
			s.SetInputSource(Telegram, src)
			start := time.Now()
			if err := s.Restore(t.Context()); err != nil {
				t.Fatal(err)
			}
			if took, want := time.Since(start), 3*restoreInputTimeout; took != want {
				t.Errorf("restoring 9 pictures that never come took %v, want %v (3 rounds of 4)", took, want)
			}
			if src.maxSeen != restoreInputsAtOnce {
				t.Errorf("%d pictures were fetched at once, want %d", src.maxSeen, restoreInputsAtOnce)
			}
			for _, r := range s.Resumed(Telegram) {
				var ue *UserError
				if st := r.Ticket.Watch.Latest(); st.State != Failed || !errors.As(st.Err, &ue) || ue.ID != catalog.MsgInputGone {
					t.Errorf("job %v: %v %v, want failed with MsgInputGone", r.Ticket.ID, st.State, st.Err)
				}
			}
		})
	})
	t.Run("ctx ends", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			st := &restartStore{MemoryStore: NewMemoryStore(), saved: jobs()}
			src := &fakeSource{block: make(chan struct{})}
			s := New(Config{Settings: testSettings(), PerUser: 5, MaxQueue: 100, Store: st}, []NamedBackend{{Name: "b0", Backend: &fakeBackend{}}})
			s.SetInputSource(Telegram, src)
			ctx, cancel := context.WithTimeout(t.Context(), time.Second)
			defer cancel()
			if err := s.Restore(ctx); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Restore = %v, want ctx's error", err)
			}
			if got := st.endings(); len(got) != 0 {
				t.Errorf("jobs ended in the store: %v, want none", got)
			}
			if got := len(src.calls); got != restoreInputsAtOnce {
				t.Errorf("%d fetches started, want %d (the others never)", got, restoreInputsAtOnce)
			}
		})
	})
}
