package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestResolveClient(t *testing.T) {
	trusted, err := parseProxies([]string{"127.0.0.1", "10.0.0.0/8", "::1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, remote, xff, xfh string
		ip, host               string
	}{
		{"no proxy", "192.0.2.7:5000", "", "", "192.0.2.7", "bot.internal:8080"},
		{"untrusted peer's headers ignored", "192.0.2.7:5000", "203.0.113.9", "evil.example", "192.0.2.7", "bot.internal:8080"},
		{"trusted proxy", "127.0.0.1:5000", "203.0.113.9", "bot.example", "203.0.113.9", "bot.example"},
		{"spoofed left entries skipped", "127.0.0.1:5000", "1.2.3.4, 203.0.113.9", "", "203.0.113.9", "bot.internal:8080"},
		{"chain of trusted proxies", "127.0.0.1:5000", "203.0.113.9, 10.1.2.3", "", "203.0.113.9", "bot.internal:8080"},
		{"only proxies", "127.0.0.1:5000", "10.1.2.3", "", "10.1.2.3", "bot.internal:8080"},
		{"garbage stops the walk", "127.0.0.1:5000", "203.0.113.9, nonsense", "", "127.0.0.1", "bot.internal:8080"},
		{"ipv6 proxy", "[::1]:5000", "2001:db8::5", "", "2001:db8::5", "bot.internal:8080"},
		{"several forwarded hosts", "127.0.0.1:5000", "", "a.example, bot.example", "127.0.0.1", "bot.example"},
	} {
		r := httptest.NewRequest(http.MethodGet, "http://bot.internal:8080/", nil)
		r.RemoteAddr = tt.remote
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		if tt.xfh != "" {
			r.Header.Set("X-Forwarded-Host", tt.xfh)
		}
		if c := proxies(trusted).resolve(r); c.ip != tt.ip || c.host != tt.host {
			t.Errorf("%s: got %+v; want ip %s, host %s", tt.name, c, tt.ip, tt.host)
		}
	}
	for _, bad := range []string{"localhost", "10.0.0.0/33", ""} {
		if _, err := parseProxies([]string{bad}); err == nil || !strings.Contains(err.Error(), "web.trusted_proxies") {
			t.Errorf("parseProxies(%q) = %v; want a refusal naming web.trusted_proxies", bad, err)
		}
	}
}

// TestBehindProxy: behind a trusted proxy that rewrites Host (nginx's
// default), a post whose Origin is the public site is accepted by
// X-Forwarded-Host, and failed sign-ins count per forwarded client, not
// against the proxy's one address. The same headers from an address that
// is not a trusted proxy change nothing.
func TestBehindProxy(t *testing.T) {
	h := newHarness(t, options{cfg: Config{TrustedProxies: []string{"127.0.0.1"}}})
	b := h.browser()
	b.page("/")
	viaProxy := func(b *browser, path string, form url.Values, client string) response {
		b.t.Helper()
		form.Set(csrfField, b.csrf)
		req, _ := http.NewRequest(http.MethodPost, b.h.url+path, strings.NewReader(form.Encode()))
		req.Host = "imaginebot-upstream:8080"
		for _, c := range b.c.Jar.Cookies(mustURL(b.h.url)) { // the jar goes by Host
			req.AddCookie(c)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Origin", "https://bot.example")
		req.Header.Set("X-Forwarded-Host", "bot.example")
		req.Header.Set("X-Forwarded-For", client)
		return b.do(req)
	}
	if r := viaProxy(b, "/imagine", url.Values{"prompt": {"a cat"}}, "203.0.113.1"); r.status != http.StatusCreated {
		t.Errorf("a post through the proxy: %d %s; want 201", r.status, r.body)
	}
	for i := range 5 {
		if r := viaProxy(b, "/login", url.Values{"password": {"guess"}}, "203.0.113.1"); r.status != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d %s", i+1, r.status, r.body)
		}
	}
	if r := viaProxy(b, "/login", url.Values{"password": {"guess"}}, "203.0.113.1"); r.status != http.StatusTooManyRequests {
		t.Errorf("a sixth guess from one client: %d; want 429", r.status)
	}
	if r := viaProxy(b, "/login", url.Values{"password": {testPassword}}, "203.0.113.2"); r.status != http.StatusSeeOther {
		t.Errorf("another client through the same proxy: %d %s; want signed in", r.status, r.body)
	}

	// Not a trusted proxy: the headers are ignored.
	other := h.browserFrom("127.0.0.2")
	other.page("/")
	if r := viaProxy(other, "/imagine", url.Values{"prompt": {"a cat"}}, "203.0.113.3"); r.status != http.StatusForbidden {
		t.Errorf("a forwarded host from an untrusted address: %d; want 403", r.status)
	}
}

// TestDefaultTrustedProxies: with web.trusted_proxies empty, a proxy on
// this machine is trusted (the usual setup: nginx in front on the same
// host), and nobody else is.
func TestDefaultTrustedProxies(t *testing.T) {
	h := newHarness(t, options{})
	for _, tt := range []struct{ remote, want string }{
		{"127.0.0.1:5000", "203.0.113.9"},
		{"127.0.0.53:5000", "203.0.113.9"},
		{"[::1]:5000", "203.0.113.9"},
		{"192.0.2.7:5000", "192.0.2.7"},
	} {
		r := httptest.NewRequest(http.MethodGet, "http://bot.internal:8080/", nil)
		r.RemoteAddr = tt.remote
		r.Header.Set("X-Forwarded-For", "203.0.113.9")
		if c := h.a.proxies.resolve(r); c.ip != tt.want {
			t.Errorf("from %s: client %s, want %s", tt.remote, c.ip, tt.want)
		}
	}
}
