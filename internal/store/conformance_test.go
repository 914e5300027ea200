package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

// dbBudget is the image budget of the DB the conformance cases run on:
// small, so that the budget case writes little.
const dbBudget = 4096

// stores are the Stores whose behaviour must match, with their image
// budgets (the memory store's is fixed).
func stores(t *testing.T) []struct {
	name   string
	store  imagine.Store
	budget int
} {
	d, err := Open(context.Background(), filepath.Join(t.TempDir(), "imaginebot.db"), Options{MaxImageBytes: dbBudget})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return []struct {
		name   string
		store  imagine.Store
		budget int
	}{
		{"memory", imagine.NewMemoryStore(), 256 << 20},
		{"sqlite", d, dbBudget},
	}
}

// TestConformance runs the same cases on MemoryStore and DB.
func TestConformance(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, s imagine.Store, budget int)
	}{
		{"records", func(t *testing.T, s imagine.Store, _ int) {
			j := saved(1, "1", "a cat", "tg:1:1")
			j.Ref = imagine.Ref{Data: []byte("msg 1"), Secret: "token"}
			mustAdd(t, s, j)
			want := imagine.Record{ID: 1, Request: j.Request, Outcome: imagine.Queued, Ref: []byte("msg 1"), Submitted: j.Submitted}
			r, err := s.Record(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			checkRecord(t, r, want)

			if err := s.StartJob(ctx, 1, nil); err != nil {
				t.Fatal(err)
			}
			if err := s.SetRef(ctx, 1, imagine.Ref{Data: []byte("msg 2"), Secret: "token 2"}); err != nil {
				t.Fatal(err)
			}
			want.Outcome, want.Ref = imagine.Running, []byte("msg 2")
			r, _ = s.Record(ctx, 1)
			checkRecord(t, r, want)

			end := t0.Add(time.Minute)
			mustEnd(t, s, done(1, "1", end, []byte("png 0"), []byte("png 1")))
			want.Outcome, want.Seeds, want.Model, want.Width, want.Height, want.Images, want.Ended =
				imagine.Done, []int64{100, 101}, "v1-5", 512, 288, 2, end
			r, _ = s.Record(ctx, 1)
			checkRecord(t, r, want)
			for i, png := range []string{"png 0", "png 1"} {
				if img, err := s.Image(ctx, 1, i); err != nil || string(img) != png {
					t.Errorf("Image(1, %d) = %q, %v; want %q", i, img, err, png)
				}
			}
			for _, i := range []int{-1, 2} {
				if _, err := s.Image(ctx, 1, i); !errors.Is(err, imagine.ErrNotFound) {
					t.Errorf("Image(1, %d): %v, want ErrNotFound", i, err)
				}
			}

			mustAdd(t, s, saved(2, "1", "a dog", ""))
			mustEnd(t, s, imagine.JobEnd{ID: 2, User: "tg:1", Outcome: imagine.Failed, Width: 64, Height: 64, At: end})
			r, _ = s.Record(ctx, 2)
			checkRecord(t, r, imagine.Record{ID: 2, Request: saved(2, "1", "a dog", "").Request, Outcome: imagine.Failed,
				Width: 64, Height: 64, Submitted: saved(2, "", "", "").Submitted, Ended: end})
			if _, err := s.Image(ctx, 2, 0); !errors.Is(err, imagine.ErrNotFound) {
				t.Errorf("image of a failed job: %v, want ErrNotFound", err)
			}
			if _, err := s.Record(ctx, 3); !errors.Is(err, imagine.ErrNotFound) {
				t.Errorf("Record of an unknown job: %v, want ErrNotFound", err)
			}
			// Ending an unknown job is no error, and stores nothing.
			mustEnd(t, s, done(9, "1", end, []byte("png")))
			if _, err := s.Record(ctx, 9); !errors.Is(err, imagine.ErrNotFound) {
				t.Errorf("Record of an unknown ended job: %v, want ErrNotFound", err)
			}
			if n, _ := s.Usage(ctx, "tg:1", end); n != 2 {
				t.Errorf("usage %d, want 2 (the unknown job's image not counted)", n)
			}
		}},
		{"history", func(t *testing.T, s imagine.Store, _ int) {
			end := t0.Add(time.Hour)
			users := []string{"1", "2", "1", "1", "1", "1"}
			for i, user := range users {
				id := imagine.JobID(i + 1)
				mustAdd(t, s, saved(id, user, "prompt", ""))
			}
			mustEnd(t, s, done(1, "1", end, []byte("a")))
			mustEnd(t, s, done(2, "2", end, []byte("b")))
			mustEnd(t, s, done(3, "1", end, []byte("c")))
			mustEnd(t, s, imagine.JobEnd{ID: 4, User: "tg:1", Outcome: imagine.Cancelled, At: end})
			mustEnd(t, s, done(5, "1", end, []byte("e")))
			// 6 still waits.
			for _, c := range []struct {
				user string
				n    int
				want []imagine.JobID
			}{
				{"tg:1", 10, []imagine.JobID{5, 3, 1}},
				{"tg:1", 2, []imagine.JobID{5, 3}},
				{"tg:2", 10, []imagine.JobID{2}},
				{"tg:1", 0, nil},
				{"tg:3", 10, nil},
			} {
				rs, err := s.History(ctx, c.user, c.n)
				if err != nil {
					t.Fatal(err)
				}
				var ids []imagine.JobID
				for _, r := range rs {
					ids = append(ids, r.ID)
					if r.Outcome != imagine.Done || r.Images != 1 || r.Request.Requester.Key() != c.user {
						t.Errorf("history of %s has %+v", c.user, r)
					}
				}
				if !slices.Equal(ids, c.want) {
					t.Errorf("History(%s, %d) = %v, want %v", c.user, c.n, ids, c.want)
				}
			}
		}},
		{"recent", func(t *testing.T, s imagine.Store, _ int) {
			for id := imagine.JobID(1); id <= 6; id++ {
				mustAdd(t, s, saved(id, fmt.Sprint(id%2), "prompt", ""))
			}
			// They end out of order; 4 and 6 at the same time.
			mustEnd(t, s, done(1, "1", t0.Add(3*time.Minute), []byte("a")))
			mustEnd(t, s, done(2, "0", t0.Add(time.Minute), []byte("b")))
			mustEnd(t, s, imagine.JobEnd{ID: 3, User: "tg:1", Outcome: imagine.Failed, At: t0.Add(4 * time.Minute)})
			mustEnd(t, s, done(4, "0", t0.Add(2*time.Minute), []byte("d")))
			mustEnd(t, s, done(6, "0", t0.Add(2*time.Minute), []byte("f")))
			// 5 still waits.
			for _, c := range []struct {
				n    int
				want []imagine.JobID
			}{
				{10, []imagine.JobID{1, 6, 4, 2}},
				{2, []imagine.JobID{1, 6}},
				{0, nil},
				{-1, nil},
			} {
				rs, err := s.Recent(ctx, c.n)
				if err != nil {
					t.Fatal(err)
				}
				var ids []imagine.JobID
				for _, r := range rs {
					ids = append(ids, r.ID)
					if r.Outcome != imagine.Done || r.Images != 1 || r.Request.Prompt != "prompt" || len(r.Seeds) != 1 {
						t.Errorf("recent record %+v", r)
					}
				}
				if !slices.Equal(ids, c.want) {
					t.Errorf("Recent(%d) = %v, want %v", c.n, ids, c.want)
				}
			}
			if rs, _ := s.Recent(ctx, 1); len(rs) == 1 && (rs[0].Request.Requester.Key() != "tg:1" || rs[0].Request.Requester.Platform != imagine.Telegram) {
				t.Errorf("the newest result's user is %+v, want tg:1", rs[0].Request.Requester)
			}
		}},
		{"usage per UTC day", func(t *testing.T, s imagine.Store, _ int) {
			beijing := time.FixedZone("CST", 8*3600)
			late := time.Date(2025, 3, 14, 23, 30, 0, 0, time.UTC).In(beijing) // the 15th in Beijing
			early := time.Date(2025, 3, 15, 0, 30, 0, 0, time.UTC)
			for id := imagine.JobID(1); id <= 4; id++ {
				mustAdd(t, s, saved(id, "1", "p", ""))
			}
			mustEnd(t, s, done(1, "1", late, []byte("a"), []byte("b")))
			mustEnd(t, s, done(2, "1", late, []byte("c")))
			mustEnd(t, s, done(3, "1", early, []byte("d")))
			mustEnd(t, s, imagine.JobEnd{ID: 4, User: "tg:1", Outcome: imagine.Failed, At: early})
			for _, c := range []struct {
				user string
				day  time.Time
				want int
			}{
				{"tg:1", time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC), 3},
				{"tg:1", time.Date(2025, 3, 15, 7, 0, 0, 0, beijing), 3}, // the 14th in UTC
				{"tg:1", early.Add(20 * time.Hour), 1},
				{"tg:1", early.AddDate(0, 0, 1), 0},
				{"tg:2", early, 0},
			} {
				if n, err := s.Usage(ctx, c.user, c.day); err != nil || n != c.want {
					t.Errorf("Usage(%s, %v) = %d, %v; want %d", c.user, c.day, n, err, c.want)
				}
			}
		}},
		{"prefs", func(t *testing.T, s imagine.Store, _ int) {
			on := true
			full := imagine.Prefs{Aspect: imagine.Ratio{W: 16, H: 9}, Steps: 30, Style: "anime", Negative: "blurry, text", Hires: &on, Locale: "zh"}
			size := imagine.Prefs{Width: 768, Height: 512}
			for _, step := range []struct {
				user string
				set  *imagine.Prefs
				want imagine.Prefs
			}{
				{"tg:1", nil, imagine.Prefs{}},
				{"tg:1", &full, full},
				{"dc:2", &size, size},
				{"tg:1", &imagine.Prefs{Steps: 10}, imagine.Prefs{Steps: 10}},
				{"tg:1", &imagine.Prefs{}, imagine.Prefs{}},
				{"dc:2", nil, size},
			} {
				if step.set != nil {
					if err := s.SetPrefs(ctx, step.user, *step.set); err != nil {
						t.Fatal(err)
					}
				}
				got, err := s.Prefs(ctx, step.user)
				if err != nil || !prefsEqual(got, step.want) {
					t.Errorf("Prefs(%s) = %+v, %v; want %+v", step.user, got, err, step.want)
				}
			}
		}},
		{"duplicates", func(t *testing.T, s imagine.Store, _ int) {
			mustAdd(t, s, saved(1, "1", "first", "tg:5:7"))
			if err := s.AddJob(ctx, saved(2, "1", "again", "tg:5:7"), turn(2)); !errors.Is(err, imagine.ErrDuplicate) {
				t.Errorf("a second job with the same source: %v, want ErrDuplicate", err)
			}
			if r, err := s.Record(ctx, 1); err != nil || r.Request.Prompt != "first" {
				t.Errorf("the first job after the duplicate: %+v, %v", r, err)
			}
			if _, err := s.Record(ctx, 2); !errors.Is(err, imagine.ErrNotFound) {
				t.Errorf("the duplicate was stored: %v", err)
			}
			for id := imagine.JobID(3); id <= 5; id++ { // no source: never a duplicate
				mustAdd(t, s, saved(id, "1", "p", ""))
			}
			mustAdd(t, s, saved(6, "1", "other", "tg:5:8"))
			// Once pruned, a source is free again.
			mustEnd(t, s, imagine.JobEnd{ID: 1, User: "tg:1", Outcome: imagine.Failed, At: t0})
			if n, err := s.Prune(ctx, t0.Add(time.Second)); err != nil || n != 1 {
				t.Errorf("Prune = %d, %v; want 1", n, err)
			}
			mustAdd(t, s, saved(7, "1", "after prune", "tg:5:7"))
		}},
		{"blocks", func(t *testing.T, s imagine.Store, _ int) {
			admin := imagine.BlockEntry{By: "web:admin", ByName: "admin"}
			block := func(who string, at time.Time, by imagine.BlockEntry) {
				by.Who, by.At = who, at
				if err := s.Block(ctx, by); err != nil {
					t.Fatal(err)
				}
			}
			check := func(step string, want ...imagine.BlockEntry) {
				t.Helper()
				got, err := s.Blocks(ctx)
				if err != nil {
					t.Fatal(err)
				}
				ok := len(got) == len(want)
				for i := 0; ok && i < len(got); i++ {
					g, w := got[i], want[i]
					ok = g.Who == w.Who && g.By == w.By && g.ByName == w.ByName && g.At.Equal(w.At) && !g.Config
				}
				if !ok {
					t.Errorf("%s: Blocks\n got %+v\nwant %+v", step, got, want)
				}
			}
			check("at first")
			block("tg:1", t0, admin)
			block("dc:2", t0.Add(time.Second), admin)
			check("two blocks, oldest first",
				imagine.BlockEntry{Who: "tg:1", By: "web:admin", ByName: "admin", At: t0},
				imagine.BlockEntry{Who: "dc:2", By: "web:admin", ByName: "admin", At: t0.Add(time.Second)})
			// Blocking again replaces the block.
			block("tg:1", t0.Add(2*time.Second), imagine.BlockEntry{By: "tg:9", ByName: "Ann"})
			check("blocked again",
				imagine.BlockEntry{Who: "dc:2", By: "web:admin", ByName: "admin", At: t0.Add(time.Second)},
				imagine.BlockEntry{Who: "tg:1", By: "tg:9", ByName: "Ann", At: t0.Add(2 * time.Second)})
			for _, who := range []string{"dc:2", "dc:2", "tg:404"} { // a second or unknown unblock is no error
				if err := s.Unblock(ctx, who); err != nil {
					t.Errorf("Unblock(%s): %v", who, err)
				}
			}
			check("after unblocking dc:2",
				imagine.BlockEntry{Who: "tg:1", By: "tg:9", ByName: "Ann", At: t0.Add(2 * time.Second)})
		}},
		{"image budget drops the oldest first", func(t *testing.T, s imagine.Store, budget int) {
			img := bytes.Repeat([]byte{7}, budget/3+1) // three are over the budget
			for id := imagine.JobID(1); id <= 5; id++ {
				mustAdd(t, s, saved(id, "1", "p", ""))
			}
			mustEnd(t, s, done(1, "1", t0, img))
			mustEnd(t, s, done(2, "1", t0, img))
			checkImages(t, s, map[imagine.JobID]bool{1: true, 2: true})
			mustEnd(t, s, done(3, "1", t0, img))
			checkImages(t, s, map[imagine.JobID]bool{1: false, 2: true, 3: true})
			mustEnd(t, s, done(5, "1", t0, img))
			mustEnd(t, s, done(4, "1", t0, img)) // ended last, but older
			checkImages(t, s, map[imagine.JobID]bool{2: false, 3: false, 4: true, 5: true})
			if r, err := s.Record(ctx, 1); err != nil || r.Images != 1 {
				t.Errorf("record of a job whose image was dropped: %+v, %v; want kept", r, err)
			}
		}},
		{"prune", func(t *testing.T, s imagine.Store, _ int) {
			for id := imagine.JobID(1); id <= 4; id++ {
				mustAdd(t, s, saved(id, "1", "p", ""))
			}
			mustEnd(t, s, done(1, "1", t0.Add(-2*time.Hour), []byte("a")))
			mustEnd(t, s, imagine.JobEnd{ID: 2, User: "tg:1", Outcome: imagine.Cancelled, At: t0.Add(-time.Hour)})
			mustEnd(t, s, done(3, "1", t0, []byte("c")))
			// 4 waits: never pruned.
			n, err := s.Prune(ctx, t0.Add(-time.Minute))
			if err != nil || n != 2 {
				t.Errorf("Prune = %d, %v; want 2", n, err)
			}
			for id, kept := range map[imagine.JobID]bool{1: false, 2: false, 3: true, 4: true} {
				if _, err := s.Record(ctx, id); (err == nil) != kept {
					t.Errorf("Record(%d) after Prune: %v, want kept %v", id, err, kept)
				}
			}
			if _, err := s.Image(ctx, 1, 0); !errors.Is(err, imagine.ErrNotFound) {
				t.Errorf("image of a pruned job: %v", err)
			}
			if img, err := s.Image(ctx, 3, 0); err != nil || string(img) != "c" {
				t.Errorf("image of a kept job: %q, %v", img, err)
			}
			if n, err := s.Prune(ctx, t0.Add(-time.Minute)); err != nil || n != 0 {
				t.Errorf("second Prune = %d, %v; want 0", n, err)
			}
		}},
	} {
		for _, st := range stores(t) {
			t.Run(tc.name+"/"+st.name, func(t *testing.T) { tc.run(t, st.store, st.budget) })
		}
	}
}

// checkImages fails unless each job's first image is kept or not as want
// says.
func checkImages(t *testing.T, s imagine.Store, want map[imagine.JobID]bool) {
	t.Helper()
	for id, kept := range want {
		_, err := s.Image(context.Background(), id, 0)
		if err != nil && !errors.Is(err, imagine.ErrNotFound) {
			t.Fatal(err)
		}
		if (err == nil) != kept {
			t.Errorf("image of job %d kept: %v, want %v", id, err == nil, kept)
		}
	}
}

func prefsEqual(a, b imagine.Prefs) bool {
	if (a.Hires == nil) != (b.Hires == nil) || a.Hires != nil && *a.Hires != *b.Hires {
		return false
	}
	a.Hires, b.Hires = nil, nil
	return a == b
}
