package imagine

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// blockedBackend never finishes a job, so everything submitted stays queued.
type blockedBackend struct{ fakeBackend }

func (b *blockedBackend) Generate(ctx context.Context, p Params, progress func(Progress)) (*Result, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// queuedHeap submits n jobs from n users (a realistic 120-character prompt,
// a style, and --no terms on every fourth) to a service whose only backend
// never finishes, and returns the heap they hold.
func queuedHeap(t testing.TB, n int) uint64 {
	settings := testSettings()
	settings.Defaults.NegativePrompt = strings.Repeat("lowres, ", 250) // about the seed's 2 KB
	settings.Limits.MaxPromptLength = 1500
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s, _ := startService(t.(*testing.T), Config{Settings: settings, PerUser: 3, MaxQueue: n + 10}, &blockedBackend{})
	prompt := strings.Repeat("a lighthouse at dusk, ", 6)
	for i := range n {
		req := NewRequest(fmt.Sprintf("%s %d", prompt, i), Requester{Platform: Telegram, UserID: fmt.Sprint(i), Name: "user", Locale: "en"})
		req.Style = "plain"
		if i%4 == 0 {
			req.NegativePrompt = "people, boats"
		}
		if _, err := s.Submit(req); err != nil {
			t.Fatalf("Submit %d: %v", i, err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(s)
	return after.HeapAlloc - before.HeapAlloc
}

// TestQueuedJobsMemory checks that 10,000 queued jobs hold under 24 MB
// (about 2.1 KB each, with the model, sampler and profile fields of the
// backends issue): no image bytes are kept for queued jobs.
func TestQueuedJobsMemory(t *testing.T) {
	const n = 10000
	heap := queuedHeap(t, n)
	t.Logf("10,000 queued jobs hold %.1f MB of heap (%d bytes per job)", float64(heap)/1e6, heap/n)
	if heap > 24e6 {
		t.Errorf("10,000 queued jobs hold %d bytes, want < 24 MB", heap)
	}
}
