package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sync/atomic"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// Gateway close codes that mean the configuration is wrong, not the network.
const (
	closeAuthFailed       = 4004
	closeInvalidIntents   = 4013
	closeDisallowedIntent = 4014
)

// connection is an open session with what start-up learnt.
type connection struct {
	s         *discordgo.Session
	transport *rewriteTransport
	dialer    *gatewayDialer
	appID     string
	botName   string
	lost      chan struct{} // cap 1: the gateway connection was lost; reconnect
	// stopReconnect ends keepConnected and waits for it; set by Run.
	stopReconnect func()
}

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

// restSession returns a session for REST calls through client.
func restSession(cfg Config, client *http.Client) *discordgo.Session {
	s, _ := discordgo.New(botToken(cfg.Token)) // only fails for email logins
	s.Client = client
	s.ShouldRetryOnRateLimit = false // 429s are the adapter's to honour, never retried blindly
	s.MaxRestRetries = 1
	return s
}

// errTokenRefused is the start-up error for a bad token.
var errTokenRefused = errors.New("discord: the bot token was refused; check discord.token (Bot token from the Developer Portal)")

// whoAmI checks the token with GET /users/@me and returns the bot's name.
func whoAmI(ctx context.Context, s *discordgo.Session, target apiTarget) (string, error) {
	u, err := s.User("@me", discordgo.WithContext(ctx), discordgo.WithRetryOnRatelimit(false))
	err = sanitize(err)
	var ae *apiError
	switch {
	case err == nil:
		return u.Username, nil
	case errors.As(err, &ae) && ae.Status == http.StatusUnauthorized:
		return "", fmt.Errorf("%w (%v)", errTokenRefused, err)
	case errors.As(err, &ae):
		return "", fmt.Errorf("discord: %s answered GET /users/@me with %w", target, err)
	default:
		return "", fmt.Errorf("discord: cannot reach %s: %w", target, err)
	}
}

// Check verifies the token and that the API URL is reachable, for `bot
// check`, and returns the bot's user name. It does not open the gateway.
func Check(ctx context.Context, cfg Config) (string, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return "", err
	}
	target, _ := parseAPIURL(cfg.APIURL)
	s, tr, _ := newSession(cfg, target)
	defer tr.close()
	return whoAmI(ctx, s, target)
}

// connect checks the token, opens the gateway with a bounded wait for
// READY and returns the connection. handlers are added before the gateway
// opens.
func (a *Adapter) connect(ctx context.Context, handlers ...any) (*connection, error) {
	s, tr, d := newSession(a.cfg, a.target)
	c := &connection{s: s, transport: tr, dialer: d, lost: make(chan struct{}, 1)}
	a.rest = newREST(s, restSession(a.cfg, s.Client)) // before any handler can run
	fail := func(err error) (*connection, error) {
		d.abort()
		tr.close()
		return nil, err
	}
	name, err := whoAmI(ctx, s, a.target)
	var ae *apiError
	switch {
	case errors.Is(err, errTokenRefused), err != nil && !errors.As(err, &ae):
		return fail(err) // a refused token, or nothing answers
	case err != nil:
		// A proxy or test server without this endpoint: the gateway will
		// tell whether the token is good.
		a.log.Warn("could not check the token before connecting", "err", err)
	}
	c.botName = name
	var ready atomic.Pointer[discordgo.Ready] // also set on reconnects
	s.AddHandler(func(_ *discordgo.Session, r *discordgo.Ready) { ready.Store(r) })
	s.AddHandler(func(*discordgo.Session, *discordgo.Connect) {
		d.connected()
		a.health.set(true)
	})
	s.AddHandler(func(*discordgo.Session, *discordgo.Disconnect) {
		a.health.set(false)
		if !a.stopping.Load() {
			a.log.Info("disconnected from the gateway; reconnecting")
			select {
			case c.lost <- struct{}{}:
			default:
			}
		}
	})
	for _, h := range handlers {
		s.AddHandler(h)
	}

	errc := make(chan error, 1)
	go func() { errc <- s.Open() }()
	select {
	case err = <-errc:
	case <-ctx.Done():
		d.abort()  // unblocks an Open waiting for READY
		tr.close() // or for GET /gateway
		if err := <-errc; err == nil {
			_ = s.Close()
		}
		return fail(ctx.Err())
	}
	if err != nil {
		return fail(a.openError(err))
	}
	r := ready.Load()
	if r != nil && r.Application != nil {
		c.appID = r.Application.ID
	}
	if r != nil && r.User != nil && c.botName == "" {
		c.botName = r.User.Username
	}
	if c.appID == "" {
		app, err := s.Application("@me")
		switch {
		case err == nil:
			c.appID = app.ID
		case r != nil && r.User != nil:
			c.appID = r.User.ID // the bot user's id is the application's for every app made since 2019
		default:
			_ = s.Close()
			return fail(fmt.Errorf("discord: get the application: %w", sanitize(err)))
		}
	}
	return c, nil
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
