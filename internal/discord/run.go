package discord

import (
	"context"
	"errors"
	"time"

	"github.com/bwmarrin/discordgo"
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
	reconnectCtx, stopReconnect := context.WithCancel(ctx)
	reconnectDone := make(chan struct{})
	go func() {
		defer close(reconnectDone)
		a.keepConnected(reconnectCtx, conn)
	}()
	conn.stopReconnect = func() {
		stopReconnect()
		<-reconnectDone
	}
	modelCtx, stopModels := context.WithCancel(ctx)
	modelsDone := make(chan struct{})
	go func() {
		defer close(modelsDone)
		a.models.run(modelCtx)
	}()
	defer func() {
		stopModels()
		<-modelsDone
	}()
	if err := a.registerCommands(ctx, conn.s, conn.appID); err != nil {
		a.shutdown(conn, cancelWork)
		if ctx.Err() != nil {
			return nil
		}
		return err
	}

	<-ctx.Done()
	a.log.Info("stopping the Discord adapter")
	a.shutdown(conn, cancelWork)
	return nil
}

// shutdown stops taking jobs, closes the gateway and waits for in-flight
// work, abandoning it ShutdownGrace after the start; then it stops all REST
// traffic.
func (a *Adapter) shutdown(conn *connection, cancelWork context.CancelFunc) {
	deadline := time.Now().Add(a.cfg.ShutdownGrace)
	a.stopping.Store(true) // interactions still arriving get a quick "restarting"
	conn.dialer.abort()    // a reconnect waiting for READY gives up at once
	if conn.stopReconnect != nil {
		conn.stopReconnect()
	}
	_ = conn.s.Close() // discordgo waits a second for the close handshake
	a.tasks.close()
	if !a.tasks.waitFor(time.Until(deadline)) {
		a.log.Warn("abandoning in-flight message work", "grace", a.cfg.ShutdownGrace)
		cancelWork()
		a.tasks.wait()
	}
	conn.transport.close()
}
