package web

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// clientFrom is an HTTP client whose connections come from the loopback
// address src (127.0.0.2 reaches a server on 127.0.0.1 on Linux), so a
// test can be two clients on two addresses.
func clientFrom(t testing.TB, src string) *http.Client {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 10 * time.Second}
	tr := &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 64}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// openStream opens GET /events with a session cookie of its own (made up,
// as an attacker would) and returns the response; the body stays open
// unread until the test ends.
func openStream(t *testing.T, c *http.Client, url string) *http.Response {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/events", nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: newSecret()})
	resp, err := c.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("GET /events: %v", err)
	}
	t.Cleanup(func() { cancel(); resp.Body.Close() })
	return resp
}

// TestStreamsPerAddress: one client inventing cookies gets at most
// MaxStreamsPerAddress streams; the next is refused (429, with the
// sentence) while a browser at another address still gets its stream.
func TestStreamsPerAddress(t *testing.T) {
	h := newHarness(t, options{})
	one, other := clientFrom(t, "127.0.0.1"), clientFrom(t, "127.0.0.2")
	for i := range 32 {
		if r := openStream(t, one, h.url); r.StatusCode != http.StatusOK {
			t.Fatalf("stream %d from one address: %d", i+1, r.StatusCode)
		}
	}
	if r := openStream(t, one, h.url); r.StatusCode != http.StatusTooManyRequests {
		t.Errorf("stream 33 from one address: %d; want 429", r.StatusCode)
	} else if body, _ := io.ReadAll(r.Body); !strings.Contains(string(body), "Too many open pages") {
		t.Errorf("stream 33 from one address: %s; want the sentence", body)
	}
	if r := openStream(t, other, h.url); r.StatusCode != http.StatusOK {
		t.Errorf("a stream from another address: %d; want 200", r.StatusCode)
	}
}
