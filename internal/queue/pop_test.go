package queue

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

type popResult struct {
	it  Item[string]
	err error
}

func TestPopBlocks(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration // for Pop's ctx; 0: none
		wake    func(q *Fair[string], cancel context.CancelFunc)
		want    string // label of the job Pop returns
		wantErr error
	}{
		{
			name: "woken by push",
			wake: func(q *Fair[string], _ context.CancelFunc) { q.Push("A", "A1") },
			want: "A1",
		},
		{
			name:    "woken by cancel",
			wake:    func(_ *Fair[string], cancel context.CancelFunc) { cancel() },
			wantErr: context.Canceled,
		},
		{
			name:    "woken by deadline",
			timeout: time.Minute,
			wake:    func(*Fair[string], context.CancelFunc) { time.Sleep(time.Hour) },
			wantErr: context.DeadlineExceeded,
		},
		{
			name:    "woken by close",
			wake:    func(q *Fair[string], _ context.CancelFunc) { q.Close() },
			wantErr: ErrClosed,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				q := New[string](0, 0)
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				if tt.timeout > 0 {
					ctx, cancel = context.WithTimeout(ctx, tt.timeout)
					defer cancel()
				}
				done := make(chan popResult, 1)
				go func() {
					it, err := q.Pop(ctx)
					done <- popResult{it, err}
				}()
				synctest.Wait()
				select {
				case r := <-done:
					t.Fatalf("Pop returned %+v before being woken", r)
				default:
				}
				tt.wake(q, cancel)
				synctest.Wait()
				var r popResult
				select {
				case r = <-done:
				default:
					t.Fatal("Pop still blocked after wake")
				}
				if !errors.Is(r.err, tt.wantErr) || r.it.Value != tt.want {
					t.Errorf("Pop() = %q, %v, want %q, %v", r.it.Value, r.err, tt.want, tt.wantErr)
				}
			})
		})
	}
}

func TestPopManyWaiters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := New[string](0, 0)
		const workers = 4
		results := make(chan popResult, workers)
		for range workers {
			go func() {
				it, err := q.Pop(t.Context())
				results <- popResult{it, err}
			}()
		}
		synctest.Wait()
		for _, label := range []string{"A1", "A2", "B1"} {
			q.Push(userOf(label), label)
		}
		synctest.Wait()
		got := make(map[string]bool)
		for range 3 {
			r := <-results
			if r.err != nil || got[r.it.Value] {
				t.Fatalf("Pop() = %q, %v: error or duplicate", r.it.Value, r.err)
			}
			got[r.it.Value] = true
		}
		if len(results) != 0 {
			t.Fatalf("%d Pops returned for 3 jobs", 3+len(results))
		}
		left := q.Close()
		if r := <-results; !errors.Is(r.err, ErrClosed) || len(left) != 0 {
			t.Errorf("last Pop() = %v with %d jobs left, want %v with none", r.err, len(left), ErrClosed)
		}
	})
}

func TestPopReturnsAtOnce(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		steps   string
		want    string
		wantErr error
		wantLen int
	}{
		{name: "job waiting", ctx: context.Background(), steps: "A1 A2", want: "A1", wantLen: 1},
		{name: "ctx already done leaves the job", ctx: cancelled, steps: "A1", wantErr: context.Canceled, wantLen: 1},
		{name: "closed", ctx: context.Background(), steps: "A1 close", wantErr: ErrClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScript(t, New[string](0, 0))
			s.run(tt.steps)
			it, err := s.q.Pop(tt.ctx)
			if !errors.Is(err, tt.wantErr) || it.Value != tt.want {
				t.Errorf("Pop() = %q, %v, want %q, %v", it.Value, err, tt.want, tt.wantErr)
			}
			if got := s.q.Len(); got != tt.wantLen {
				t.Errorf("Len() = %d, want %d", got, tt.wantLen)
			}
		})
	}
}

func TestCloseReturnsWaiting(t *testing.T) {
	s := newScript(t, New[string](0, 0))
	s.run("A1 A2 A3 B1 pop C1")
	left := s.q.Close()
	if got, want := labels(left), "B1 C1 A2 A3"; got != want {
		t.Errorf("Close() = %q, want %q", got, want)
	}
	if again := s.q.Close(); again != nil {
		t.Errorf("second Close() = %q, want nil", labels(again))
	}
	if it, ok := s.q.TryPop(); ok {
		t.Errorf("TryPop() after Close = %q, true", it.Value)
	}
	if w, r := s.q.UserJobs("A"); w != 0 || r != 1 {
		t.Errorf("UserJobs(A) = %d, %d, want 0, 1", w, r)
	}
	s.q.Done(s.ids["A1"])
	if n := len(s.q.users) + len(s.q.jobs); n != 0 {
		t.Errorf("%d users and jobs remembered after the last Done, want 0", n)
	}
}

// TestConcurrent runs pushers, cancellers and workers at once; run it with
// -race. Every pushed job must end up exactly once: started, cancelled or
// returned by Close.
func TestConcurrent(t *testing.T) {
	const pushers, perPusher, workers = 4, 500, 3
	q := New[int](0, 0)
	var (
		mu        sync.Mutex // guards pushed, started and cancelled
		pushed    []ID
		started   = make(map[ID]int)
		cancelled = make(map[ID]int)
	)
	var workerWG sync.WaitGroup
	for w := range workers {
		workerWG.Go(func() {
			for {
				it, err := q.Pop(context.Background())
				if err != nil {
					return
				}
				mu.Lock()
				started[it.ID]++
				mu.Unlock()
				if w == 0 {
					q.Snapshot()
					q.Position(it.ID + 1)
				}
				q.Done(it.ID)
			}
		})
	}
	var pushWG sync.WaitGroup
	for p := range pushers {
		pushWG.Go(func() {
			for i := range perPusher {
				id, err := q.Push(fmt.Sprint("user", (p+i)%7), i)
				if err != nil {
					t.Errorf("push: %v", err)
					return
				}
				mu.Lock()
				pushed = append(pushed, id)
				mu.Unlock()
				if i%5 == 0 {
					if _, ok := q.Cancel(id); ok {
						mu.Lock()
						cancelled[id]++
						mu.Unlock()
					}
				}
			}
		})
	}
	pushWG.Wait()
	left := q.Close()
	workerWG.Wait()

	ends := make(map[ID]int)
	for _, m := range []map[ID]int{started, cancelled} {
		for id, n := range m {
			ends[id] += n
		}
	}
	for _, it := range left {
		ends[it.ID]++
	}
	for _, id := range pushed {
		if ends[id] != 1 {
			t.Errorf("job %d ended %d times (started %d, cancelled %d), want once", id, ends[id], started[id], cancelled[id])
		}
	}
	if len(ends) != len(pushed) {
		t.Errorf("%d jobs ended, want %d", len(ends), len(pushed))
	}
}
