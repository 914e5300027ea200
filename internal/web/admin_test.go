package web

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/frontend"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// signIn signs b in as an admin and loads the dashboard (for its token).
func (b *browser) signIn() response {
	b.t.Helper()
	b.page("/login")
	if r := b.post("/login", url.Values{"password": {testPassword}}, false); r.status != http.StatusSeeOther {
		b.t.Fatalf("sign in: %d %s", r.status, r.body)
	}
	r := b.page("/admin")
	if r.status != http.StatusOK {
		b.t.Fatalf("GET /admin: %d %s", r.status, r.body)
	}
	return r
}

// dashStream is one open dashboard feed: the newest HTML of each section.
type dashStream struct {
	t    testing.TB
	resp *http.Response
	mu   sync.Mutex
	last map[string]string
	n    int // events read
	ch   chan struct{}
	done chan struct{}
}

// dashEvents opens the dashboard's live feed as b.
func (b *browser) dashEvents() *dashStream {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.h.url+"/admin/events", nil)
	req.Header.Set("Accept-Language", b.lang)
	c := *b.c
	c.Timeout = 0
	resp, err := c.Do(req)
	if err != nil {
		b.t.Fatalf("GET /admin/events: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		b.t.Fatalf("GET /admin/events: %d %s", resp.StatusCode, body)
	}
	d := &dashStream{t: b.t, resp: resp, last: map[string]string{}, ch: make(chan struct{}, 1), done: make(chan struct{})}
	go d.read()
	b.t.Cleanup(func() { resp.Body.Close(); <-d.done })
	return d
}

func (d *dashStream) read() {
	defer close(d.done)
	sc := bufio.NewScanner(d.resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	var name string
	var data []string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data = append(data, strings.TrimPrefix(line, "data: "))
		case line == "":
			if name != "" {
				d.mu.Lock()
				d.last[name] = strings.Join(data, "\n")
				d.n++
				d.mu.Unlock()
				select {
				case d.ch <- struct{}{}:
				default:
				}
			}
			name, data = "", nil
		}
	}
}

// section returns the newest HTML of a section.
func (d *dashStream) section(name string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.last[name]
}

// wait waits until section name satisfies cond and returns its HTML.
func (d *dashStream) wait(name, what string, cond func(string) bool) string {
	d.t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		if s := d.section(name); s != "" && cond(s) {
			return s
		}
		select {
		case <-d.ch:
		case <-d.done:
			d.t.Fatalf("waiting for %s: the feed ended", what)
		case <-deadline:
			d.t.Fatalf("waiting for %s: timed out; %s is:\n%s", what, name, d.section(name))
		}
	}
}

func contains(sub string) func(string) bool {
	return func(s string) bool { return strings.Contains(s, sub) }
}

// TestAdminRoutesNeedASignIn: every dashboard route refuses a browser
// without a live admin sign-in, and every action one without the token.
func TestAdminRoutesNeedASignIn(t *testing.T) {
	h := newHarness(t, options{backend: manual})
	user := h.browser()
	user.page("/")
	v := user.imagine(url.Values{"prompt": {"a job"}})
	h.be.Advance(1)
	gets := []string{"/admin/events", "/admin/job/" + v.ID + "/preview", "/admin/image/" + v.ID + "/0.png"}
	posts := []string{"/admin/model", "/admin/job/" + v.ID + "/cancel", "/admin/block", "/admin/unblock"}
	form := url.Values{"model": {"anime-v3"}, "who": {"web:someone"}}

	stranger := h.browser() // no cookie at all
	if r := stranger.get("/admin"); r.status != http.StatusSeeOther || r.header.Get("Location") != "/login" {
		t.Errorf("GET /admin signed out: %d; want a redirect to /login", r.status)
	}
	for _, b := range []*browser{stranger, user} {
		for _, p := range gets {
			if r := b.get(p); r.status != http.StatusNotFound && r.status != http.StatusForbidden {
				t.Errorf("GET %s signed out: %d; want 403 or 404", p, r.status)
			}
		}
		for _, p := range posts {
			if r := b.post(p, form, true); r.status != http.StatusForbidden || !strings.Contains(r.body, "Refused") {
				t.Errorf("POST %s signed out (with the page's token): %d %s; want 403", p, r.status, r.body)
			}
		}
	}

	admin := h.browser()
	admin.signIn()
	token := admin.csrf
	for _, p := range posts {
		for name, csrf := range map[string]string{"missing": "", "forged": token[:len(token)-2] + "xx"} {
			f := url.Values{"model": {"anime-v3"}, "who": {"web:someone"}, csrfField: {csrf}}
			if r := admin.post(p, f, true); r.status != http.StatusForbidden {
				t.Errorf("POST %s with a %s token: %d %s; want 403", p, name, r.status, r.body)
			}
		}
		admin.origin = "http://evil.example"
		if r := admin.post(p, form, true); r.status != http.StatusForbidden {
			t.Errorf("POST %s from another origin: %d; want 403", p, r.status)
		}
		admin.origin = ""
	}
	if len(h.svc.Blocked()) != 0 || len(h.be.Switches()) != 0 {
		t.Errorf("a refused request acted: blocked %v, switches %v", h.svc.Blocked(), h.be.Switches())
	}
	if st := v.State; st != "queued" && st != "running" {
		t.Errorf("job state %s", st)
	}
	if jobs, _ := h.svc.Jobs(imagine.Requester{Platform: imagine.Web, UserID: userIDOfBrowser(t, user)}); len(jobs) != 1 {
		t.Errorf("a refused cancel cancelled: the user has %d jobs", len(jobs))
	}
	// The admin's own requests pass.
	for _, p := range gets[:2] {
		if p == "/admin/events" {
			admin.dashEvents()
			continue
		}
		poll(t, "the preview", func() bool { return admin.get(p).status == http.StatusOK })
	}
}

// userIDOfBrowser is the core's user id of a browser's session.
func userIDOfBrowser(t testing.TB, b *browser) string {
	for _, c := range b.c.Jar.Cookies(mustURL(b.h.url)) {
		if c.Name == sessionCookie {
			return userIDOf(c.Value)
		}
	}
	t.Fatal("no session cookie")
	return ""
}

// TestDashboardShowsEverything renders the dashboard with a running job,
// a waiting one, a finished one and a block, with prompts and names that
// are HTML: everything is there, and escaped.
func TestDashboardShowsEverything(t *testing.T) {
	h := newHarness(t, options{backend: manual})
	const evil = `<script>alert("x")</script><img src=x onerror=alert(1)>`
	user := h.browser()
	user.page("/")
	ev := user.events()
	done := user.imagine(url.Values{"prompt": {"done " + evil}, "steps": {"2"}})
	h.be.Advance(2)
	ev.waitJob(done.ID, "the first job done", isDone)
	running := user.imagine(url.Values{"prompt": {"running " + evil}, "steps": {"4"}})
	waiting := user.imagine(url.Values{"prompt": {"waiting " + evil}})
	h.be.Advance(1)
	ev.waitJob(running.ID, "a preview", func(v jobView) bool { return v.Preview != "" })
	admin := h.browser()
	admin.signIn()
	if err := h.svc.Block("tg:42", imagine.Requester{Platform: imagine.Web, UserID: "admin", Admin: true, Name: "<b>boss</b>"}); err != nil {
		t.Fatal(err)
	}
	page := admin.page("/admin").body
	user.c.Jar.Cookies(mustURL(h.url))
	key := "web:" + userIDOfBrowser(t, user)
	for _, want := range []string{
		`id="dash-queue"`, `id="running"`, `id="waiting"`, `data-job="` + running.ID + `"`, `data-job="` + waiting.ID + `"`,
		`/admin/job/` + running.ID + `/preview?v=`, `<b class="on">mem</b>`,
		`action="/admin/job/` + waiting.ID + `/cancel"`, `name="who" value="` + key + `"`,
		`data-backend="mem"`, `<option value="anime-v3.safetensors [a1b2c3d4e5]"`,
		`<svg viewBox="0 0 300 60"`, `<polyline class="line" points="0.0,`, `Queue length`, `Images per minute`, `GPU busy`,
		`<b>tg:42</b>`, htmlEscape("<b>boss</b>"), `action="/admin/unblock"`,
		`/admin/image/` + done.ID + `/0.png`, `data-user="` + key + `"`,
		htmlEscape("done " + evil), htmlEscape("running " + evil), htmlEscape("waiting " + evil),
		`<script src="/static/admin.js" defer></script>`, `name="csrf" value="` + admin.csrf + `"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the dashboard lacks %s", want)
		}
	}
	if strings.Contains(page, evil) || strings.Contains(page, "<b>boss") {
		t.Errorf("the dashboard shows a prompt or a name unescaped:\n%s", page)
	}
	if strings.Contains(page, " style=") || strings.Contains(page, "<script>") {
		t.Errorf("the dashboard has inline style or script, which the CSP forbids")
	}
	// The images are the admin's to see.
	if r := admin.get("/admin/image/" + done.ID + "/0.png"); r.status != http.StatusOK || r.header.Get("Content-Type") != "image/png" {
		t.Errorf("gallery image: %d %s", r.status, r.header.Get("Content-Type"))
	}
	if r := admin.get("/admin/image/" + done.ID + "/7.png"); r.status != http.StatusNotFound {
		t.Errorf("gallery image 7: %d", r.status)
	}
	if r := admin.get("/admin/job/" + running.ID + "/preview"); r.status != http.StatusOK || r.header.Get("Content-Type") != "image/png" {
		t.Errorf("running job's preview: %d %s", r.status, r.header.Get("Content-Type"))
	}
	// The live feed sends the same sections, escaped too, without tokens.
	feed := admin.dashEvents()
	for _, name := range dashSections {
		feed.wait(name, "section "+name, func(string) bool { return true })
	}
	q := feed.wait("queue", "the queue", contains(htmlEscape("waiting "+evil)))
	if strings.Contains(q, evil) || strings.Contains(q, `name="csrf"`) {
		t.Errorf("the live queue shows the prompt unescaped or carries a token:\n%s", q)
	}
	g := feed.section("gallery")
	if !strings.Contains(g, htmlEscape("done "+evil)) || strings.Contains(g, evil) {
		t.Errorf("the live gallery:\n%s", g)
	}
	h.be.Advance(100)
	feed.wait("queue", "the queue empty", contains("Nobody is waiting."))
	feed.wait("gallery", "the jobs in the gallery", contains(`data-job="`+waiting.ID+`"`))
	feed.wait("charts", "images counted", contains("Images per minute <span class=\"note\">now 3 · top 5"))
}

// TestDashboardActions: switch the model, cancel a running job of another
// platform's user and a waiting one, block a user (whose next request is
// refused) and unblock them; bad input is answered with the core's reason.
func TestDashboardActions(t *testing.T) {
	h := newHarness(t, options{backend: manual})
	admin := h.browser()
	admin.signIn()
	feed := admin.dashEvents()

	r := admin.post("/admin/model", url.Values{"model": {"anime-v3.safetensors [a1b2c3d4e5]"}}, true)
	if r.status != http.StatusOK || !strings.Contains(r.body, `"message":"Switched to anime-v3.safetensors [a1b2c3d4e5]."`) {
		t.Errorf("switch model: %d %s", r.status, r.body)
	}
	if sw := h.be.Switches(); len(sw) != 1 || !strings.HasPrefix(sw[0], "anime-v3") {
		t.Errorf("the backend's switches: %v", sw)
	}
	feed.wait("backends", "the new model shown", contains("Default model: anime-v3"))
	if r := admin.post("/admin/model", url.Values{"model": {"no-such-model"}}, true); r.status == http.StatusOK || !strings.Contains(r.body, `"error"`) {
		t.Errorf("switch to an unknown model: %d %s", r.status, r.body)
	}
	if r := admin.post("/admin/model", url.Values{"model": {""}}, true); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Choose a model.") {
		t.Errorf("switch to no model: %d %s", r.status, r.body)
	}

	// A chat user's running job, and a web user's waiting one.
	tg := imagine.Requester{Platform: imagine.Telegram, UserID: "42", Name: "tg user"}
	tk, err := h.svc.Submit(imagine.Request{Prompt: "a chat job", Requester: tg})
	if err != nil {
		t.Fatal(err)
	}
	user := h.browser()
	user.page("/")
	ev := user.events()
	waiting := user.imagine(url.Values{"prompt": {"a web job"}})
	feed.wait("queue", "both jobs", contains(`data-job="`+waiting.ID+`"`))
	r = admin.post("/admin/job/"+tk.ID.String()+"/cancel", nil, true)
	if r.status != http.StatusOK || !strings.Contains(r.body, "is cancelled") {
		t.Errorf("cancel the running job: %d %s", r.status, r.body)
	}
	waitStatus(t, tk.Watch, imagine.Cancelled)
	if r := admin.post("/admin/job/"+waiting.ID+"/cancel", nil, false); r.status != http.StatusOK || !strings.Contains(r.body, "is cancelled") || !strings.Contains(r.body, `id="dash-queue"`) {
		t.Errorf("cancel the waiting job with a plain form: %d; want the dashboard with the outcome", r.status)
	}
	ev.waitJob(waiting.ID, "the user sees the cancel", func(v jobView) bool { return v.State == "cancelled" })
	if r := admin.post("/admin/job/"+tk.ID.String()+"/cancel", nil, true); r.status != http.StatusNotFound {
		t.Errorf("cancel twice: %d %s", r.status, r.body)
	}

	// Block the web user: their next request is refused; unblock.
	key := "web:" + userIDOfBrowser(t, user)
	if r := admin.post("/admin/block", url.Values{"who": {key}}, true); r.status != http.StatusOK || !strings.Contains(r.body, key+" is blocked.") {
		t.Fatalf("block: %d %s", r.status, r.body)
	}
	feed.wait("blocks", "the block listed", contains(`data-user="`+key+`"`))
	if r := user.post("/imagine", url.Values{"prompt": {"again"}}, true); r.status != http.StatusForbidden || !strings.Contains(r.body, "can't use this bot") {
		t.Errorf("a blocked user's request: %d %s", r.status, r.body)
	}
	if r := admin.post("/admin/unblock", url.Values{"who": {key}}, true); r.status != http.StatusOK || !strings.Contains(r.body, "is unblocked") {
		t.Errorf("unblock: %d %s", r.status, r.body)
	}
	feed.wait("blocks", "the block gone", contains("Nobody is blocked."))
	user.imagine(url.Values{"prompt": {"welcome back"}})

	for _, c := range []struct{ path, who, want string }{
		{"/admin/block", "not a key", "is not a user"},
		{"/admin/block", "web:" + userIDOfBrowser(t, admin), "can't block yourself"},
		{"/admin/unblock", "tg:7", "is not blocked"},
	} {
		if r := admin.post(c.path, url.Values{"who": {c.who}}, true); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, c.want) {
			t.Errorf("POST %s %q: %d %s; want 422 saying %q", c.path, c.who, r.status, r.body, c.want)
		}
	}
}

// waitStatus waits until w reaches state.
func waitStatus(t *testing.T, w *imagine.Watch, state imagine.State) {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for w.Latest().State != state {
		select {
		case <-w.Changed():
		case <-deadline:
			t.Fatalf("waiting for %s: the job is %s", state, w.Latest().State)
		}
	}
}

// TestDashboardFeedIsShared: ten viewers share the feed's readings of the
// core; an action is one more reading, not one per viewer.
func TestDashboardFeedIsShared(t *testing.T) {
	h := newHarness(t, options{backend: manual, cfg: Config{DashboardRefresh: time.Hour}})
	admin := h.browser()
	admin.signIn()
	var feeds []*dashStream
	for range 10 {
		feeds = append(feeds, admin.dashEvents())
	}
	for _, f := range feeds {
		f.wait("blocks", "the first frame", contains("Nobody is blocked."))
	}
	poll(t, "the feed settled", func() bool {
		before := h.a.dash.pollCount()
		time.Sleep(50 * time.Millisecond)
		return h.a.dash.pollCount() == before
	})
	before := h.a.dash.pollCount()
	if before > 10 {
		t.Errorf("%d readings for 10 viewers joining; want at most one each", before)
	}
	if r := admin.post("/admin/block", url.Values{"who": {"tg:1"}}, true); r.status != http.StatusOK {
		t.Fatalf("block: %d %s", r.status, r.body)
	}
	for _, f := range feeds {
		f.wait("blocks", "the block", contains("tg:1"))
	}
	if n := h.a.dash.pollCount() - before; n != 1 {
		t.Errorf("%d readings of the core for one action and 10 viewers; want 1", n)
	}
	// Only what changed is sent again.
	for _, f := range feeds {
		f.mu.Lock()
		n := f.n
		f.mu.Unlock()
		if n > 2*len(dashSections) {
			t.Errorf("a viewer got %d events for two frames", n)
		}
	}
}

// TestDashboardShowsNoSecrets renders the dashboard and its feed with a
// configuration full of secrets: none of them shows.
func TestDashboardShowsNoSecrets(t *testing.T) {
	h := newHarness(t, options{backend: manual, cfg: Config{AdminPassword: "s3cret-admin-password-123"}})
	b := h.browser()
	b.page("/login")
	if r := b.post("/login", url.Values{"password": {"s3cret-admin-password-123"}}, false); r.status != http.StatusSeeOther {
		t.Fatalf("sign in: %d", r.status)
	}
	b.page("/")
	b.imagine(url.Values{"prompt": {"a job"}})
	page := b.page("/admin").body
	feed := b.dashEvents()
	for _, name := range dashSections {
		feed.wait(name, name, func(string) bool { return true })
	}
	var all strings.Builder
	all.WriteString(page)
	for _, name := range dashSections {
		all.WriteString(feed.section(name))
	}
	secrets := []string{"s3cret-admin-password-123"}
	for _, c := range b.c.Jar.Cookies(mustURL(h.url)) {
		if c.Name != renewCookie { // "1": a mark, no secret
			secrets = append(secrets, c.Value) // the session secret and the sign-in token
		}
	}
	for _, s := range secrets {
		if strings.Contains(all.String(), s) {
			t.Errorf("the dashboard shows a secret (%d chars)", len(s))
		}
	}
}

// TestNoDashboardWithoutAdminCore: a core without the admin side still
// has the sign-in page; the dashboard's routes answer 404/403.
func TestNoDashboardWithoutAdminCore(t *testing.T) {
	h := newHarness(t, options{})
	a, err := New(Config{Listen: "127.0.0.1:0", AdminPassword: testPassword, OpenPlayground: true}, struct{ frontend.Core }{h.svc})
	if err != nil {
		t.Fatal(err)
	}
	if a.admin != nil {
		t.Fatal("a core without the admin side has a dashboard")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() { cancel(); <-done }()
	h2 := *h
	h2.url = strings.TrimSuffix(a.URL(), "/")
	poll(t, "serving", func() bool { return a.Healthy(context.Background()) == nil })
	b := h2.browser()
	r := b.signIn()
	if !strings.Contains(r.body, "no admin dashboard") || strings.Contains(r.body, `id="dash"`) {
		t.Errorf("admin page without the admin side:\n%s", r.body)
	}
	if r := b.get("/admin/events"); r.status != http.StatusForbidden {
		t.Errorf("GET /admin/events: %d", r.status)
	}
	if r := b.post("/admin/block", url.Values{"who": {"tg:1"}}, true); r.status != http.StatusForbidden {
		t.Errorf("POST /admin/block: %d", r.status)
	}
}
