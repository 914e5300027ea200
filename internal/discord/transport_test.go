package discord

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
)

func TestParseAPIURL(t *testing.T) {
	tests := []struct {
		in   string
		want string
		err  bool
	}{
		{"https://discord.com", "https://discord.com", false},
		{"https://discord.com/", "https://discord.com", false},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080", false},
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8080", false},
		{"https://proxy.example/discord", "https://proxy.example/discord", false},
		{"https://proxy.example/discord/", "https://proxy.example/discord", false},
		{"https://proxy.example/discord/api/v9", "https://proxy.example/discord", false},
		{"https://proxy.example/api/v10/", "https://proxy.example", false},
		{"https://proxy.example/apis", "https://proxy.example/apis", false},
		{"discord.com", "", true},
		{"ftp://discord.com", "", true},
		{"https://user:pw@proxy", "", true},
		{"https://proxy/?x=1", "", true},
	}
	for _, tt := range tests {
		got, err := parseAPIURL(tt.in)
		if (err != nil) != tt.err || (err == nil && got.String() != tt.want) {
			t.Errorf("parseAPIURL(%q) = %q, %v; want %q (error %v)", tt.in, got.String(), err, tt.want, tt.err)
		}
	}
}

// recorder is a RoundTripper that records the URLs it is asked for.
type recorder struct{ urls []string }

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.urls = append(r.urls, req.Host+" "+req.URL.String())
	return &http.Response{StatusCode: http.StatusNoContent, Body: http.NoBody, Request: req}, nil
}

func TestRewriteTransport(t *testing.T) {
	tests := []struct {
		api, in, want string
	}{
		{"http://127.0.0.1:9/", discordgo.EndpointGateway, "127.0.0.1:9 http://127.0.0.1:9/api/v9/gateway"},
		{"https://proxy.example/dc", discordgo.EndpointUser("@me"), "proxy.example https://proxy.example/dc/api/v9/users/@me"},
		{"https://proxy.example/dc/api/v9/", discordgo.EndpointInteractionResponse("1", "tok") + "?with_response=true",
			"proxy.example https://proxy.example/dc/api/v9/interactions/1/tok/callback?with_response=true"},
		{"https://discord.com", discordgo.EndpointGateway, "discord.com https://discord.com/api/v9/gateway"},
	}
	for _, tt := range tests {
		target, err := parseAPIURL(tt.api)
		if err != nil {
			t.Fatal(err)
		}
		rec := &recorder{}
		client, tr := newHTTPClient(&http.Client{Transport: rec}, target)
		resp, err := client.Get(tt.in)
		if err != nil {
			t.Fatalf("%s via %s: %v", tt.in, tt.api, err)
		}
		resp.Body.Close()
		if len(rec.urls) != 1 || rec.urls[0] != tt.want {
			t.Errorf("%s via %s went to %v, want %q", tt.in, tt.api, rec.urls, tt.want)
		}
		// Other hosts are refused, and everything after close.
		if _, err := client.Get("https://example.com/x"); err == nil || len(rec.urls) != 1 {
			t.Errorf("a request to example.com was not refused")
		}
		tr.close()
		if _, err := client.Get(tt.in); !errors.Is(err, errTransportClosed) {
			t.Errorf("after close: %v, want errTransportClosed", err)
		}
	}
}

func TestSanitizeHidesTokens(t *testing.T) {
	const token = "aW50ZXJhY3Rpb246secret"
	u := discordgo.EndpointWebhookMessage("123", token, "@original")
	tests := []error{
		&url.Error{Op: "Patch", URL: u, Err: errors.New("connection refused")},
		&discordgo.RateLimitError{RateLimit: &discordgo.RateLimit{TooManyRequests: &discordgo.TooManyRequests{}, URL: u}},
		&url.Error{Op: "Post", URL: discordgo.EndpointInteractionResponse("9", token), Err: errors.New("timeout")},
	}
	for _, err := range tests {
		got := (&requestError{Route: routeEditWebhook, Err: sanitize(err)}).Error()
		if strings.Contains(got, token) {
			t.Errorf("sanitized %q still shows the token", got)
		}
		if strings.Contains(err.Error(), token) == false {
			t.Errorf("test error %q does not contain the token: the test proves nothing", err)
		}
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		err  error
		want errorKind
	}{
		{&apiError{Status: 401, Code: codeInvalidWebhookToken}, errTokenInvalid},
		{&apiError{Status: 404, Code: codeUnknownWebhook}, errTokenInvalid},
		{&apiError{Status: 404, Code: codeUnknownMessage}, errGone},
		{&apiError{Status: 403, Code: codeMissingAccess}, errForbidden},
		{&apiError{Status: 403, Code: codeMissingPermissions}, errForbidden},
		{&apiError{Status: 429}, errRateLimited},
		{&apiError{Status: 400, Code: codeOldMessageEdits}, errRateLimited},
		{&apiError{Status: 502}, errTransient},
		{&apiError{Status: 400, Code: 50035}, errOther},
		{&requestError{Route: "x", Err: errors.New("connection reset")}, errTransient},
		{&requestError{Route: "x", Err: errTransportClosed}, errStopped},
	}
	for _, tt := range tests {
		if got := classify(tt.err); got != tt.want {
			t.Errorf("classify(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

func TestSlotPool(t *testing.T) {
	p := slotPool{prefix: "k/"}
	a, b := p.get(), p.get()
	if a == b {
		t.Fatalf("two holders got the same key %s", a)
	}
	p.put(a)
	p.put(b)
	c := p.get()
	if c != a {
		t.Errorf("got %s, want the oldest released key %s", c, a)
	}
	for range 100 {
		p.put(p.get())
	}
	if p.size() != 2 {
		t.Errorf("pool grew to %d keys with at most 2 holders", p.size())
	}
}

// TestDefaultTransportSpeaksHTTP2 checks that the bot's own transport
// negotiates HTTP/2 with a TLS server, as with discord.com: a burst of
// interaction callbacks then shares a connection instead of each waiting for
// a new one.
func TestDefaultTransportSpeaksHTTP2(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"url":"wss://gateway.discord.gg"}`)
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	target, err := parseAPIURL(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	tr := defaultTransport()
	tr.TLSClientConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig // trusts the test certificate
	client, rt := newHTTPClient(&http.Client{Transport: tr}, target)
	defer rt.close()
	defer tr.CloseIdleConnections()
	resp, err := client.Get(discordgo.EndpointGateway)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.ProtoMajor != 2 {
		t.Errorf("got %s %s, want 200 over HTTP/2", resp.Proto, resp.Status)
	}
}
