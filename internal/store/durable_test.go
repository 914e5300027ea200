package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/queue"
)

// reopen closes d and opens its file again with opts.
func reopen(t *testing.T, d *DB, opts Options) *DB {
	t.Helper()
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d, err := Open(context.Background(), d.path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	d := open(t, filepath.Join(t.TempDir(), "imaginebot.db"))
	a, b, c := saved(1, "1", "a", "tg:1:1"), saved(2, "2", "b", ""), saved(3, "1", "c", "tg:1:3")
	a.Ref = imagine.Ref{Data: []byte("ref a"), Secret: "secret a"}
	if err := d.AddJob(ctx, a, queue.Turn{Round: 3, Seq: 1}); err != nil {
		t.Fatal(err)
	}
	if err := d.AddJob(ctx, b, queue.Turn{Round: 3, Seq: 2}); err != nil {
		t.Fatal(err)
	}
	if err := d.AddJob(ctx, c, queue.Turn{Round: 3, Seq: 1}); err != nil {
		t.Fatal(err)
	}
	mustAdd(t, d, saved(4, "2", "d", ""))
	if err := d.StartJob(ctx, 1, &queue.Turn{Round: 4, Seq: 3}); err != nil {
		t.Fatal(err)
	}
	if err := d.SetRef(ctx, 2, imagine.Ref{Data: []byte("ref b"), Secret: "secret b"}); err != nil {
		t.Fatal(err)
	}
	if err := d.StartJob(ctx, 4, nil); err != nil {
		t.Fatal(err)
	}
	mustEnd(t, d, done(4, "2", t0, []byte("png d")))
	on := false
	prefs := imagine.Prefs{Style: "anime", Hires: &on, Locale: "zh"}
	if err := d.SetPrefs(ctx, "tg:1", prefs); err != nil {
		t.Fatal(err)
	}
	before, err := d.Record(ctx, 4)
	if err != nil {
		t.Fatal(err)
	}

	d = reopen(t, d, Options{})
	got, err := d.LoadJobs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a.State = imagine.Running
	b.Ref = imagine.Ref{Data: []byte("ref b"), Secret: "secret b"}
	want := imagine.SavedJobs{
		Jobs:   []imagine.SavedJob{a, b, c},
		Turns:  map[string]queue.Turn{"tg:1": {Round: 4, Seq: 3}, "tg:2": turn(4)}, // job 4 came later
		LastID: 4,
	}
	if len(got.Jobs) != len(want.Jobs) {
		t.Fatalf("LoadJobs: %d jobs, want %d: %+v", len(got.Jobs), len(want.Jobs), got.Jobs)
	}
	for i := range got.Jobs {
		g, w := got.Jobs[i], want.Jobs[i]
		if !g.Submitted.Equal(w.Submitted) {
			t.Errorf("job %d submitted %v, want %v", w.ID, g.Submitted, w.Submitted)
		}
		g.Submitted, w.Submitted = time.Time{}, time.Time{}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("job %d\n got %+v\nwant %+v", w.ID, g, w)
		}
	}
	if !reflect.DeepEqual(got.Turns, want.Turns) || got.LastID != want.LastID {
		t.Errorf("LoadJobs turns %v, last id %d; want %v, %d", got.Turns, got.LastID, want.Turns, want.LastID)
	}
	after, err := d.Record(ctx, 4)
	if err != nil {
		t.Fatal(err)
	}
	checkRecord(t, after, before)
	if img, err := d.Image(ctx, 4, 0); err != nil || string(img) != "png d" {
		t.Errorf("image after reopening: %q, %v", img, err)
	}
	if p, err := d.Prefs(ctx, "tg:1"); err != nil || !prefsEqual(p, prefs) {
		t.Errorf("prefs after reopening: %+v, %v", p, err)
	}
	if n, err := d.Usage(ctx, "tg:2", t0); err != nil || n != 1 {
		t.Errorf("usage after reopening: %d, %v", n, err)
	}
	if err := d.AddJob(ctx, saved(5, "3", "e", "tg:1:3"), turn(1)); !errors.Is(err, imagine.ErrDuplicate) {
		t.Errorf("a duplicate of a job from before the reopening: %v, want ErrDuplicate", err)
	}
}

func TestLastIDSurvivesPrune(t *testing.T) {
	ctx := context.Background()
	d := open(t, filepath.Join(t.TempDir(), "imaginebot.db"))
	for id := imagine.JobID(1); id <= 7; id++ {
		mustAdd(t, d, saved(id, "1", "p", ""))
		mustEnd(t, d, done(id, "1", t0, []byte("png")))
	}
	if n, err := d.Prune(ctx, t0.Add(time.Hour)); err != nil || n != 7 {
		t.Fatalf("Prune = %d, %v; want 7", n, err)
	}
	var rows int
	if err := d.sql.QueryRow("SELECT (SELECT COUNT(*) FROM jobs) + (SELECT COUNT(*) FROM images)").Scan(&rows); err != nil || rows != 0 {
		t.Fatalf("%d rows of jobs and images after pruning all, %v", rows, err)
	}
	d = reopen(t, d, Options{})
	if got, err := d.LoadJobs(ctx); err != nil || got.LastID != 7 || len(got.Jobs) != 0 {
		t.Errorf("LoadJobs after pruning every job: last id %d, %d jobs, %v; want 7, 0", got.LastID, len(got.Jobs), err)
	}
	// A later prune with fewer jobs does not lower it.
	mustAdd(t, d, saved(8, "1", "p", ""))
	if _, err := d.Prune(ctx, t0); err != nil {
		t.Fatal(err)
	}
	if got, err := d.LoadJobs(ctx); err != nil || got.LastID != 8 {
		t.Errorf("LoadJobs: last id %d, %v; want 8", got.LastID, err)
	}
}

// secret reads job id's secret column as it is on disk.
func secret(t *testing.T, d *DB, id imagine.JobID) sql.NullString {
	t.Helper()
	var s sql.NullString
	if err := d.sql.QueryRow("SELECT secret FROM jobs WHERE id = ?", id).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSecretDeletedAtEnd(t *testing.T) {
	ctx := context.Background()
	// As long as a Discord interaction token.
	token := "aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OnNlY3JldA" + strings.Repeat("x", 150)
	d := open(t, filepath.Join(t.TempDir(), "imaginebot.db"))
	for id, outcome := range map[imagine.JobID]imagine.State{1: imagine.Done, 2: imagine.Failed, 3: imagine.Cancelled} {
		j := saved(id, "1", "p", "")
		j.Ref.Secret = token
		mustAdd(t, d, j)
		if s := secret(t, d, id); s.String != token {
			t.Fatalf("secret of a waiting job: %+v", s)
		}
		e := imagine.JobEnd{ID: id, User: "tg:1", Outcome: outcome, At: t0}
		if outcome == imagine.Done {
			e = done(id, "1", t0, []byte("png"))
		}
		mustEnd(t, d, e)
		if s := secret(t, d, id); s.Valid {
			t.Errorf("job %d ended %v: secret column %q, want NULL", id, outcome, s.String)
		}
		// A front end that saves its references after the end keeps no
		// secret either.
		if err := d.SetRef(ctx, id, imagine.Ref{Data: []byte("msg"), Secret: "token again"}); err != nil {
			t.Fatal(err)
		}
		if s := secret(t, d, id); s.Valid {
			t.Errorf("job %d: SetRef after the end stored the secret %q", id, s.String)
		}
		if r, err := d.Record(ctx, id); err != nil || string(r.Ref) != "msg" {
			t.Errorf("job %d: ref after SetRef %q, %v", id, r.Ref, err)
		}
	}
	// Nor do the file's pages, once the WAL is written back.
	if _, err := d.sql.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(d.path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{token[:40], "token again"} {
		if bytes.Contains(data, []byte(s)) {
			t.Errorf("the database file still holds %q", s)
		}
	}
}

func TestImageBudgetAcrossReopen(t *testing.T) {
	// The running total of image bytes starts from the file's at Open.
	d, err := Open(context.Background(), filepath.Join(t.TempDir(), "imaginebot.db"), Options{MaxImageBytes: 1000})
	if err != nil {
		t.Fatal(err)
	}
	img := make([]byte, 400)
	for id := imagine.JobID(1); id <= 3; id++ {
		mustAdd(t, d, saved(id, "1", "p", ""))
	}
	mustEnd(t, d, done(1, "1", t0, img))
	mustEnd(t, d, done(2, "1", t0, img))
	d = reopen(t, d, Options{MaxImageBytes: 1000})
	if d.bytes != 800 {
		t.Errorf("bytes after reopening %d, want 800", d.bytes)
	}
	mustEnd(t, d, done(3, "1", t0, img))
	checkImages(t, d, map[imagine.JobID]bool{1: false, 2: true, 3: true})
	// Prune takes the pruned images off the total.
	if _, err := d.Prune(context.Background(), t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if d.bytes != 0 {
		t.Errorf("bytes after pruning every job %d, want 0", d.bytes)
	}
}

func TestPruneUsageAndTurns(t *testing.T) {
	ctx := context.Background()
	d := open(t, filepath.Join(t.TempDir(), "imaginebot.db"))
	d.now = func() time.Time { return time.Date(2025, 3, 20, 1, 0, 0, 0, time.UTC) }
	days := []time.Time{
		time.Date(2025, 3, 17, 23, 0, 0, 0, time.UTC), // three days ago: deleted
		time.Date(2025, 3, 18, 0, 0, 0, 0, time.UTC),  // kept: two days
		time.Date(2025, 3, 19, 12, 0, 0, 0, time.UTC),
		time.Date(2025, 3, 20, 0, 30, 0, 0, time.UTC),
	}
	for i, at := range days {
		id := imagine.JobID(i + 1)
		mustAdd(t, d, saved(id, "1", "p", ""))
		mustEnd(t, d, done(id, "1", at, []byte("png")))
	}
	mustAdd(t, d, saved(10, "2", "waits", ""))
	mustAdd(t, d, saved(11, "3", "runs", ""))
	if err := d.StartJob(ctx, 11, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Prune(ctx, time.Time{}); err != nil {
		t.Fatal(err)
	}
	for i, at := range days {
		if n, err := d.Usage(ctx, "tg:1", at); err != nil || n != min(i, 1) {
			t.Errorf("usage of %v after Prune: %d, %v; want %d", at, n, err, min(i, 1))
		}
	}
	got, err := d.LoadJobs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]queue.Turn{"tg:2": turn(10)}; !reflect.DeepEqual(got.Turns, want) {
		t.Errorf("turns after Prune %v, want only the waiting user's %v", got.Turns, want)
	}
}
