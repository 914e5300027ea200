package web

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/imagine/imaginetest"
)

// TestAdminPageWeight is the figure of the dashboard's weight without
// images, full: 24 results in the gallery and more jobs waiting than it
// lists, with the longest prompts; the page, its scripts and style sheets.
func TestAdminPageWeight(t *testing.T) {
	h := newHarness(t, options{backend: manual, svc: imagine.Config{PerUser: 1000, MaxQueue: 1000}})
	long := strings.Repeat("a lighthouse at dusk, oil painting, ", 9)[:300]
	submitAs := func(i int) *imagine.Ticket {
		who := imagine.Requester{Platform: imagine.Telegram, UserID: fmt.Sprint(1000000 + i), Name: fmt.Sprintf("user number %d", i)}
		tk, err := h.svc.Submit(imagine.Request{Prompt: long, Requester: who, Steps: 1})
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	for i := range dashGallery {
		tk := submitAs(i)
		h.be.Advance(1)
		waitStatus(t, tk.Watch, imagine.Done)
	}
	for i := range dashMaxWaiting + 10 {
		submitAs(100 + i)
	}
	b := h.browser()
	page := b.signIn()
	if n := strings.Count(page.body, `class="shot"`); n != dashGallery {
		t.Fatalf("the gallery shows %d results; want %d", n, dashGallery)
	}
	total := len(page.body)
	t.Logf("%-18s %6d bytes", "/admin", len(page.body))
	for _, p := range []string{"/static/app.js", "/static/app.css", "/static/admin.js", "/static/admin.css"} {
		r := b.get(p)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s: %d", p, r.status)
		}
		t.Logf("%-18s %6d bytes", p, len(r.body))
		total += len(r.body)
	}
	t.Logf("figure: /admin weight without images, %d results and %d of %d waiting listed: %d bytes (%.1f KB)", dashGallery, dashMaxWaiting, len(h.svc.Overview().Waiting), total, float64(total)/1024)
	if total > 100<<10 {
		t.Errorf("the dashboard weighs %d bytes; the goal is under 100 KB", total)
	}
}

// TestDashboardLoad queues jobs, which run one after another (8 steps of
// 1 ms each) while 100 admins watch the dashboard (half reading the live feed, half
// stalled: connected but never reading), and compares the gap the worker
// leaves between two jobs with the gap without viewers. The feed reads the
// core at the default rate (every second), then every 20 ms (50 times as
// often) so that it runs all through the jobs.
func TestDashboardLoad(t *testing.T) {
	if !*loadFlag {
		t.Skip("run with -load")
	}
	const jobs = 200
	run := func(t *testing.T, viewers int, refresh time.Duration) (p50, p99 time.Duration, polls int) {
		h := newHarness(t, options{backend: imaginetest.Options{StepDelay: time.Millisecond}, svc: imagine.Config{PerUser: 1000, MaxQueue: 1000},
			cfg: Config{DashboardRefresh: refresh, WriteTimeout: time.Minute, MaxJobsPerAddress: 1000}})
		admin := h.browser()
		admin.signIn()
		var feeds []*dashStream
		for range viewers / 2 {
			feeds = append(feeds, admin.dashEvents())
		}
		for range viewers - viewers/2 {
			stallAt(t, h, admin, "/admin/events")
		}
		for _, f := range feeds {
			f.wait("blocks", "the first frame", contains("Nobody is blocked."))
		}
		before := h.a.dash.pollCount()
		user := h.browser()
		user.page("/")
		ev := user.events()
		var last jobView
		for i := range jobs {
			last = user.imagine(map[string][]string{"prompt": {fmt.Sprintf("load %d %s", i, strings.Repeat("x", 200))}, "steps": {"8"}})
		}
		ev.waitJob(last.ID, "the last job done", isDone)
		polls = h.a.dash.pollCount() - before
		for _, f := range feeds {
			f.wait("gallery", "the last job in the gallery", contains(`data-job="`+last.ID+`"`))
		}
		js := h.be.Jobs()
		var gaps []time.Duration
		for i := 1; i < len(js); i++ {
			gaps = append(gaps, js[i].Start.Sub(js[i-1].End))
		}
		slices.Sort(gaps)
		return gaps[len(gaps)/2], gaps[len(gaps)*99/100], polls
	}
	b50, b99, _ := run(t, 0, time.Second)
	t.Logf("figure: dispatch gap between jobs, no dashboard viewers: p50 %v, p99 %v", b50, b99)
	for _, refresh := range []time.Duration{time.Second, 20 * time.Millisecond} {
		l50, l99, polls := run(t, 100, refresh)
		t.Logf("figure: dispatch gap between jobs, 100 dashboard viewers (50 stalled), feed every %v (%d readings of the core during the run): p50 %v, p99 %v", refresh, polls, l50, l99)
		if l99 > 10*b99+50*time.Millisecond {
			t.Errorf("dashboard viewers held up the worker: p99 gap %v, without viewers %v", l99, b99)
		}
	}
}
