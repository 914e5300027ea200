package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/imaginebot/imaginebot/internal/config"
)

// serveAbout says what running the bot does, under the commands in the
// overview.
const serveAbout = `Running the bot opens its store (store.path, by default imaginebot.db next to
the config file), resumes the requests of the last run (fetching again the
pictures img2img requests started from), and starts the fair queue over every
SD backend, plus the Telegram and/or Discord adapter for each token that is
set, and the web playground and admin dashboard when web.listen is set. It
stops cleanly on SIGINT or SIGTERM, keeping the queued requests for the next
start; a second signal stops it at once.`

// newServeFlags returns the flags of running the bot and where -config
// goes. The flag package writes parse errors to stderr; runServe prints the
// help.
func newServeFlags(stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("bot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // the flag package calls it for -h and for errors; runServe handles both
	return fs, fs.String("config", "config.yaml", "config file")
}

// runServe runs the bot until ctx ends.
func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, configPath := newServeFlags(stderr)
	// A newcomer types -h first, so its help is the overview of "bot help",
	// not only the run flags.
	switch err := fs.Parse(args); {
	case errors.Is(err, flag.ErrHelp):
		printOverview(stdout)
		return errHelp
	case err != nil: // the flag package has printed why
		fmt.Fprintln(stderr)
		printOverview(stderr)
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "bot: unexpected argument %q\n\n%s", fs.Arg(0), usage)
		return errUsage
	}
	cfg, err := config.Load(*configPath, getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log, stderr)
	backends, err := newBackends(cfg, log, &http.Client{})
	if err != nil {
		return err
	}
	defer closeBackends(backends)
	st, closeStore, err := openStore(ctx, cfg, log.With("component", "store"))
	if err != nil {
		return err
	}
	defer func() {
		if err := closeStore(); err != nil {
			log.Error("closing the store", "err", err)
		}
	}()
	m := metricsFor(cfg)
	svc := newService(cfg, backends, st, m, log)
	if m != nil {
		m.WatchQueue(svc)
	}
	plats, err := platforms(cfg, svc, m, log)
	if err != nil {
		return err
	}
	if len(plats) == 0 {
		return errors.New("no front end is enabled: set telegram.token and/or discord.token (the example config reads them from TELEGRAM_TOKEN and DISCORD_TOKEN), or web.listen for the web playground")
	}
	// The jobs of the last run come back; those from a user's picture
	// fetch it again from their platform, which must be registered first.
	for _, p := range plats {
		if p.inputs != nil {
			svc.SetInputSource(p.id, p.inputs)
		}
	}
	if err := svc.Restore(ctx); err != nil {
		if ctx.Err() != nil {
			log.Info("stopped while restoring the jobs of the last run; the store keeps them for the next start")
			return nil
		}
		return fmt.Errorf("store %s: %w", cfg.Store.Path, err)
	}
	for _, p := range plats {
		if p.listen != nil {
			if err := p.listen(); err != nil {
				return err
			}
		}
	}
	var ops *opsServer
	if cfg.HTTP.Listen != "" {
		if ops, err = newOpsServer(cfg.HTTP.Listen, healthChecks(backends, plats, svc), m, log.With("component", "http")); err != nil {
			return err
		}
	}
	for _, b := range backends {
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		if err := b.ping(pctx); err != nil {
			log.Warn("SD server not reachable at start; jobs will fail until it is", "backend", b.name, "err", err)
		}
		cancel()
	}

	// The platforms and the service stop together: when ctx ends, or
	// when a platform fails to start or dies.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, len(plats))
	svcDone := make(chan struct{})
	go func() { defer close(svcDone); svc.Run(ctx) }()
	var opsErr error
	if ops != nil {
		wg.Go(func() { opsErr = ops.Run(ctx) })
	}
	for i, p := range plats {
		wg.Go(func() {
			if err := p.run(ctx); err != nil {
				errs[i] = err // the adapters' errors start with their name
				cancel()
			}
		})
	}
	log.Info("imaginebot running", "platforms", len(plats), "backends", len(backends))
	wg.Wait()
	cancel()
	<-svcDone
	log.Info("imaginebot stopped")
	return errors.Join(append(errs, opsErr)...)
}
