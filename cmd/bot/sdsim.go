package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/imaginebot/imaginebot/internal/sd/sdtest"
)

const sdsimSynopsis = `bot sdsim [-addr HOST:PORT] [-flavor seed|a1111|global] [-step DURATION] [-load-delay DURATION] [-username U -password P]

Serves a simulated Stable Diffusion WebUI (the A1111 HTTP API plus the seed
document's task_id) that draws real PNGs and live previews without a GPU.
Point sd.url at it to try the bot, or use it in your own tests.`

// runSDSim is "bot sdsim": it serves the simulated SD server until ctx ends.
func runSDSim(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("sdsim", sdsimSynopsis, stderr)
	addr := fs.String("addr", "127.0.0.1:7860", "address to listen on")
	flavor := fs.String("flavor", "seed", "progress API to offer: seed (task_id), a1111 (force_task_id + /internal/progress) or global")
	step := fs.Duration("step", 50*time.Millisecond, "time one sampling step takes")
	loadDelay := fs.Duration("load-delay", 2*time.Second, "time a checkpoint switch takes")
	user := fs.String("username", "", "require HTTP basic auth with this user (like --api-auth)")
	pass := fs.String("password", "", "password for -username")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	fl, err := sdtest.ParseFlavor(*flavor)
	if err != nil {
		return fmt.Errorf("-flavor: %w", err)
	}
	if *step <= 0 {
		return errors.New("-step must be positive")
	}
	sim := sdtest.New(sdtest.Options{
		Flavor: fl, StepDelay: *step, ModelLoadDelay: *loadDelay,
		Username: *user, Password: *pass,
		Logger: slog.New(slog.NewTextHandler(stderr, nil)),
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("sdsim: %w", err)
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "simulated SD WebUI (%s flavour) listening on http://%s\n", fl, ln.Addr())

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		sim.Close()
		return fmt.Errorf("sdsim: %w", err)
	case <-ctx.Done():
	}
	// Close the simulator first so that hanging handlers return, then
	// the server.
	sim.Close()
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("sdsim: shutdown: %w", err)
	}
	<-errc
	return nil
}
