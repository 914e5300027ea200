package discord

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// Gateway close codes that mean the configuration is wrong, not the network.
const (
	closeAuthFailed       = 4004
	closeInvalidIntents   = 4013
	closeDisallowedIntent = 4014
)

// newSession returns a discordgo session aimed at the API URL. It does no
// I/O.
func newSession(cfg Config, target apiTarget) (*discordgo.Session, *rewriteTransport, *gatewayDialer) {
	client, tr := newHTTPClient(cfg.HTTPClient, target)
	s := restSession(cfg, client)
	d := newGatewayDialer(cfg.ReadyTimeout)
	s.Dialer = d.websocketDialer()
	s.SyncEvents = true // the handlers below only hand work to the adapter's goroutines
	s.StateEnabled = false
	s.Identify.Intents = discordgo.IntentsNone // interactions need no intents
	// Without intents the gateway carries little but interactions: zlib
	// would only add latency to each one.
	s.Compress = false
	s.LogLevel = discordgo.LogError
	// discordgo's own reconnect loop cannot be stopped (Close does not end
	// it); the adapter reconnects instead, see keepConnected.
	s.ShouldReconnectOnError = false
	return s, tr, d
}

// openError turns an error of discordgo's Open into a start-up message.
func (a *Adapter) openError(err error) error {
	var ce *websocket.CloseError
	switch {
	case errors.As(err, &ce) && ce.Code == closeAuthFailed:
		return errTokenRefused
	case errors.As(err, &ce) && (ce.Code == closeInvalidIntents || ce.Code == closeDisallowedIntent):
		return fmt.Errorf("discord: the gateway refused the intents: %w", err)
	case errors.Is(err, os.ErrDeadlineExceeded), isNetTimeout(err):
		return fmt.Errorf("discord: no READY from the gateway within %s", a.cfg.ReadyTimeout)
	default:
		return fmt.Errorf("discord: open the gateway: %w", sanitize(err))
	}
}

// gatewayDialer dials the gateway websocket for discordgo and bounds the
// wait for READY: discordgo's Open blocks on a read without a deadline
// (holding the session lock, so that Close would block too). Until the
// session reports Connect, every connection it dialed has a read deadline
// of ReadyTimeout after the dial, whatever deadlines the websocket library
// sets or clears.
type gatewayDialer struct {
	readyTimeout time.Duration
	now          func() time.Time

	mu      sync.Mutex // guards pending and closed
	pending map[*readyConn]bool
	closed  bool
}

func newGatewayDialer(readyTimeout time.Duration) *gatewayDialer {
	return &gatewayDialer{readyTimeout: readyTimeout, now: time.Now, pending: map[*readyConn]bool{}}
}

// websocketDialer returns a fresh dialer (never websocket.DefaultDialer,
// which is shared by the whole process) that dials through d.
func (d *gatewayDialer) websocketDialer() *websocket.Dialer {
	return &websocket.Dialer{
		NetDialContext:   d.dial,
		HandshakeTimeout: d.readyTimeout,
		Proxy:            http.ProxyFromEnvironment, // as REST requests do
	}
}

func (d *gatewayDialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	closed := d.closed
	d.mu.Unlock()
	if closed {
		return nil, errTransportClosed
	}
	var nd net.Dialer
	c, err := nd.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	rc := &readyConn{Conn: c, readyBy: d.now().Add(d.readyTimeout)}
	if err := rc.Conn.SetDeadline(rc.readyBy); err != nil {
		c.Close()
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		c.Close()
		return nil, errTransportClosed
	}
	d.pending[rc] = true
	return rc, nil
}

// connected lifts the READY deadline of the connections dialed so far: the
// session has received READY (or RESUMED) on the newest one.
func (d *gatewayDialer) connected() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for rc := range d.pending {
		rc.markReady()
		delete(d.pending, rc)
	}
}

// abort closes the connections still waiting for READY, so that an Open
// blocked on one returns, and refuses later dials.
func (d *gatewayDialer) abort() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed = true
	for rc := range d.pending {
		rc.Close()
		delete(d.pending, rc)
	}
}

// readyConn is a gateway connection whose deadlines never reach past
// readyBy until markReady.
type readyConn struct {
	net.Conn
	readyBy time.Time

	mu    sync.Mutex // guards ready
	ready bool
}

func (c *readyConn) clamp(t time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ready || (!t.IsZero() && t.Before(c.readyBy)) {
		return t
	}
	return c.readyBy
}

func (c *readyConn) SetDeadline(t time.Time) error     { return c.Conn.SetDeadline(c.clamp(t)) }
func (c *readyConn) SetReadDeadline(t time.Time) error { return c.Conn.SetReadDeadline(c.clamp(t)) }

func (c *readyConn) markReady() {
	c.mu.Lock()
	c.ready = true
	c.mu.Unlock()
	_ = c.Conn.SetDeadline(time.Time{})
}
