package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/imaginebot/imaginebot/internal/sdsim"
)

const sdsimSynopsis = `bot sdsim [-addr HOST:PORT] [-flavor seed|a1111|global] [-step DURATION] [-load-delay DURATION] [-username U -password P] [-fault KIND [-fault-path PATH] [-fault-times N]]

Serves a simulated Stable Diffusion WebUI (the A1111 HTTP API plus the seed
document's task_id) that draws real PNGs and live previews without a GPU.
Point sd.url at it to try the bot, or use it in your own tests. With -fault
it misbehaves on purpose, e.g. -fault empty-image -fault-times 1 answers the
next txt2img with "images": [""].`

// runSDSim is "bot sdsim": it serves the simulated SD server until ctx ends.
func runSDSim(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("sdsim", sdsimSynopsis, stderr)
	addr := fs.String("addr", "127.0.0.1:7860", "address to listen on")
	flavor := fs.String("flavor", "seed", "progress API to offer: seed (task_id), a1111 (force_task_id + /internal/progress) or global")
	step := fs.Duration("step", 50*time.Millisecond, "time one sampling step takes")
	loadDelay := fs.Duration("load-delay", 2*time.Second, "time a checkpoint switch takes")
	user := fs.String("username", "", "require HTTP basic auth with this user (like --api-auth)")
	pass := fs.String("password", "", "password for -username")
	faultName := fs.String("fault", "none", "fault to inject: "+faultKinds())
	faultPath := fs.String("fault-path", "/sdapi/v1/txt2img", `endpoint the fault affects ("" for every endpoint)`)
	faultTimes := fs.Int("fault-times", 0, "requests the fault affects, then the server works again (0: every request)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	fault, err := sdsim.ParseFaultKind(*faultName)
	if err != nil {
		return fmt.Errorf("-fault: %w", err)
	}
	if *faultTimes < 0 {
		return errors.New("-fault-times must not be negative")
	}
	fl, err := sdsim.ParseFlavor(*flavor)
	if err != nil {
		return fmt.Errorf("-flavor: %w", err)
	}
	if *step <= 0 {
		return errors.New("-step must be positive")
	}
	sim := sdsim.New(sdsim.Options{
		Flavor: fl, StepDelay: *step, ModelLoadDelay: *loadDelay,
		Username: *user, Password: *pass,
		Logger: slog.New(slog.NewTextHandler(stderr, nil)),
	})
	if fault != sdsim.FaultNone {
		sim.SetFault(sdsim.Fault{Kind: fault, Path: *faultPath, Times: *faultTimes})
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("sdsim: %w", err)
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "simulated SD WebUI (%s flavour) listening on http://%s\n", fl, ln.Addr())
	if fault != sdsim.FaultNone {
		fmt.Fprintf(stdout, "injecting fault %s on %s (%s)\n", fault, cmp.Or(*faultPath, "every endpoint"), timesText(*faultTimes))
	}

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

// faultKinds lists the names -fault accepts.
func faultKinds() string {
	var names []string
	for _, k := range sdsim.FaultKinds() {
		names = append(names, k.String())
	}
	return strings.Join(names, ", ")
}

func timesText(n int) string {
	switch n {
	case 0:
		return "every request"
	case 1:
		return "the next request"
	}
	return fmt.Sprintf("the next %d requests", n)
}
