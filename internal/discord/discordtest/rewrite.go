package discordtest

import (
	"fmt"
	"net/http"
	"net/url"
)

// RewriteTransport is an http.RoundTripper that sends requests for discord.com to Target,
// keeping the path (/api/v9/...) and query, and refuses requests for any other host so that a
// test can never reach the internet. It is safe for concurrent use.
type RewriteTransport struct {
	// Target is the fake's base URL (Server.URL parsed).
	Target *url.URL
	// Base performs the rewritten request. Default http.DefaultTransport.
	Base http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t *RewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	switch req.URL.Host {
	case "discord.com", "discordapp.com", t.Target.Host:
	default:
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, fmt.Errorf("discordtest: refusing request to %s: only discord.com is served", req.URL.Host)
	}
	out := req.Clone(req.Context())
	out.URL.Scheme = t.Target.Scheme
	out.URL.Host = t.Target.Host
	out.Host = t.Target.Host
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(out)
}
