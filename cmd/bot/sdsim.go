package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/imaginebot/imaginebot/internal/comfysim"
	"github.com/imaginebot/imaginebot/internal/sdsim"
)

const sdsimSynopsis = `bot sdsim [-kind a1111|comfyui] [-addr HOST:PORT] [-flavor seed|a1111|global] [-step DURATION] [-load-delay DURATION] [-username U -password P] [-fault KIND [-fault-path PATH] [-fault-times N]]

Serves a simulated Stable Diffusion WebUI (the A1111 HTTP API plus the seed
document's task_id) that draws real PNGs and live previews without a GPU.
Point sd.url at it to try the bot, or use it in your own tests. With -fault
it misbehaves on purpose, e.g. -fault empty-image -fault-times 1 answers the
next txt2img with "images": [""].

With -kind comfyui it serves a simulated ComfyUI instead (default address
127.0.0.1:8188): POST /prompt validates the graph like ComfyUI, progress and
binary previews go out on /ws?clientId=, images through /history and /view.
Use it as a backend with kind: comfyui. Its faults: down and hang (on
-fault-path, by default every endpoint), and oom, exec-error, no-images,
ws-drop and bad-preview (on the next prompts that run). -flavor does not
apply to it.`

// runSDSim is "bot sdsim": it serves the simulated SD server until ctx ends.
func runSDSim(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("sdsim", sdsimSynopsis, stderr)
	kind := fs.String("kind", "a1111", "API to serve: a1111 (A1111, Forge, SD.Next) or comfyui")
	addr := fs.String("addr", "127.0.0.1:7860", "address to listen on (for -kind comfyui the default is 127.0.0.1:8188)")
	flavor := fs.String("flavor", "seed", "progress API to offer: seed (task_id), a1111 (force_task_id + /internal/progress) or global")
	step := fs.Duration("step", 50*time.Millisecond, "time one sampling step takes")
	loadDelay := fs.Duration("load-delay", 2*time.Second, "time a checkpoint switch takes")
	user := fs.String("username", "", "require HTTP basic auth with this user (like --api-auth)")
	pass := fs.String("password", "", "password for -username")
	faultName := fs.String("fault", "none", "fault to inject: "+faultKinds()+"; with -kind comfyui: "+comfyFaultKinds())
	faultPath := fs.String("fault-path", "/sdapi/v1/txt2img", `endpoint the fault affects ("" for every endpoint)`)
	faultTimes := fs.Int("fault-times", 0, "requests the fault affects, then the server works again (0: every request)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch *kind {
	case "a1111":
	case "comfyui":
		if !set["addr"] {
			*addr = "127.0.0.1:8188"
		}
		if !set["fault-path"] {
			*faultPath = ""
		}
		return runComfySim(ctx, comfySimFlags{
			addr: *addr, step: *step, loadDelay: *loadDelay, user: *user, pass: *pass,
			fault: *faultName, faultPath: *faultPath, faultTimes: *faultTimes,
		}, stdout, stderr)
	default:
		return fmt.Errorf("-kind must be a1111 or comfyui, got %q", *kind)
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

	return serveSim(ctx, srv, ln, sim.Close)
}

// serveSim serves srv on ln until ctx ends, then closes the simulator
// (first, so that hanging handlers return) and the server.
func serveSim(ctx context.Context, srv *http.Server, ln net.Listener, closeSim func()) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		closeSim()
		return fmt.Errorf("sdsim: %w", err)
	case <-ctx.Done():
	}
	closeSim()
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("sdsim: shutdown: %w", err)
	}
	<-errc
	return nil
}

// comfySimFlags are the flags of "bot sdsim -kind comfyui".
type comfySimFlags struct {
	addr            string
	step, loadDelay time.Duration
	user, pass      string
	fault           string
	faultPath       string
	faultTimes      int
}

// runComfySim serves the simulated ComfyUI until ctx ends.
func runComfySim(ctx context.Context, f comfySimFlags, stdout, stderr io.Writer) error {
	fault, err := comfysim.ParseFaultKind(f.fault)
	if err != nil {
		return fmt.Errorf("-fault: %w", err)
	}
	if f.faultTimes < 0 {
		return errors.New("-fault-times must not be negative")
	}
	if f.step <= 0 {
		return errors.New("-step must be positive")
	}
	sim := comfysim.New(comfysim.Options{
		StepDelay: f.step, ModelLoadDelay: f.loadDelay, Username: f.user, Password: f.pass,
		Logger: slog.New(slog.NewTextHandler(stderr, nil)),
	})
	if fault != comfysim.FaultNone {
		sim.SetFault(comfysim.Fault{Kind: fault, Path: f.faultPath, Times: f.faultTimes})
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		sim.Close()
		return fmt.Errorf("sdsim: %w", err)
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "simulated ComfyUI listening on http://%s\n", ln.Addr())
	if fault != comfysim.FaultNone {
		fmt.Fprintf(stdout, "injecting fault %s on %s (%s)\n", fault, cmp.Or(f.faultPath, "every endpoint"), timesText(f.faultTimes))
	}
	return serveSim(ctx, srv, ln, sim.Close)
}

// comfyFaultKinds lists the names -fault accepts with -kind comfyui.
func comfyFaultKinds() string {
	var names []string
	for _, k := range comfysim.FaultKinds() {
		names = append(names, k.String())
	}
	return strings.Join(names, ", ")
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
