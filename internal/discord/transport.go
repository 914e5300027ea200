package discord

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// apiTarget is where requests for https://discord.com go: scheme, host and a
// path prefix (for a REST proxy mounted below a path).
type apiTarget struct {
	scheme, host, prefix string
}

// parseAPIURL reads discord.api_url: "https://discord.com",
// "http://127.0.0.1:8080/", "https://proxy.example/discord" or a URL that
// already ends in /api or /api/v9. Everything from "/api" on is dropped: the
// paths discordgo builds keep their /api/v9.
func parseAPIURL(raw string) (apiTarget, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return apiTarget{}, fmt.Errorf("api url %q: %w", raw, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return apiTarget{}, fmt.Errorf("api url %q: want http(s)://host[/prefix]", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return apiTarget{}, fmt.Errorf("api url %q: credentials, queries and fragments are not supported", raw)
	}
	prefix := strings.TrimRight(u.Path, "/")
	if i := strings.Index(prefix+"/", "/api/"); i >= 0 {
		prefix = prefix[:i]
	}
	return apiTarget{scheme: u.Scheme, host: u.Host, prefix: prefix}, nil
}

func (t apiTarget) String() string { return t.scheme + "://" + t.host + t.prefix }

// errTransportClosed is returned for requests after the adapter stopped, so
// that nothing (discordgo's reconnect loop in particular) reaches Discord
// after Run returned.
var errTransportClosed = errors.New("discord: the adapter has stopped")

// rewriteTransport sends requests for discord.com to the configured API URL
// and refuses every other host. close ends the requests in flight too, even
// those discordgo sends without a context (GET /gateway inside Open). It is
// safe for concurrent use.
type rewriteTransport struct {
	target apiTarget
	base   http.RoundTripper
	closed atomic.Bool
	life   context.Context // cancelled by close
	end    context.CancelFunc
}

// discordHosts are the hosts discordgo's endpoints use.
var discordHosts = map[string]bool{"discord.com": true, "discordapp.com": true}

// RoundTrip implements http.RoundTripper.
func (t *rewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.closed.Load() {
		closeBody(req)
		return nil, errTransportClosed
	}
	if !discordHosts[req.URL.Host] {
		closeBody(req)
		return nil, fmt.Errorf("discord: refusing a request to %s: only discord.com is served", req.URL.Host)
	}
	ctx, cancel := context.WithCancel(req.Context())
	stop := context.AfterFunc(t.life, cancel)
	release := func() {
		stop()
		cancel()
	}
	out := req.Clone(ctx)
	out.URL.Scheme = t.target.scheme
	out.URL.Host = t.target.host
	out.Host = t.target.host
	if t.target.prefix != "" {
		out.URL.Path = t.target.prefix + out.URL.Path
		if out.URL.RawPath != "" {
			out.URL.RawPath = t.target.prefix + out.URL.RawPath
		}
	}
	resp, err := t.base.RoundTrip(out)
	if err != nil {
		release()
		if t.closed.Load() {
			return nil, errTransportClosed
		}
		return nil, err
	}
	resp.Body = &releasingBody{ReadCloser: resp.Body, release: release}
	return resp, nil
}

// close makes every later request fail with errTransportClosed and cancels
// those in flight.
func (t *rewriteTransport) close() {
	t.closed.Store(true)
	t.end()
}

// releasingBody releases a request's context once its body is closed.
type releasingBody struct {
	io.ReadCloser
	release func()
	once    sync.Once
}

func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.release)
	return err
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// newHTTPClient returns the client for the session: base's settings (or
// defaults) with its transport wrapped by the rewriting one.
func newHTTPClient(base *http.Client, target apiTarget) (*http.Client, *rewriteTransport) {
	var c http.Client
	if base != nil {
		c = *base
	}
	rt := c.Transport
	if rt == nil {
		// Many interactions may be answered at once: keep enough idle
		// connections to Discord instead of the default two.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 64
		rt = tr
	}
	if c.Timeout == 0 {
		c.Timeout = 60 * time.Second
	}
	life, end := context.WithCancel(context.Background())
	wrapped := &rewriteTransport{target: target, base: rt, life: life, end: end}
	c.Transport = wrapped
	return &c, wrapped
}
