package discordtest_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
)

func TestRateLimitHeadersAnd429(t *testing.T) {
	t.Parallel()
	const window = 500 * time.Millisecond
	srv, guild, ch := newFake(t, discordtest.Options{RateLimits: discordtest.RateLimits{
		ChannelMessages: discordtest.RateLimit{Limit: 1, Window: window}}})
	other, _ := srv.AddChannel(discordtest.Channel{GuildID: guild.ID})
	path := "/api/v9/channels/" + ch.ID + "/messages"
	b := openBot(t, srv)

	r := call(t, srv, "POST", path, map[string]any{"content": "one"}, "")
	h := r.header
	if r.status != http.StatusOK || h.Get("X-RateLimit-Limit") != "1" || h.Get("X-RateLimit-Remaining") != "0" ||
		h.Get("X-RateLimit-Bucket") == "" || h.Get("Date") == "" {
		t.Fatalf("first request: %d %v", r.status, h)
	}
	resetAfter, err := strconv.ParseFloat(h.Get("X-RateLimit-Reset-After"), 64)
	if err != nil || resetAfter <= 0 || resetAfter > window.Seconds() {
		t.Errorf("X-RateLimit-Reset-After = %q, want in (0, %v]", h.Get("X-RateLimit-Reset-After"), window.Seconds())
	}
	if reset, err := strconv.ParseFloat(h.Get("X-RateLimit-Reset"), 64); err != nil || reset < float64(time.Now().Unix()) {
		t.Errorf("X-RateLimit-Reset = %q, want a future epoch", h.Get("X-RateLimit-Reset"))
	}

	r = call(t, srv, "POST", path, map[string]any{"content": "two"}, "")
	var body struct {
		Message    string  `json:"message"`
		RetryAfter float64 `json:"retry_after"`
		Global     *bool   `json:"global"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil || r.status != http.StatusTooManyRequests ||
		body.RetryAfter <= 0 || body.Global == nil || *body.Global || r.header.Get("Retry-After") != "1" ||
		r.header.Get("X-RateLimit-Scope") != "user" {
		t.Fatalf("second request: %d %s %v", r.status, r.body, r.header)
	}
	// Buckets are per channel: another channel is not limited.
	if r := call(t, srv, "POST", "/api/v9/channels/"+other.ID+"/messages", map[string]any{"content": "x"}, ""); r.status != http.StatusOK {
		t.Errorf("other channel: %d, want 200", r.status)
	}

	// discordgo gets a 429 (its limiter has not seen this bucket), sleeps retry_after and
	// succeeds on the retry.
	before := srv.Count429()
	start := time.Now()
	if _, err := b.s.ChannelMessageSend(ch.ID, "three"); err != nil {
		t.Fatalf("discordgo send: %v", err)
	}
	if got := srv.Count429(); got != before+1 {
		t.Errorf("Count429 went from %d to %d, want one more", before, got)
	}
	calls := srv.CallsTo(discordtest.RouteCreateMessage)
	if last, prev := calls[len(calls)-1], calls[len(calls)-2]; prev.Status != http.StatusTooManyRequests ||
		last.Status != http.StatusOK || last.At.Sub(prev.At) < 100*time.Millisecond {
		t.Errorf("discordgo's calls: %d then %d after %v, want a 429 then a 200 after retry_after",
			prev.Status, last.Status, last.At.Sub(prev.At))
	}
	if elapsed := time.Since(start); elapsed > window+time.Second {
		t.Errorf("send took %v", elapsed)
	}
	// Then discordgo honours Remaining 0 and Reset-After: the next send waits for the window
	// instead of earning another 429.
	before = srv.Count429()
	if _, err := b.s.ChannelMessageSend(ch.ID, "four"); err != nil {
		t.Fatalf("discordgo send: %v", err)
	}
	if got := srv.Count429(); got != before {
		t.Errorf("Count429 went from %d to %d: discordgo did not honour the headers", before, got)
	}
}

func TestGlobalRateLimitAndFaults(t *testing.T) {
	t.Parallel()
	srv, _, _ := newFake(t, discordtest.Options{RateLimits: discordtest.RateLimits{Global: discordtest.RateLimit{Limit: 2, Window: time.Minute}}})
	for range 2 {
		if r := call(t, srv, "GET", "/api/v9/users/@me", nil, ""); r.status != http.StatusOK {
			t.Fatalf("GET /users/@me: %d", r.status)
		}
	}
	r := call(t, srv, "GET", "/api/v9/users/@me", nil, "")
	if r.status != http.StatusTooManyRequests || r.header.Get("X-RateLimit-Global") != "true" || r.header.Get("X-RateLimit-Scope") != "global" {
		t.Errorf("third request: %d %v, want a global 429", r.status, r.header)
	}
	// Interaction endpoints are not bound to the global limit; /gateway needs no token either.
	if r := call(t, srv, "GET", "/api/v9/gateway", nil, ""); r.status != http.StatusOK {
		t.Errorf("GET /gateway: %d", r.status)
	}

	srv.FailNext(discordtest.RouteGetGateway, 2, http.StatusBadGateway)
	for i, want := range []int{http.StatusBadGateway, http.StatusBadGateway, http.StatusOK} {
		if r := call(t, srv, "GET", "/api/v9/gateway", nil, ""); r.status != want {
			t.Errorf("call %d: %d, want %d", i, r.status, want)
		}
	}
}
