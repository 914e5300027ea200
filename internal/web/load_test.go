package web

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/imagine/imaginetest"
)

var loadFlag = flag.Bool("load", false, "run TestLoad: 100 live-update viewers while jobs run")

// TestPageWeight is the figure of the playground's weight without
// images: the page, its script and its style sheet.
func TestPageWeight(t *testing.T) {
	h := newHarness(t, options{})
	b := h.browser()
	total := 0
	for _, p := range []string{"/", "/static/app.js", "/static/app.css"} {
		r := b.get(p)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s: %d", p, r.status)
		}
		t.Logf("%-16s %6d bytes", p, len(r.body))
		total += len(r.body)
	}
	t.Logf("figure: page weight without images: %d bytes (%.1f KB)", total, float64(total)/1024)
	if total > 100<<10 {
		t.Errorf("the page weighs %d bytes; the goal is under 100 KB", total)
	}
}

// BenchmarkSubmitToFirstEvent measures from the form's POST to the job's
// first view on the browser's live-update stream (its place in the
// queue). The POST's answer itself carries that view, so the page shows
// it sooner still.
func BenchmarkSubmitToFirstEvent(bm *testing.B) {
	h := newBenchHarness(bm)
	b := h.browser()
	b.page("/")
	ev := b.events()
	var post, event time.Duration
	bm.ResetTimer()
	for i := 0; bm.Loop(); i++ {
		start := time.Now()
		v := b.imagine(url.Values{"prompt": {fmt.Sprintf("job %d", i)}})
		post += time.Since(start)
		ev.waitJob(v.ID, "the first event", func(jobView) bool { return true })
		event += time.Since(start)
	}
	bm.ReportMetric(float64(post.Microseconds())/float64(bm.N)/1000, "ms-to-answer")
	bm.ReportMetric(float64(event.Microseconds())/float64(bm.N)/1000, "ms-to-event")
}

// newBenchHarness is a harness for benchmarks: quick jobs, room for many.
func newBenchHarness(bm *testing.B) *harness {
	return newHarnessTB(bm, options{backend: imaginetest.Options{StepDelay: time.Microsecond}, svc: imagine.Config{PerUser: 1 << 20, MaxQueue: 1 << 20},
		cfg: Config{MaxJobsPerAddress: 1 << 20}}) // every client is on 127.0.0.1
}

// TestLoad queues jobs and then runs them one after another while 100
// viewers follow them
// (half reading their streams, half stalled: connected but never
// reading), and compares the gap the worker leaves between two jobs with
// the gap without viewers: a stalled viewer must not hold up the worker.
func TestLoad(t *testing.T) {
	if !*loadFlag {
		t.Skip("run with -load")
	}
	quiet := func(t *testing.T) options {
		return options{backend: imaginetest.Options{Manual: true}, svc: imagine.Config{PerUser: 1000, MaxQueue: 1000},
			cfg: Config{MaxStreamsPerUser: 200, MaxStreamsPerAddress: 200, MaxJobsPerAddress: 1000, WriteTimeout: time.Minute}}
	}
	const jobs = 200
	run := func(t *testing.T, viewers int) (p50, p99 time.Duration) {
		h := newHarness(t, quiet(t))
		b := h.browser()
		b.page("/")
		for range viewers / 2 {
			b.events()
		}
		for range viewers - viewers/2 {
			stall(t, h, b)
		}
		ev := b.events()
		var last jobView
		for i := range jobs {
			last = b.imagine(url.Values{"prompt": {fmt.Sprintf("load %d %s", i, strings.Repeat("x", 200))}, "steps": {"8"}})
		}
		// Every job waits; now the steps may run, as fast as they can.
		h.be.Advance(jobs * 8)
		ev.waitJob(last.ID, "the last job done", isDone)
		js := h.be.Jobs()
		var gaps []time.Duration
		for i := 1; i < len(js); i++ {
			gaps = append(gaps, js[i].Start.Sub(js[i-1].End))
		}
		slices.Sort(gaps)
		return gaps[len(gaps)/2], gaps[len(gaps)*99/100]
	}
	b50, b99 := run(t, 0)
	l50, l99 := run(t, 100)
	t.Logf("figure: dispatch gap between jobs, no viewers: p50 %v, p99 %v", b50, b99)
	t.Logf("figure: dispatch gap between jobs, 100 viewers (50 stalled): p50 %v, p99 %v", l50, l99)
	if l99 > 10*b99+50*time.Millisecond {
		t.Errorf("viewers held up the worker: p99 gap %v, without viewers %v", l99, b99)
	}
}

// stall opens a live-update stream as b and never reads it: a browser
// whose connection stopped moving.
func stall(t testing.TB, h *harness, b *browser) {
	t.Helper()
	stallAt(t, h, b, "/events")
}

// stallAt opens the stream at path as b and never reads it.
func stallAt(t testing.TB, h *harness, b *browser, path string) {
	t.Helper()
	u, _ := url.Parse(h.url)
	c, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	var cookies []string
	for _, ck := range b.c.Jar.Cookies(u) {
		cookies = append(cookies, ck.Name+"="+ck.Value)
	}
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nCookie: %s\r\n\r\n", path, u.Host, strings.Join(cookies, "; "))
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetReadBuffer(1024) // fill up soon
	}
}
