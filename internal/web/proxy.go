package web

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Behind a reverse proxy every request comes from the proxy's address,
// and a proxy may rewrite the Host header (nginx's default sends the
// upstream's name). From the addresses in Config.TrustedProxies only, the
// client is the rightmost address of X-Forwarded-For that is not itself a
// trusted proxy, and the host the browser asked for is X-Forwarded-Host.
// From anyone else these headers are ignored: anybody can send them.

// parseProxies reads Config.TrustedProxies: addresses (10.0.0.1, ::1) or
// CIDR ranges (10.0.0.0/8).
func parseProxies(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		s = strings.TrimSpace(s)
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("web: web.trusted_proxies: %q is neither an address nor a CIDR range, e.g. 127.0.0.1 or 10.0.0.0/8", s)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// proxies is the trusted proxies.
type proxies []netip.Prefix

func (p proxies) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, pr := range p {
		if pr.Contains(a) {
			return true
		}
	}
	return false
}

// client is who a request came from, as resolve found it.
type client struct {
	ip   string // the client's address
	host string // the host the browser asked for
}

type clientKey struct{}

// resolve finds the client of r: its peer, or behind a trusted proxy the
// address and host the proxy passed on.
func (p proxies) resolve(r *http.Request) client {
	c := client{ip: r.RemoteAddr, host: r.Host}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		c.ip = host
	}
	peer, err := netip.ParseAddr(c.ip)
	if err != nil || !p.trusted(peer) {
		return c
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // garbage: trust nothing further left
		}
		c.ip = a.Unmap().String()
		if !p.trusted(a) {
			break
		}
	}
	if hosts := r.Header.Values("X-Forwarded-Host"); len(hosts) > 0 {
		list := strings.Split(hosts[len(hosts)-1], ",")
		if h := strings.TrimSpace(list[len(list)-1]); h != "" {
			c.host = h
		}
	}
	return c
}

// withClient resolves every request's client once, for clientIP and
// requestHost.
func (p proxies) withClient(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientKey{}, p.resolve(r))))
	})
}

// clientOf is the request's client (resolved without trusted proxies if
// withClient did not run).
func clientOf(r *http.Request) client {
	if c, ok := r.Context().Value(clientKey{}).(client); ok {
		return c
	}
	return proxies(nil).resolve(r)
}

// clientIP is the address a request came from: its peer, or the client a
// trusted proxy names in X-Forwarded-For.
func clientIP(r *http.Request) string { return clientOf(r).ip }

// requestHost is the host the browser asked for: the Host header, or a
// trusted proxy's X-Forwarded-Host.
func requestHost(r *http.Request) string { return clientOf(r).host }
