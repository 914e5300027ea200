package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

type queueStats struct{ waiting, max int }

func (q queueStats) QueueStats() (int, int) { return q.waiting, q.max }

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	return string(body)
}

func TestMetrics(t *testing.T) {
	m := New()
	if out := scrape(t, m); !strings.Contains(out, "imaginebot_queue_length 0") {
		t.Errorf("queue length before WatchQueue is not 0")
	}
	m.WatchQueue(queueStats{waiting: 7, max: 3})
	m.ModelLoaded("gpu0", "a.safetensors [1]")
	m.ModelLoaded("gpu0", "b.safetensors [2]")
	m.JobStarted("gpu0")
	m.JobEnded(imagine.JobReport{Backend: "gpu0", Platform: imagine.Telegram, Outcome: imagine.Done, Wait: 2 * time.Second, Run: 3 * time.Second, Images: 4})
	m.JobEnded(imagine.JobReport{Backend: "gpu0", Platform: imagine.Discord, Outcome: imagine.Failed, Run: time.Second})
	m.PreviewEdited(imagine.Telegram)
	m.PreviewEdited(imagine.Telegram)
	m.RateLimited(imagine.Discord)
	out := scrape(t, m)
	for _, want := range []string{
		"imaginebot_queue_length 7",
		"imaginebot_queue_user_max 3",
		`imaginebot_jobs_total{outcome="done",platform="tg"} 1`,
		`imaginebot_jobs_total{outcome="failed",platform="dc"} 1`,
		`imaginebot_images_total{platform="tg"} 4`,
		`imaginebot_generation_seconds_count{backend="gpu0"} 2`,
		`imaginebot_generation_seconds_sum{backend="gpu0"} 4`,
		"imaginebot_queue_wait_seconds_count 2",
		`imaginebot_preview_edits_total{platform="tg"} 2`,
		`imaginebot_rate_limited_total{platform="dc"} 1`,
		`imaginebot_rate_limited_total{platform="tg"} 0`,
		`imaginebot_backend_busy_seconds_total{backend="gpu0"} 4`,
		`imaginebot_backend_model{backend="gpu0",model="b.safetensors [2]"} 1`,
		`imaginebot_backend_busy_fraction{backend="gpu0"}`,
		"go_goroutines",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if strings.Contains(out, "a.safetensors") {
		t.Errorf("the old model is still exported")
	}
}

// TestSeriesBeforeTheFirstJob scrapes the real handler before any job: every
// known outcome, platform and backend already has its series at 0.
func TestSeriesBeforeTheFirstJob(t *testing.T) {
	m := New()
	m.InitSeries([]imagine.Platform{imagine.Telegram}, []string{"gpu0", "gpu1"})
	out := scrape(t, m)
	want := []string{
		`imaginebot_preview_edits_total{platform="tg"} 0`,
		`imaginebot_rate_limited_total{platform="tg"} 0`,
		`imaginebot_images_total{platform="tg"} 0`,
		"imaginebot_queue_wait_seconds_count 0",
	}
	for _, o := range []string{"done", "failed", "cancelled"} {
		want = append(want, `imaginebot_jobs_total{outcome="`+o+`",platform="tg"} 0`)
	}
	for _, b := range []string{"gpu0", "gpu1"} {
		want = append(want,
			`imaginebot_generation_seconds_count{backend="`+b+`"} 0`,
			`imaginebot_generation_seconds_sum{backend="`+b+`"} 0`,
			`imaginebot_generation_seconds_bucket{backend="`+b+`",le="+Inf"} 0`,
			`imaginebot_backend_busy_seconds_total{backend="`+b+`"} 0`,
			`imaginebot_backend_busy_fraction{backend="`+b+`"} 0`,
		)
	}
	for _, w := range want {
		if !strings.Contains(out, w+"\n") {
			t.Errorf("metrics before the first job lack %q", w)
		}
	}
	if strings.Contains(out, `imaginebot_jobs_total{outcome="done",platform="dc"}`) {
		t.Error("jobs_total has a series for Discord, which is not enabled")
	}
	// The first job counts from the initial 0.
	m.JobEnded(imagine.JobReport{Backend: "gpu1", Platform: imagine.Telegram, Outcome: imagine.Cancelled, Run: time.Second})
	out = scrape(t, m)
	for _, w := range []string{
		`imaginebot_jobs_total{outcome="cancelled",platform="tg"} 1`,
		`imaginebot_jobs_total{outcome="done",platform="tg"} 0`,
		`imaginebot_generation_seconds_count{backend="gpu1"} 1`,
		`imaginebot_generation_seconds_count{backend="gpu0"} 0`,
	} {
		if !strings.Contains(out, w+"\n") {
			t.Errorf("metrics after one job lack %q", w)
		}
	}
}
