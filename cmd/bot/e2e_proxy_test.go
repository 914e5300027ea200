package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// dropProxy sits between the bot and a fake and can drop requests: it
// closes their connection without an answer, as a broken network does,
// so that the bot sees transport errors (whose text, in Go, holds the
// request URL with any token in its path). Everything else is forwarded.
type dropProxy struct {
	URL string

	srv *httptest.Server
	tr  *http.Transport

	mu    sync.Mutex     // guards drops
	drops map[string]int // path substring -> requests still to drop
}

// newDropProxy forwards to target until Cleanup closes it.
func newDropProxy(t *testing.T, target string) *dropProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &dropProxy{tr: &http.Transport{}, drops: map[string]int{}}
	rp := &httputil.ReverseProxy{
		Rewrite:        func(r *httputil.ProxyRequest) { r.SetURL(u) },
		Transport:      p.tr,
		FlushInterval:  -1,
		ModifyResponse: func(resp *http.Response) error { return p.rewriteGateway(resp, u.Host) },
		// A bot that gives up on a long poll cancels it: not worth a log line.
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) { w.WriteHeader(http.StatusBadGateway) },
	}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p.take(r.URL.Path) {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				panic(http.ErrAbortHandler)
			}
			conn.Close()
			return
		}
		rp.ServeHTTP(w, r)
	}))
	p.URL = p.srv.URL
	t.Cleanup(p.close)
	return p
}

// rewriteGateway makes Discord's GET /gateway answer announce the
// websocket URL through the proxy (websockets are forwarded like any
// request), so that gateway connections can be dropped too.
func (p *dropProxy) rewriteGateway(resp *http.Response, targetHost string) error {
	path := resp.Request.URL.Path
	if !strings.HasSuffix(path, "/gateway") && !strings.HasSuffix(path, "/gateway/bot") {
		return nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	body = bytes.ReplaceAll(body, []byte("ws://"+targetHost), []byte("ws://"+strings.TrimPrefix(p.URL, "http://")))
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
	return nil
}

// dropNext drops the next n requests whose path contains s.
func (p *dropProxy) dropNext(s string, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.drops[s] += n
}

func (p *dropProxy) take(path string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for s, n := range p.drops {
		if n > 0 && strings.Contains(path, s) {
			p.drops[s] = n - 1
			return true
		}
	}
	return false
}

// dropsLeft returns how many requests are still to be dropped.
func (p *dropProxy) dropsLeft() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, left := range p.drops {
		n += left
	}
	return n
}

func (p *dropProxy) close() {
	p.srv.Close()
	p.tr.CloseIdleConnections()
}
