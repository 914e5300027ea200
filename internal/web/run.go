package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// janitorEvery is how often expired sign-ins and old failed logins are
// forgotten.
const janitorEvery = time.Minute

// Run listens (unless Listen did), takes back the web jobs of the last
// run, and serves until ctx ends. It then ends the live-update streams,
// lets requests finish for up to Config.ShutdownGrace, stops every
// editor and returns nil. A listener that fails is an error; Run may be
// called only once.
func (a *Adapter) Run(ctx context.Context) error {
	if !a.running.CompareAndSwap(false, true) {
		return errors.New("web: Run called twice")
	}
	defer a.stopWork()
	if _, err := a.Listen(); err != nil {
		a.health.set(func(h *health) { h.err = err })
		return err
	}
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second, // streams set their own deadline per write
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelDebug),
	}
	a.resume()
	errc := make(chan error, 1)
	a.tasks.Go(func() { errc <- srv.Serve(a.ln) })
	a.tasks.Go(func() { a.janitor(ctx) })
	if a.admin != nil {
		a.tasks.Go(func() { a.dash.run(ctx) })
	}
	a.health.set(func(h *health) { h.serving = true })
	a.log.Info("serving the playground", "url", a.URL())

	var err error
	select {
	case err = <-errc:
		err = fmt.Errorf("web: serving stopped: %w", err)
		a.health.set(func(h *health) { h.err = err })
	case <-ctx.Done():
	}
	a.quitOnce.Do(func() { close(a.quit) })
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.cfg.ShutdownGrace)
	defer cancel()
	if serr := srv.Shutdown(sctx); serr != nil {
		a.log.Warn("requests still running at shutdown; closing them", "err", serr)
		_ = srv.Close()
	}
	a.stopWork()
	a.tasks.Stop(a.cfg.ShutdownGrace, nil)
	a.health.set(func(h *health) { h.stopped = true })
	a.log.Info("stopped")
	return err
}

// janitor forgets expired sign-ins and old failed logins until ctx ends.
func (a *Adapter) janitor(ctx context.Context) {
	t := time.NewTicker(janitorEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			a.access.prune()
		}
	}
}
