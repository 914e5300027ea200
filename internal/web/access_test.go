package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestSecurityHeaders(t *testing.T) {
	h := newHarness(t, options{})
	b := h.browser()
	b.page("/")
	for _, path := range []string{"/", "/login", "/admin", "/static/app.js", "/static/app.css", "/nothing", "/job/zz/preview", "/job/1/image/0.png"} {
		r := b.get(path)
		for k, want := range map[string]string{
			"Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; script-src 'self'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "same-origin",
			"X-Frame-Options":         "DENY",
		} {
			if got := r.header.Get(k); got != want {
				t.Errorf("GET %s: %s = %q, want %q", path, k, got, want)
			}
		}
	}
	// No inline script or style anywhere on the pages.
	for _, path := range []string{"/", "/login"} {
		body := b.get(path).body
		if strings.Contains(body, "<script>") || strings.Contains(body, "<style") || strings.Contains(body, " style=") || strings.Contains(body, " onclick=") {
			t.Errorf("GET %s has inline script or style", path)
		}
	}
}

func TestCookies(t *testing.T) {
	h := newHarness(t, options{})
	for _, tt := range []struct {
		name   string
		proto  string
		secure bool
	}{{"plain http", "", false}, {"behind an https proxy", "https", true}} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if tt.proto != "" {
			req.Header.Set("X-Forwarded-Proto", tt.proto)
		}
		h.a.Handler().ServeHTTP(rec, req)
		cs := rec.Result().Cookies()
		if len(cs) != 2 || cs[1].Name != renewCookie || cs[1].MaxAge != int(renewEvery/time.Second) || cs[1].SameSite != http.SameSiteLaxMode {
			t.Errorf("%s: cookies %+v; want the session cookie, then the renewal mark for a day", tt.name, cs)
		}
		if len(cs) == 0 || cs[0].Name != sessionCookie || !cs[0].HttpOnly || cs[0].SameSite != http.SameSiteLaxMode || cs[0].Secure != tt.secure || cs[0].Path != "/" ||
			cs[0].MaxAge != int(sessionMaxAge/time.Second) {
			t.Errorf("%s: cookies %+v; want one HttpOnly SameSite=Lax session cookie for 30 days, Secure %v", tt.name, cs, tt.secure)
		}
		if strings.Contains(rec.Body.String(), cs[0].Value) {
			t.Errorf("%s: the page shows the session secret", tt.name)
		}
	}
}

// TestCrossSiteNavigation: a link to the playground followed from another
// site (a chat, a search result) brings the session cookie along, as a
// SameSite=Lax cookie is sent on top-level navigations: the page keeps
// the browser's session and jobs instead of minting a new one.
func TestCrossSiteNavigation(t *testing.T) {
	h := newHarness(t, options{})
	b := h.browser()
	b.page("/")
	v := b.imagine(url.Values{"prompt": {"a lighthouse"}})
	var sess *http.Cookie
	for _, c := range b.c.Jar.Cookies(mustURL(h.url)) {
		if c.Name == sessionCookie {
			sess = c
		}
	}
	if sess == nil {
		t.Fatal("no session cookie")
	}
	// What the browser sends, judging by the attributes it was given: a
	// Strict cookie stays home on a cross-site navigation, a Lax one goes.
	rec := httptest.NewRecorder()
	h.a.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	set := rec.Result().Cookies()
	if len(set) == 0 || set[0].SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie %+v; want SameSite=Lax, which a link from another site carries", set)
	}
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Sec-Fetch-Mode", "navigate")
	req.AddCookie(sess)
	rec = httptest.NewRecorder()
	h.a.Handler().ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.Name == sessionCookie && c.Value != sess.Value {
			t.Errorf("a cross-site navigation with the cookie got a new session")
		}
	}
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `id="job-`+v.ID+`"`) {
		t.Errorf("a cross-site navigation lost the browser's job %s: %d\n%s", v.ID, rec.Code, rec.Body.String())
	}
}

func TestCSRF(t *testing.T) {
	h := newHarness(t, options{})
	alice, mallory := h.browser(), h.browser()
	alice.page("/")
	mallory.page("/")
	prompt := url.Values{"prompt": {"a cat"}}
	with := func(token string) url.Values {
		v := url.Values{"prompt": {"a cat"}}
		v.Set(csrfField, token)
		return v
	}
	tests := []struct {
		name   string
		b      *browser
		form   url.Values
		origin string
	}{
		{"missing token", alice, with(""), ""},
		{"forged token", alice, with(strings.Repeat("A", 43)), ""},
		{"another browser's token", alice, with(mallory.csrf), ""},
		{"another origin", alice, prompt, "https://evil.example"},
		{"no session", h.browser(), with(alice.csrf), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.b.origin = tt.origin
			defer func() { tt.b.origin = "" }()
			for _, path := range []string{"/imagine", "/job/1/cancel", "/login", "/logout"} {
				r := tt.b.post(path, tt.form, true)
				if r.status != http.StatusForbidden || r.body != `{"error":"Refused. Reload the page and try again."}` {
					t.Errorf("POST %s: %d %s; want 403 without detail", path, r.status, r.body)
				}
			}
		})
	}
	if len(h.be.Jobs()) != 0 {
		t.Errorf("a refused request made a job")
	}
	// The token in a header (as the script sends it) is enough.
	req, _ := http.NewRequest(http.MethodPost, h.url+"/imagine", strings.NewReader(prompt.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set(csrfHeader, alice.csrf)
	req.Header.Set("Origin", h.url)
	if r := alice.do(req); r.status != http.StatusCreated {
		t.Errorf("POST with the header token: %d %s", r.status, r.body)
	}
}

func TestLogin(t *testing.T) {
	h := newHarness(t, options{})
	b := h.browser()
	if r := b.get("/admin"); r.status != http.StatusSeeOther || r.header.Get("Location") != "/login" {
		t.Fatalf("GET /admin signed out: %d %v; want a redirect to /login", r.status, r.header.Get("Location"))
	}
	b.page("/login")
	r := b.post("/login", url.Values{"password": {"not the password"}}, false)
	if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "Sign-in failed.") {
		t.Fatalf("wrong password: %d; want 401 saying only that it failed:\n%s", r.status, r.body)
	}
	for _, c := range b.c.Jar.Cookies(mustURL(h.url)) {
		if c.Name == adminCookie {
			t.Errorf("a wrong password set the admin cookie")
		}
	}
	r = b.post("/login", url.Values{"password": {testPassword}}, false)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin" {
		t.Fatalf("right password: %d %v", r.status, r.header)
	}
	var admin *http.Cookie
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == adminCookie {
			admin = c
		}
	}
	if admin == nil || !admin.HttpOnly || admin.SameSite != http.SameSiteStrictMode || admin.MaxAge != int((12*time.Hour)/time.Second) {
		t.Errorf("admin cookie %+v; want HttpOnly, SameSite=Strict, for 12h", admin)
	}
	page := b.page("/admin")
	if page.status != http.StatusOK || !strings.Contains(page.body, `<p id="signed-in">Signed in as admin.</p>`) || !strings.Contains(page.body, `action="/logout"`) {
		t.Fatalf("admin page: %d\n%s", page.status, page.body)
	}
	if strings.Contains(page.body, testPassword) || strings.Contains(page.body, admin.Value) {
		t.Errorf("the admin page shows the password or the sign-in token")
	}
	if r := b.post("/logout", nil, false); r.status != http.StatusSeeOther {
		t.Fatalf("logout: %d", r.status)
	}
	if r := b.get("/admin"); r.status != http.StatusSeeOther {
		t.Errorf("GET /admin after signing out: %d; want a redirect to /login", r.status)
	}
	// The old token is dead even if someone kept it.
	req, _ := http.NewRequest(http.MethodGet, h.url+"/admin", nil)
	req.AddCookie(admin)
	if r := h.browser().do(req); r.status != http.StatusSeeOther {
		t.Errorf("GET /admin with a signed-out token: %d", r.status)
	}
}

func TestLoginRateLimit(t *testing.T) {
	h := newHarness(t, options{})
	b := h.browser()
	b.page("/login")
	for i := range 5 {
		if r := b.post("/login", url.Values{"password": {"guess"}}, false); r.status != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i+1, r.status)
		}
	}
	// Now even the right password is not checked.
	r := b.post("/login", url.Values{"password": {testPassword}}, false)
	if r.status != http.StatusTooManyRequests || !strings.Contains(r.body, "Too many failed sign-ins") {
		t.Fatalf("after 5 failures: %d; want 429:\n%s", r.status, r.body)
	}
}

func TestFailLimiter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := failLimiter{perIP: 2, global: 3, window: time.Minute, byIP: map[string][]time.Time{}}
	for i := range 2 {
		if !l.take("a", now) {
			t.Fatalf("try %d of a refused", i+1)
		}
	}
	if l.take("a", now) {
		t.Errorf("a third try of a allowed (per address 2)")
	}
	if !l.take("b", now) {
		t.Fatal("b's first try refused")
	}
	if l.take("c", now) {
		t.Errorf("a fresh address allowed past the global limit")
	}
	l.giveBack("b", now) // b's try did not count (a right password)
	if !l.take("c", now) {
		t.Errorf("a given-back try still counts")
	}
	later := now.Add(time.Minute)
	if !l.take("a", later) || !l.take("d", later) {
		t.Errorf("not allowed again once the failures left the window")
	}
	l.prune(later.Add(time.Minute))
	if len(l.byIP) != 0 || len(l.all) != 0 {
		t.Errorf("prune left %v, %v", l.byIP, l.all)
	}
}

// TestLoginLimitParallel: wrong passwords sent at once from one address
// are checked at most as often as the limit allows; none slips past it
// between the check and the count.
func TestLoginLimitParallel(t *testing.T) {
	for range 20 {
		a := newAccess(Config{AdminPassword: testPassword, AdminSession: time.Hour, LoginFailuresPerIP: 5, LoginFailures: 50, LoginWindow: time.Hour, Clock: time.Now})
		var (
			wg     sync.WaitGroup
			mu     sync.Mutex
			wrong  int
			start  = make(chan struct{})
			tokens []string
		)
		for i := range 64 {
			wg.Go(func() {
				<-start
				pass := "guess"
				if i == 63 {
					pass = testPassword
				}
				tok, res := a.login("192.0.2.1", pass)
				mu.Lock()
				defer mu.Unlock()
				switch res {
				case loginWrong:
					wrong++
				case loginOK:
					tokens = append(tokens, tok)
				}
			})
		}
		close(start)
		wg.Wait()
		if wrong > 5 {
			t.Fatalf("%d wrong passwords checked from one address at once; want at most 5", wrong)
		}
	}
	// A right password gives its place back.
	a := newAccess(Config{AdminPassword: testPassword, AdminSession: time.Hour, LoginFailuresPerIP: 2, LoginFailures: 50, LoginWindow: time.Hour, Clock: time.Now})
	for range 10 {
		if _, res := a.login("192.0.2.1", testPassword); res != loginOK {
			t.Fatalf("a right password: %v; right ones must not use up the limit", res)
		}
	}
}

// clock is a Config.Clock tests move.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestSessionExpiry(t *testing.T) {
	clk := &clock{now: time.Now()}
	h := newHarness(t, options{adminsOnly: true, cfg: Config{Clock: clk.Now, AdminSession: time.Hour}})
	b := h.browser()
	b.page("/login")
	if r := b.post("/login", url.Values{"password": {testPassword}}, false); r.status != http.StatusSeeOther {
		t.Fatalf("login: %d", r.status)
	}
	b.page("/")
	b.imagine(url.Values{"prompt": {"while signed in"}})
	clk.add(time.Hour + time.Second)
	r := b.post("/imagine", url.Values{"prompt": {"after it expired"}}, true)
	if r.status != http.StatusForbidden || r.body != `{"error":"Your sign-in has expired. Please sign in again."}` {
		t.Errorf("POST after expiry: %d %s", r.status, r.body)
	}
	if r := b.get("/admin"); r.status != http.StatusSeeOther || r.header.Get("Location") != "/login" {
		t.Errorf("GET /admin after expiry: %d %s", r.status, r.header.Get("Location"))
	}
	if r := b.page("/login"); !strings.Contains(r.body, "Your sign-in has expired") {
		t.Errorf("the login page does not say the sign-in expired:\n%s", r.body)
	}
}

func TestAdminsOnlyPlayground(t *testing.T) {
	h := newHarness(t, options{adminsOnly: true})
	b := h.browser()
	page := b.page("/")
	if strings.Contains(page.body, `name="prompt"`) || !strings.Contains(page.body, "open to signed-in admins only") {
		t.Errorf("the admins-only page offers the form to a stranger:\n%s", page.body)
	}
	if r := b.post("/imagine", url.Values{"prompt": {"a cat"}}, true); r.status != http.StatusForbidden {
		t.Errorf("POST /imagine by a stranger: %d %s", r.status, r.body)
	}
	b.page("/login")
	b.post("/login", url.Values{"password": {testPassword}}, false)
	if page := b.page("/"); !strings.Contains(page.body, `name="prompt"`) {
		t.Errorf("a signed-in admin gets no form")
	}
	v := b.imagine(url.Values{"prompt": {"a cat"}})
	if v.ID == "" {
		t.Errorf("an admin cannot generate")
	}
}

func TestNoAdminPassword(t *testing.T) {
	h := newHarness(t, options{cfg: Config{AdminPassword: "-"}})
	h.a.access.hasPass = false // as with web.admin_password empty
	b := h.browser()
	if r := b.page("/login"); !strings.Contains(r.body, "Signing in is turned off") {
		t.Errorf("login page without a password:\n%s", r.body)
	}
	if r := b.post("/login", url.Values{"password": {""}}, false); r.status != http.StatusForbidden {
		t.Errorf("POST /login without a password configured: %d", r.status)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tt := range []struct {
		cfg  Config
		want string
	}{
		{Config{}, "web.listen"},
		{Config{Listen: "nowhere", OpenPlayground: true}, "host:port"},
		{Config{Listen: ":8080"}, "set web.admin_password"},
		{Config{Listen: ":8080", OpenPlayground: true, WriteTimeout: -1}, "negative"},
		{Config{Listen: ":8080", OpenPlayground: true, MaxJobsPerAddress: -1}, "negative"},
		{Config{Listen: ":8080", OpenPlayground: true, TrustedProxies: []string{"proxy"}}, "web.trusted_proxies"},
	} {
		if _, err := New(tt.cfg, nil); err == nil {
			t.Errorf("New(%+v) without a core succeeded", tt.cfg)
		}
		err := tt.cfg.withDefaults().validate()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("validate(%+v) = %v, want %q", tt.cfg, err, tt.want)
		}
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// TestSessionRenewal: a page load renews the session cookie for another
// 30 days at most once a day: with the renewal mark (a day-long cookie)
// present, nothing is sent; once it has gone, the same session is sent
// again. Requests that are not page loads never renew.
func TestSessionRenewal(t *testing.T) {
	h := newHarness(t, options{})
	sess := &http.Cookie{Name: sessionCookie, Value: newSecret()}
	load := func(path string, cookies ...*http.Cookie) []*http.Cookie {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		h.a.Handler().ServeHTTP(rec, req)
		return rec.Result().Cookies()
	}
	cs := load("/", sess)
	if len(cs) != 2 || cs[0].Name != sessionCookie || cs[0].Value != sess.Value || cs[0].MaxAge != int(sessionMaxAge/time.Second) ||
		cs[1].Name != renewCookie || cs[1].MaxAge != int(renewEvery/time.Second) {
		t.Errorf("a page load without the renewal mark: cookies %+v; want the same session for 30 days and the mark for a day", cs)
	}
	if cs := load("/", sess, &http.Cookie{Name: renewCookie, Value: "1"}); len(cs) != 0 {
		t.Errorf("a page load renewed within the day: cookies %+v; want none", cs)
	}
	if cs := load("/job/1/preview", sess); len(cs) != 0 {
		t.Errorf("a preview request: cookies %+v; want none", cs)
	}
}

// TestStaticNoListing: /static/ serves its files, never a listing of a
// directory.
func TestStaticNoListing(t *testing.T) {
	h := newHarness(t, options{})
	b := h.browser()
	for _, path := range []string{"/static/", "/static", "/static//", "/static/./", "/static/missing.js"} {
		r := b.get(path)
		if r.status == http.StatusOK || strings.Contains(r.body, "app.js") {
			t.Errorf("GET %s: %d; want no listing:\n%s", path, r.status, r.body)
		}
	}
	if r := b.get("/static/app.js"); r.status != http.StatusOK || !strings.Contains(r.body, "EventSource") {
		t.Errorf("GET /static/app.js: %d", r.status)
	}
}
