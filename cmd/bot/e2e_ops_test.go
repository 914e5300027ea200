package main

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
	"github.com/imaginebot/imaginebot/internal/sdsim"
)

// opsScenarios check /healthz and /metrics on http.listen.
func opsScenarios() []scenario {
	return []scenario{
		{"healthz", e2eOptions{discord: true}, testHealthz},
		{"metrics", e2eOptions{discord: true, sim: sdsim.Options{StepDelay: 80 * time.Millisecond}}, testMetrics},
	}
}

// healthReport is the body of /healthz.
type healthReport struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

func (b *e2eBot) health() (int, healthReport) {
	b.t.Helper()
	code, body := b.get("/healthz")
	var rep healthReport
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		b.t.Fatalf("/healthz body %q: %v", body, err)
	}
	return code, rep
}

// testHealthz: 200 with everything up, 503 naming SD (and only SD) while
// the server drops every connection, 200 again once it answers.
func testHealthz(t *testing.T, b *e2eBot) {
	code, rep := b.health()
	if code != http.StatusOK || rep.Status != "ok" || len(rep.Checks) != 4 || rep.Checks["store"] != "ok" ||
		rep.Checks["sd default"] != "ok" || rep.Checks["telegram"] != "ok" || rep.Checks["discord"] != "ok" {
		t.Errorf("/healthz with everything up = %d %+v, want 200 and ok for the store, sd default, telegram and discord", code, rep)
	}

	b.sd.Sim().SetFault(sdsim.Fault{Kind: sdsim.FaultDown})
	code, rep = b.health()
	if code != http.StatusServiceUnavailable || rep.Status != "down" ||
		rep.Checks["sd default"] == "ok" || !strings.Contains(rep.Checks["sd default"], b.sd.URL()) ||
		rep.Checks["telegram"] != "ok" || rep.Checks["discord"] != "ok" || rep.Checks["store"] != "ok" {
		t.Errorf("/healthz with SD down = %d %+v, want 503 naming the SD server (and only it)", code, rep)
	}
	if strings.Contains(rep.Checks["sd default"], e2eSDPassword) {
		t.Errorf("/healthz shows the SD password: %q", rep.Checks["sd default"])
	}

	b.sd.Sim().SetFault(sdsim.Fault{})
	if code, rep = b.health(); code != http.StatusOK {
		t.Errorf("/healthz after SD came back = %d %+v, want 200", code, rep)
	}
}

// testMetrics runs jobs on both platforms, one of them failing and one
// queued behind another, with a 429 on each platform, and reads every
// series the issue lists.
func testMetrics(t *testing.T, b *e2eBot) {
	// Before the first job every series a dashboard needs is there, at 0.
	before := b.metrics()
	for _, series := range []string{
		`imaginebot_jobs_total{outcome="done",platform="tg"}`,
		`imaginebot_jobs_total{outcome="failed",platform="tg"}`,
		`imaginebot_jobs_total{outcome="cancelled",platform="tg"}`,
		`imaginebot_jobs_total{outcome="done",platform="dc"}`,
		`imaginebot_jobs_total{outcome="failed",platform="dc"}`,
		`imaginebot_jobs_total{outcome="cancelled",platform="dc"}`,
		`imaginebot_generation_seconds_count{backend="default"}`,
		`imaginebot_backend_busy_seconds_total{backend="default"}`,
		`imaginebot_queue_wait_seconds_count`,
	} {
		if v, found := before[series]; !found || v != 0 {
			t.Errorf("before the first job %s = %v (present: %t), want 0", series, v, found)
		}
	}
	// 60 steps of 80ms: the first edit Telegram's pace allows (after 1s)
	// comes well before the job is nearly done (when the editor saves its
	// edits for the result).
	slow := b.tgImagine("a slow cat --steps 60")
	b.eventually("the slow job running", func() bool { return running(b.sd.Sim(), 1) })
	b.dc.FailNext(discordtest.RouteEditWebhookMessage, 1, http.StatusTooManyRequests)
	queued := b.dcImagine("a Discord cat in the queue --steps 4")
	b.eventually("the queue gauges", func() bool {
		m := b.metrics()
		return m[`imaginebot_queue_length`] == 1 && m[`imaginebot_queue_user_max`] == 1
	})
	b.tgWaitImage(slow)
	b.dcWaitImage(queued)
	b.sd.Sim().SetFault(sdsim.Fault{Kind: sdsim.FaultOOM, Path: txt2imgPath, Times: 1})
	b.tg.FailNext("sendMessage", http.StatusTooManyRequests, "", 1)
	b.tgWaitFailure(b.tgImagine("a cat too large --steps 4"), failOOM)

	m := b.metrics()
	model := b.sd.Sim().CurrentModel()
	for _, c := range []struct {
		series string
		ok     func(v float64) bool
		want   string
	}{
		{`imaginebot_queue_length`, eq(0), "0 once the queue is empty"},
		{`imaginebot_queue_user_max`, eq(0), "0 once the queue is empty"},
		{`imaginebot_jobs_total{outcome="done",platform="tg"}`, eq(1), "1"},
		{`imaginebot_jobs_total{outcome="done",platform="dc"}`, eq(1), "1"},
		{`imaginebot_jobs_total{outcome="failed",platform="tg"}`, eq(1), "1"},
		{`imaginebot_generation_seconds_count{backend="default"}`, eq(3), "3"},
		{`imaginebot_generation_seconds_bucket{backend="default",le="10"}`, eq(3), "3 (every job took under 10s)"},
		{`imaginebot_generation_seconds_bucket{backend="default",le="1"}`, lt(3), "under 3 (the slow job took 5s)"},
		{`imaginebot_queue_wait_seconds_count`, eq(3), "3"},
		{`imaginebot_queue_wait_seconds_bucket{le="0.1"}`, lt(3), "under 3 (the Discord job waited for the slow one)"},
		{`imaginebot_preview_edits_total{platform="tg"}`, gt(0), "some"},
		{`imaginebot_rate_limited_total{platform="tg"}`, eq(float64(max(1, b.tg.Count429()))), "the 429s the fake Telegram answered (at least the injected 1)"},
		{`imaginebot_rate_limited_total{platform="dc"}`, eq(float64(max(1, b.dc.Count429()))), "the 429s the fake Discord answered (at least the injected 1)"},
		{`imaginebot_backend_busy_fraction{backend="default"}`, func(v float64) bool { return v > 0 && v <= 1 }, "in (0, 1]"},
		{`imaginebot_backend_model{backend="default",model="` + model + `"}`, eq(1), "1 for the loaded model"},
	} {
		v, found := m[c.series]
		if !found || !c.ok(v) {
			t.Errorf("%s = %v (present: %t), want %s", c.series, v, found, c.want)
		}
	}
}

// eq, lt and gt return checks of a metric's value.
func eq(want float64) func(float64) bool { return func(v float64) bool { return v == want } }
func lt(want float64) func(float64) bool { return func(v float64) bool { return v < want } }
func gt(want float64) func(float64) bool { return func(v float64) bool { return v > want } }

// metrics reads /metrics into series (name{labels} as exposed) and values.
func (b *e2eBot) metrics() map[string]float64 {
	b.t.Helper()
	code, body := b.get("/metrics")
	if code != http.StatusOK {
		b.t.Fatalf("/metrics = %d %s", code, body)
	}
	out := map[string]float64{}
	for _, line := range strings.Split(body, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if i < 0 || err != nil {
			b.t.Fatalf("/metrics line %q is not \"series value\"", line)
		}
		out[line[:i]] = v
	}
	return out
}
