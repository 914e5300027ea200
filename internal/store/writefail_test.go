package store

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/imagine/imaginetest"
)

// failObserver counts the store failures the core reports.
type failObserver struct {
	mu  sync.Mutex
	ops []string
}

func (o *failObserver) JobStarted(string)          {}
func (o *failObserver) JobEnded(imagine.JobReport) {}
func (o *failObserver) ModelLoaded(string, string) {}
func (o *failObserver) BackendUp(string, bool)     {}
func (o *failObserver) StoreFailed(op string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ops = append(o.ops, op)
}

// TestWritesFailing makes every write of the real database fail, as a
// full or read-only disk does: jobs are still accepted, run and delivered;
// each failed write is an ERROR log line and a metric; StoreHealthy names
// the failure until a write succeeds again.
func TestWritesFailing(t *testing.T) {
	db, err := Open(context.Background(), t.TempDir()+"/full.db", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var logs bytes.Buffer
	var logMu sync.Mutex
	obs := &failObserver{}
	be := imaginetest.New(imaginetest.Options{})
	svc := imagine.New(imagine.Config{PerUser: 5, MaxQueue: 100, Settings: settings, Store: db, Observer: obs,
		Logger: slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logs}, nil))},
		[]imagine.NamedBackend{{Name: "sd", Backend: be}})
	if err := svc.Restore(context.Background()); err != nil {
		t.Fatal(err)
	}
	run(t, svc)

	// Every write on the one connection now fails as on a read-only
	// disk ("attempt to write a readonly database"), as a full one makes
	// them fail with "database or disk is full".
	if _, err := db.sql.Exec("PRAGMA query_only = ON"); err != nil {
		t.Fatal(err)
	}
	tk, err := svc.Submit(imagine.NewRequest("a cat on a full disk", who("1")))
	if err != nil {
		t.Fatalf("Submit on a full disk: %v, want the job accepted", err)
	}
	st := waitEnd(t, tk.Watch)
	if st.State != imagine.Done || len(st.Result.Images) != 1 {
		t.Fatalf("job on a full disk ended %v (%v), want done with its image", st.State, st.Err)
	}
	herr := svc.StoreHealthy(context.Background())
	if herr == nil || !strings.Contains(herr.Error(), "readonly") {
		t.Errorf("StoreHealthy = %v, want the failed write", herr)
	}
	obs.mu.Lock()
	failed := len(obs.ops)
	obs.mu.Unlock()
	logMu.Lock()
	errLines := strings.Count(logs.String(), "level=ERROR msg=\"store write failed")
	logMu.Unlock()
	if failed == 0 || errLines != failed {
		t.Errorf("%d failures reported to the metrics and %d ERROR lines, want the same number, more than 0", failed, errLines)
	}

	// Space again: the next write succeeds and the store is healthy.
	if _, err := db.sql.Exec("PRAGMA query_only = OFF"); err != nil {
		t.Fatal(err)
	}
	tk, err = svc.Submit(imagine.NewRequest("a cat with room again", who("1")))
	if err != nil {
		t.Fatal(err)
	}
	waitEnd(t, tk.Watch)
	if err := svc.StoreHealthy(context.Background()); err != nil {
		t.Errorf("StoreHealthy after space came back = %v, want nil", err)
	}
	if _, err := svc.Record(tk.ID); err != nil {
		t.Errorf("Record of the job after space came back: %v", err)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// waitEnd waits for the job's terminal status.
func waitEnd(t *testing.T, w *imagine.Watch) imagine.Status {
	t.Helper()
	ctx := waitCtx(t)
	for {
		if st := w.Latest(); st.State.Terminal() {
			return st
		}
		select {
		case <-w.Changed():
		case <-ctx.Done():
			t.Fatal("the job did not end")
		}
	}
}
