package imagine

import (
	"context"
	"math"
	"sync"
	"testing"
	"testing/synctest"
	"time"
	"unsafe"
)

// TestStats follows the last hour's points through jobs that wait, run
// across minute boundaries and end, on a fake clock that starts on a
// minute (synctest's: 2000-01-01 00:00 UTC).
func TestStats(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		t0 := time.Now()
		fb := &fakeBackend{stepTime: time.Second, model: "a.safetensors [111]"}
		idle := &fakeBackend{stepTime: time.Second, offer: []string{"other"}}
		s, _ := startService(t, Config{PerUser: 5, MaxQueue: 100}, fb, idle)
		synctest.Wait()
		// Three jobs of 25 s on the backend that offers model a: one runs,
		// two wait, from 0:00 to 1:15.
		for _, who := range []string{"A", "B", "C"} {
			submitModel(t, s, user(who), "job "+who, "a", 25)
		}
		time.Sleep(150 * time.Second) // 2:30
		// One of 60 s from 2:30 to 3:30, and one waiting behind it.
		submitModel(t, s, user("D"), "long", "a", 60)
		submitModel(t, s, user("E"), "after", "a", 1)
		time.Sleep(50 * time.Second) // 3:20
		synctest.Wait()

		points := s.Stats()
		if len(points) != 60 {
			t.Fatalf("%d points, want 60", len(points))
		}
		for i, p := range points {
			if want := t0.Add(time.Duration(i-56) * time.Minute).UTC(); !p.At.Equal(want) || p.At.Location() != time.UTC {
				t.Fatalf("point %d at %v, want %v (oldest first, the current minute last)", i, p.At, want)
			}
		}
		// Two backends: a minute's capacity is 120 s.
		for _, c := range []struct {
			minute  int // since t0
			waiting int
			images  int
			busy    float64
		}{
			{-1, 0, 0, 0},         // before the start
			{0, 2, 2, 60.0 / 120}, // 0:00–1:00: two ended, 60 s busy
			{1, 0, 1, 15.0 / 120}, // the third ends at 1:15
			{2, 1, 0, 30.0 / 120}, // "long" from 2:30, "after" waits
			{3, 1, 0, 20.0 / 120}, // "long" runs on (to now, 3:20), "after" still waits
		} {
			p := points[56+c.minute]
			if p.Waiting != c.waiting || p.Images != c.images || math.Abs(p.Busy-c.busy) > 1e-9 {
				t.Errorf("minute %d: %+v, want waiting %d, images %d, busy %.3f", c.minute, p, c.waiting, c.images, c.busy)
			}
		}

		// Two hours later the ring has moved on: an idle hour.
		time.Sleep(2 * time.Hour)
		synctest.Wait()
		points = s.Stats()
		if last := points[59].At; !last.Equal(time.Now().Truncate(time.Minute)) {
			t.Errorf("the last point is at %v, want the current minute", last)
		}
		for _, p := range points {
			if p.Waiting != 0 || p.Images != 0 || p.Busy != 0 {
				t.Errorf("an idle minute %v has %+v", p.At, p)
			}
		}
	})
}

// TestStatsMemory keeps the stats ring small: it is kept for the life of
// the process.
func TestStatsMemory(t *testing.T) {
	st := newStats(4, time.Now())
	size := int(unsafe.Sizeof(*st)) + cap(st.running)*int(unsafe.Sizeof(time.Time{}))
	t.Logf("stats ring of 4 backends: %d bytes", size)
	if size > 4096 {
		t.Errorf("the stats ring takes %d bytes, want under 4 KB", size)
	}
}

// reports records the observer's job reports.
type reports struct {
	noObserver
	mu   sync.Mutex
	jobs []JobReport
}

func (r *reports) JobEnded(j JobReport) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.jobs = append(r.jobs, j)
}

// TestJobReportImages: the observer (the metrics' images_total) hears how
// many images a finished job made, and none for a job that failed.
func TestJobReportImages(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		gen := func(_ context.Context, p Params, _ func(Progress)) (*Result, error) {
			if p.UserPrompt == "bad" {
				return nil, ErrOutOfMemory
			}
			return &Result{Images: make([][]byte, p.BatchSize), Seeds: make([]int64, p.BatchSize)}, nil
		}
		obs := &reports{}
		s, _ := startService(t, Config{PerUser: 5, MaxQueue: 10, Observer: obs}, &fakeBackend{gen: gen})
		req := NewRequest("two", user("A"))
		req.BatchSize = 2
		tk, err := s.Submit(req)
		if err != nil {
			t.Fatal(err)
		}
		final(t, tk.Watch)
		final(t, submit(t, s, user("A"), "bad", 1).Watch)
		synctest.Wait()
		obs.mu.Lock()
		defer obs.mu.Unlock()
		if len(obs.jobs) != 2 || obs.jobs[0].Outcome != Done || obs.jobs[0].Images != 2 || obs.jobs[1].Outcome != Failed || obs.jobs[1].Images != 0 {
			t.Errorf("reports %+v, want done with 2 images, then failed with none", obs.jobs)
		}
	})
}
