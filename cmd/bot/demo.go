package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/imaginebot/imaginebot/internal/config"
	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/sdsim"
	"github.com/imaginebot/imaginebot/internal/web"
)

const demoSynopsis = `bot demo [-addr HOST:PORT]

Starts everything in one process, with no config file and no tokens: the
built-in simulated SD server, the core (fair queue, in-memory store) and the
web playground, open to anyone who can reach -addr. Open the printed URL,
type a prompt and watch the image sharpen. Ctrl-C stops it. Set
WEB_ADMIN_PASSWORD (12+ characters) to try the admin sign-in too.`

// Demo timing: slow enough to watch a preview sharpen, quick enough not
// to bore (30 steps in about 2.5s).
const (
	demoStepDelay    = 80 * time.Millisecond
	demoPollInterval = 150 * time.Millisecond
)

// demoPerUser is the demo's queue.per_user: the tabs of one browser are one
// user, and someone trying the demo in several tabs should not be refused
// after three (two browsers still take turns in the fair queue).
const demoPerUser = 8

// demoPerAddress bounds the demo's jobs and new browser sessions from one
// address (web.per_address and the new-session limit of a real playground).
const demoPerAddress = 1000

// runDemo is "bot demo".
func runDemo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("demo", demoSynopsis, stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "address to serve the playground on")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv := sdsim.NewServer(sdsim.Options{StepDelay: demoStepDelay})
	defer srv.Close()

	cfg := config.Default()
	cfg.SD.URL, cfg.SD.PollInterval = srv.URL, demoPollInterval
	cfg.Store.Path = config.MemoryPath
	cfg.ShutdownTimeout = time.Second
	cfg.Queue.PerUser = demoPerUser
	cfg.Web = config.Web{Listen: *addr, Playground: config.PlaygroundOpen, AdminPassword: getenv("WEB_ADMIN_PASSWORD"), AdminSession: cfg.Web.AdminSession}
	if err := cfg.Validate(); err != nil {
		return err
	}
	backends, err := newBackends(&cfg, log, &http.Client{})
	if err != nil {
		return err
	}
	defer closeBackends(backends)
	svc := newService(&cfg, backends, imagine.NewMemoryStore(), nil, log)
	wc := webConfig(&cfg, log)
	// Every tab and browser of the person trying the demo comes from one
	// address: the per-address bounds of a public playground would refuse
	// them after a few.
	wc.MaxJobsPerAddress, wc.NewSessionsPerAddress = demoPerAddress, demoPerAddress
	a, err := web.New(wc, svc)
	if err != nil {
		return err
	}
	if _, err := a.Listen(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imaginebot demo: open %s in your browser (Ctrl-C stops it)\n", a.URL())

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() { svc.Run(ctx) })
	err = a.Run(ctx)
	cancel()
	wg.Wait()
	return err
}
