package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/imagefile"
	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/imagine/imaginetest"
)

// testPassword is the admin password of the harness.
const testPassword = "correct horse battery staple"

func testSettings() imagine.Settings {
	s := imagine.Settings{
		Defaults: imagine.Defaults{Width: 64, Height: 64, Steps: 8, BatchSize: 1, CFGScale: 7, HRScale: 2, HRUpscaler: "Latent", DenoisingStrength: 0.5, UpscaleBy: 2, VaryStrength: 0.15},
		Limits:   imagine.Limits{MaxWidth: 2048, MaxHeight: 2048, MaxSteps: 80, MaxBatch: 4, MaxPromptLength: 300},
		Styles:   []imagine.Style{{Name: "anime", Prompt: "anime style, {prompt}"}},
	}
	s.Limits.Input = imagine.InputLimits{MaxBytes: imagine.DefaultMaxInputBytes, MaxPixels: imagine.DefaultMaxInputPixels}
	s.CheckInput = imagefile.InputChecker(s.Limits.Input) // as cmd/bot does
	return s
}

// options tweak a harness.
type options struct {
	backend imaginetest.Options // steps take 2ms unless set
	svc     imagine.Config
	cfg     Config
	// adminsOnly: web.playground admins (else open).
	adminsOnly bool
}

// harness runs the adapter on loopback in front of the real core on a
// scripted in-memory backend.
type harness struct {
	t    testing.TB
	be   *imaginetest.Backend
	svc  *imagine.Service
	a    *Adapter
	url  string
	logs *syncBuffer

	svcCfg imagine.Config
	cfg    Config

	stopSvc, stopWeb context.CancelFunc
	svcEnd           chan struct{}
	runErr           chan error
}

func newHarness(t testing.TB, o options) *harness { return newHarnessTB(t, o) }

// newHarnessTB is newHarness for tests and benchmarks.
func newHarnessTB(t testing.TB, o options) *harness {
	t.Helper()
	if o.backend.StepDelay == 0 && !o.backend.Manual {
		o.backend.StepDelay = 2 * time.Millisecond
	}
	sc := o.svc
	sc.Settings = testSettings()
	if sc.PerUser == 0 {
		sc.PerUser = 3
	}
	if sc.MaxQueue == 0 {
		sc.MaxQueue = 50
	}
	if sc.PositionRefresh == 0 {
		sc.PositionRefresh = 20 * time.Millisecond
	}
	if sc.Store == nil {
		sc.Store = imagine.NewMemoryStore()
	}
	logs := &syncBuffer{}
	cfg := o.cfg
	cfg.OpenPlayground = !o.adminsOnly
	if cfg.AdminPassword == "" {
		cfg.AdminPassword = testPassword
	}
	cfg.Logger = slog.New(slog.NewTextHandler(io.MultiWriter(logs, t.Output()), &slog.HandlerOptions{Level: slog.LevelDebug}))
	sc.Logger = cfg.Logger
	h := &harness{t: t, be: imaginetest.New(o.backend), logs: logs, svcCfg: sc, cfg: cfg}
	h.startService()
	h.startAdapter()
	t.Cleanup(func() {
		h.stop()
		if strings.Contains(logs.String(), testPassword) {
			t.Errorf("the logs contain the admin password")
		}
	})
	return h
}

func (h *harness) startService() {
	h.svc = imagine.New(h.svcCfg, []imagine.NamedBackend{{Name: "mem", Backend: h.be}})
	ctx, stop := context.WithCancel(context.Background())
	h.stopSvc, h.svcEnd = stop, make(chan struct{})
	svc, end := h.svc, h.svcEnd
	go func() { svc.Run(ctx); close(end) }()
}

func (h *harness) startAdapter() {
	h.t.Helper()
	cfg := h.cfg
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		h.t.Fatal(err)
	}
	cfg.Listener = ln
	a, err := New(cfg, h.svc)
	if err != nil {
		h.t.Fatalf("New: %v", err)
	}
	ctx, stop := context.WithCancel(context.Background())
	h.a, h.stopWeb, h.runErr = a, stop, make(chan error, 1)
	runErr := h.runErr
	go func() { runErr <- a.Run(ctx) }()
	h.url = strings.TrimSuffix(a.URL(), "/")
	poll(h.t, "the adapter serving", func() bool { return a.Healthy(context.Background()) == nil })
}

// stop stops the adapter and the service together, as cmd/bot does.
func (h *harness) stop() {
	if h.stopWeb == nil {
		return
	}
	h.stopSvc()
	h.stopWeb()
	select {
	case err := <-h.runErr:
		if err != nil {
			h.t.Errorf("Run: %v", err)
		}
	case <-time.After(15 * time.Second):
		h.t.Errorf("Run did not return")
	}
	<-h.svcEnd
	h.stopWeb = nil
}

// restart stops everything and starts a new service on the same store and
// a new adapter, as a new process would.
func (h *harness) restart() {
	h.t.Helper()
	h.stop()
	h.startService()
	h.startAdapter()
}

// poll waits for cond, which nothing signals, checking it every few
// milliseconds; it fails the test after 15s.
func poll(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: timed out", what)
		}
	}
}

// browser is one browser: a cookie jar, shared by its tabs.
type browser struct {
	t      testing.TB
	h      *harness
	c      *http.Client
	lang   string
	csrf   string // from the last page loaded
	origin string // sent as Origin on posts, when set
}

func (h *harness) browser() *browser {
	jar, _ := cookiejar.New(nil)
	b := &browser{t: h.t, h: h, lang: "en-US,en;q=0.9",
		c: &http.Client{Jar: jar, Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	return b
}

// response is an answer read in full.
type response struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(req *http.Request) response {
	b.t.Helper()
	req.Header.Set("Accept-Language", b.lang)
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, string(body)}
}

func (b *browser) get(path string) response {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.h.url+path, nil)
	return b.do(req)
}

var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]*)">`)

// page loads a page and keeps its CSRF token.
func (b *browser) page(path string) response {
	b.t.Helper()
	r := b.get(path)
	if m := csrfMeta.FindStringSubmatch(r.body); m != nil {
		b.csrf = m[1]
	}
	return r
}

// post sends a form, with the CSRF token of the last page in the form;
// asJSON sends it as the page's script does (Accept: application/json).
func (b *browser) post(path string, form url.Values, asJSON bool) response {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form[csrfField]; !ok {
		form.Set(csrfField, b.csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, b.h.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if asJSON {
		req.Header.Set("Accept", "application/json")
	}
	if b.origin != "" {
		req.Header.Set("Origin", b.origin)
	}
	return b.do(req)
}

// imagine submits a prompt as the script does and returns the job's first
// view; it fails the test on a refusal.
func (b *browser) imagine(form url.Values) jobView {
	b.t.Helper()
	if b.csrf == "" {
		b.page("/")
	}
	r := b.post("/imagine", form, true)
	if r.status != http.StatusCreated {
		b.t.Fatalf("POST /imagine: %d %s", r.status, r.body)
	}
	var v jobView
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		b.t.Fatalf("POST /imagine: %v in %s", err, r.body)
	}
	return v
}

// events is one tab's live-update stream.
type events struct {
	t    testing.TB
	resp *http.Response
	mu   sync.Mutex
	seen []jobView
	ch   chan struct{} // signalled on every event
	done chan struct{}
}

// events opens the browser's live-update stream; the test's end closes it.
func (b *browser) events() *events {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.h.url+"/events", nil)
	req.Header.Set("Accept-Language", b.lang)
	c := *b.c
	c.Timeout = 0
	resp, err := c.Do(req)
	if err != nil {
		b.t.Fatalf("GET /events: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		b.t.Fatalf("GET /events: %d %s", resp.StatusCode, body)
	}
	e := &events{t: b.t, resp: resp, ch: make(chan struct{}, 1), done: make(chan struct{})}
	go e.read()
	b.t.Cleanup(e.close)
	return e
}

func (e *events) close() {
	e.resp.Body.Close()
	<-e.done
}

func (e *events) read() {
	defer close(e.done)
	sc := bufio.NewScanner(e.resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	var event string
	var bad error // a line that did not decode: a fault unless it was the last, cut by the stream's end
	for sc.Scan() {
		if bad != nil {
			e.t.Errorf("event data: %v", bad)
			bad = nil
		}
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: ") && event == "job":
			var v jobView
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &v); err != nil {
				bad = fmt.Errorf("%q: %w", line, err)
				continue
			}
			e.mu.Lock()
			e.seen = append(e.seen, v)
			e.mu.Unlock()
			select {
			case e.ch <- struct{}{}:
			default:
			}
		case line == "":
			event = ""
		}
	}
}

// all returns every view seen so far.
func (e *events) all() []jobView {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]jobView(nil), e.seen...)
}

// waitJob waits for a view of job id that satisfies cond and returns it.
func (e *events) waitJob(id string, what string, cond func(jobView) bool) jobView {
	e.t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		for _, v := range e.all() {
			if v.ID == id && cond(v) {
				return v
			}
		}
		select {
		case <-e.ch:
		case <-e.done:
			e.t.Fatalf("waiting for %s: the stream ended", what)
		case <-deadline:
			e.t.Fatalf("waiting for %s: timed out; views: %+v", what, e.all())
		}
	}
}

func isDone(v jobView) bool { return v.State == "done" }

// syncBuffer is a bytes.Buffer safe for concurrent use (the logs).
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

// browserFrom is a browser whose connections come from the loopback
// address src, e.g. 127.0.0.2: another client than the other browsers.
func (h *harness) browserFrom(src string) *browser {
	b := h.browser()
	b.c.Transport = clientFrom(h.t, src).Transport
	return b
}
