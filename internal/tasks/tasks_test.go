package tasks

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestGoRecoversPanics(t *testing.T) {
	var logs syncBuffer
	g := New(slog.New(slog.NewTextHandler(&logs, nil)))
	var ran sync.WaitGroup
	ran.Add(1)
	if !g.Go(func() { panic("render failed") }) {
		t.Fatal("Go refused on an open group")
	}
	g.Go(func() { ran.Done() })
	ran.Wait()
	g.Stop(time.Minute, nil)
	if got := g.Panics(); got != 1 {
		t.Fatalf("Panics() = %d, want 1", got)
	}
	out := logs.String()
	for _, want := range []string{"level=ERROR", "recovered from a panic", "render failed", "tasks_test.go"} {
		if !strings.Contains(out, want) {
			t.Errorf("log %q lacks %q", out, want)
		}
	}
}

func TestGoRefusesAfterClose(t *testing.T) {
	g := New(nil)
	g.Close()
	if g.Go(func() { t.Error("ran after Close") }) {
		t.Fatal("Go accepted after Close")
	}
	g.Wait()
}

func TestStop(t *testing.T) {
	tests := []struct {
		name        string
		work        time.Duration // how long the goroutine runs unless abandoned
		grace       time.Duration
		wantInTime  bool
		wantAbandon bool
	}{
		{"ends within the grace", time.Second, 5 * time.Second, true, false},
		{"abandoned after the grace", time.Hour, 5 * time.Second, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				g := New(nil)
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				g.Go(func() {
					select {
					case <-time.After(tt.work):
					case <-ctx.Done():
					}
				})
				abandoned := false
				start := time.Now()
				inTime := g.Stop(tt.grace, func() { abandoned = true; cancel() })
				if inTime != tt.wantInTime || abandoned != tt.wantAbandon {
					t.Fatalf("Stop = %v, abandoned %v; want %v, %v", inTime, abandoned, tt.wantInTime, tt.wantAbandon)
				}
				if took := time.Since(start); took > tt.grace {
					t.Errorf("Stop took %v, more than the grace %v", took, tt.grace)
				}
			})
		})
	}
}

func TestSleep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		if !Sleep(ctx, time.Second) {
			t.Error("Sleep(1s) on a live context = false")
		}
		if !Sleep(ctx, 0) {
			t.Error("Sleep(0) on a live context = false")
		}
		time.AfterFunc(time.Second, cancel)
		start := time.Now()
		if Sleep(ctx, time.Hour) {
			t.Error("Sleep(1h) = true although the context ended after 1s")
		}
		if took := time.Since(start); took != time.Second {
			t.Errorf("Sleep returned after %v, want 1s", took)
		}
		if Sleep(ctx, 0) || Sleep(ctx, time.Second) {
			t.Error("Sleep on an ended context = true")
		}
	})
}

func TestDoRecoversPanics(t *testing.T) {
	var logs syncBuffer
	g := New(slog.New(slog.NewTextHandler(&logs, nil)))
	if !g.Do(func() {}) {
		t.Error("Do = false for a function that returned")
	}
	if g.Do(func() { panic("parse failed") }) {
		t.Error("Do = true for a function that panicked")
	}
	if got := g.Panics(); got != 1 {
		t.Errorf("Panics() = %d, want 1", got)
	}
	if out := logs.String(); !strings.Contains(out, "parse failed") {
		t.Errorf("log %q lacks the panic", out)
	}
}
