package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/imagine/imaginetest"
)

// TestJobsPerAddress: new cookies do not get one address past its job
// cap: the next request is refused with the core's "too many requests"
// sentence, while another address still generates; an admin is not
// counted, and a finished job frees its slot.
func TestJobsPerAddress(t *testing.T) {
	h := newHarness(t, options{backend: imaginetest.Options{Manual: true}, cfg: Config{MaxJobsPerAddress: 2}})
	for range 2 {
		h.browser().imagine(url.Values{"prompt": {"a cat"}}) // a new browser each time
	}
	third := h.browser()
	third.page("/")
	r := third.post("/imagine", url.Values{"prompt": {"a cat"}}, true)
	if r.status != http.StatusTooManyRequests || !strings.Contains(r.body, "You already have 2 requests queued or running") {
		t.Errorf("a third browser from the same address: %d %s; want 429 with the per-user sentence", r.status, r.body)
	}
	h.browserFrom("127.0.0.2").imagine(url.Values{"prompt": {"a dog"}})
	admin := h.browser()
	admin.page("/login")
	admin.post("/login", url.Values{"password": {testPassword}}, false)
	admin.page("/")
	admin.imagine(url.Values{"prompt": {"an admin's cat"}})
	if n := len(h.be.Jobs()); n > 4 {
		t.Errorf("%d jobs reached the backend; want at most 4", n)
	}
	// The jobs run out; the address has room again.
	h.be.Advance(1000)
	poll(t, "the jobs ending", func() bool {
		h.a.hub.mu.Lock()
		defer h.a.hub.mu.Unlock()
		return len(h.a.hub.ipJobs) == 0
	})
	third.imagine(url.Values{"prompt": {"a cat, later"}})
}

// TestNewSessionsPerAddress: one address gets a bounded number of new
// sessions in the window; past it a page without a cookie is refused
// with a clear 429, while a browser that has its cookie, and another
// address, go on; once the window moves, new sessions come again.
func TestNewSessionsPerAddress(t *testing.T) {
	clk := &clock{now: time.Now()}
	h := newHarness(t, options{cfg: Config{NewSessionsPerAddress: 3, NewSessionWindow: 10 * time.Minute, Clock: clk.Now}})
	kept := h.browser()
	kept.page("/")
	for range 2 {
		if r := h.browser().page("/"); r.status != http.StatusOK {
			t.Fatalf("a new session within the limit: %d", r.status)
		}
	}
	for _, path := range []string{"/", "/login"} {
		r := h.browser().get(path)
		if r.status != http.StatusTooManyRequests || !strings.Contains(r.body, "Too many new visitors from your address") || r.header.Get("Retry-After") != "600" {
			t.Errorf("GET %s: a fourth new session: %d %v; want 429 saying so", path, r.status, r.header)
		}
		if strings.Contains(r.header.Get("Set-Cookie"), sessionCookie) {
			t.Errorf("GET %s: a refused page set a session cookie", path)
		}
	}
	if r := kept.page("/"); r.status != http.StatusOK {
		t.Errorf("a browser with its cookie: %d", r.status)
	}
	kept.imagine(url.Values{"prompt": {"a cat"}})
	if r := h.browserFrom("127.0.0.2").page("/"); r.status != http.StatusOK {
		t.Errorf("a new session from another address: %d", r.status)
	}
	clk.add(10 * time.Minute)
	if r := h.browser().page("/"); r.status != http.StatusOK {
		t.Errorf("a new session once the window moved: %d", r.status)
	}
}
