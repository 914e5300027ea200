package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/imaginebot/imaginebot/internal/tasks"
)

// Run opens the session (with a bounded wait for READY; a refused token
// gives an error that says so), registers the commands and handles
// interactions until ctx ends. It then stops taking new jobs, lets in-flight
// message work (the statuses the service publishes as it shuts down) go on
// for up to ShutdownGrace, abandons the rest, closes the session and returns
// nil. Run may be called once; it returns an error only when start-up fails.
func (a *Adapter) Run(ctx context.Context) error {
	if !a.started.CompareAndSwap(false, true) {
		return errors.New("discord: Run called twice")
	}
	// Message work outlives ctx by up to ShutdownGrace.
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()

	defer a.health.stop()
	conn, err := a.connect(ctx, func(s *discordgo.Session, e *discordgo.Event) { a.onEvent(workCtx, e) })
	if err != nil {
		return err
	}
	a.log.Info("connected to the Discord gateway", "bot", conn.botName, "application", conn.appID, "api", a.target.String())
	loopCtx, stopLoops := context.WithCancel(ctx)
	reconnecting := a.start(func() { a.keepConnected(loopCtx, conn) })
	a.start(func() { a.models.run(loopCtx) })
	conn.stopLoops = func() {
		stopLoops()
		<-reconnecting // so that nothing reopens the gateway once it is closed
	}
	if err := a.registerCommands(ctx, conn.s, conn.appID); err != nil {
		a.shutdown(conn, cancelWork)
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	a.resume(workCtx)

	<-ctx.Done()
	a.log.Info("stopping the Discord adapter")
	a.shutdown(conn, cancelWork)
	return nil
}

// shutdown stops taking jobs, ends the reconnect and model-list loops,
// closes the gateway and stops the group: in-flight work is abandoned
// ShutdownGrace after the start. Then it stops all REST traffic.
func (a *Adapter) shutdown(conn *connection, cancelWork context.CancelFunc) {
	start := time.Now()
	a.stopping.Store(true) // interactions still arriving get a quick "restarting"
	conn.dialer.abort()    // a reconnect waiting for READY gives up at once
	conn.stopLoops()
	_ = conn.s.Close() // discordgo waits a second for the close handshake
	a.group.Stop(a.cfg.ShutdownGrace-time.Since(start), func() {
		a.log.Warn("abandoning in-flight message work", "grace", a.cfg.ShutdownGrace)
		cancelWork()
	})
	conn.transport.close()
	a.files.CloseIdleConnections()
}

// start runs f through the adapter's group and returns a channel closed
// once f has returned (at once if the group refused f).
func (a *Adapter) start(f func()) <-chan struct{} {
	done := make(chan struct{})
	if !a.group.Go(func() { defer close(done); f() }) {
		close(done)
	}
	return done
}

// connection is an open session with what start-up learnt.
type connection struct {
	s         *discordgo.Session
	transport *rewriteTransport
	dialer    *gatewayDialer
	appID     string
	botName   string
	lost      chan struct{} // cap 1: the gateway connection was lost; reconnect
	// stopLoops ends keepConnected and the model list's refreshes and
	// waits for keepConnected; set by Run.
	stopLoops func()
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

	openErr := errTransportClosed // if the group refused to open
	opened := a.start(func() { openErr = s.Open() })
	select {
	case <-opened:
	case <-ctx.Done():
		d.abort()  // unblocks an Open waiting for READY
		tr.close() // or for GET /gateway
		<-opened
		if openErr == nil {
			_ = s.Close()
		}
		return fail(ctx.Err())
	}
	if err = openErr; err != nil {
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

// The waits between gateway reconnect attempts double from the first to
// the last.
const (
	firstReconnectWait = time.Second
	maxReconnectWait   = time.Minute
)

// keepConnected reopens the gateway whenever the connection is lost, with
// a growing wait between failed attempts (discordgo resumes the session when
// it can). It returns when ctx ends; shutdown aborts an attempt that waits
// for READY, so that it returns promptly.
func (a *Adapter) keepConnected(ctx context.Context, c *connection) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.lost:
		}
		wait := firstReconnectWait
		for {
			err := c.s.Open()
			if err == nil || errors.Is(err, discordgo.ErrWSAlreadyOpen) {
				a.log.Info("reconnected to the gateway")
				break
			}
			if ctx.Err() != nil {
				return
			}
			a.log.Warn("gateway reconnect failed", "err", sanitize(err), "retry_in", wait)
			if !tasks.Sleep(ctx, wait) {
				return
			}
			wait = min(wait*2, maxReconnectWait)
		}
	}
}
