package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/imaginebot/imaginebot/internal/comfyui"
	"github.com/imaginebot/imaginebot/internal/config"
	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/sd"
	"github.com/imaginebot/imaginebot/internal/store"
)

const checkSynopsis = `bot check -config FILE

Validates the configuration (a ComfyUI backend's workflow included: it
names a node the bot needs and cannot find), then reaches every SD server
(models, current model, upscaler and LoRAs the config names), opens the
store file and reaches every enabled chat platform.
Prints what it checked; exits non-zero naming the first kind of problem.`

// runCheck is "bot check".
func runCheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("check", checkSynopsis, stderr)
	configPath := fs.String("config", "config.yaml", "config file")
	timeout := fs.Duration("timeout", 15*time.Second, "how long each server may take to answer")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := config.Load(*configPath, getenv)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "ok    config %s\n", *configPath)

	var problems []string
	fail := func(what string, err error) {
		// Adapters' errors already start with their name.
		fmt.Fprintf(stdout, "FAIL  %s: %s\n", what, strings.TrimPrefix(err.Error(), what+": "))
		problems = append(problems, what)
	}
	log := slog.New(slog.DiscardHandler)
	backends, err := newBackends(cfg, log, &http.Client{})
	if err != nil {
		return err
	}
	for _, b := range backends {
		if err := checkBackend(ctx, cfg, b, *timeout, stdout); err != nil {
			fail("sd "+describeBackend(b), err)
		}
	}
	if err := checkStore(ctx, cfg, stdout); err != nil {
		fail("store", err)
	}
	for _, p := range platformChecks(cfg) {
		pctx, cancel := context.WithTimeout(ctx, *timeout)
		who, err := p.check(pctx)
		cancel()
		if err != nil {
			fail(p.name, err)
			continue
		}
		fmt.Fprintf(stdout, "ok    %s: connected as %s\n", p.name, who)
	}
	if cfg.Web.Enabled() {
		if err := checkListen(cfg.Web.Listen); err != nil {
			fail("web", err)
		} else {
			fmt.Fprintf(stdout, "ok    web: can listen on %s (playground: %s)\n", cfg.Web.Listen, cfg.Web.Playground)
		}
	}
	if !cfg.Discord.Enabled() && !cfg.Telegram.Enabled() && !cfg.Web.Enabled() {
		fmt.Fprintln(stdout, "note  no front end is enabled: set telegram.token or discord.token (e.g. through TELEGRAM_TOKEN, DISCORD_TOKEN), or web.listen, to run the bot")
	}
	if len(problems) > 0 {
		return fmt.Errorf("check failed: %s", strings.Join(problems, ", "))
	}
	return nil
}

// checkStore opens the store file (creating it, as the bot would) and
// closes it again. A file a running bot holds is fine.
func checkStore(ctx context.Context, cfg *config.Config, stdout io.Writer) error {
	path := cfg.Store.Path
	if path == config.MemoryPath {
		fmt.Fprintln(stdout, "ok    store in memory: queued requests and older buttons do not survive a restart")
		return nil
	}
	_, statErr := os.Stat(path)
	db, err := store.Open(ctx, path, store.Options{})
	switch {
	case errors.Is(err, store.ErrInUse):
		fmt.Fprintf(stdout, "ok    store %s: in use by a running bot\n", path)
		return nil
	case err != nil:
		return err
	}
	if err := db.Close(); err != nil {
		return err
	}
	if statErr != nil {
		fmt.Fprintf(stdout, "ok    store %s: created\n", path)
	} else {
		fmt.Fprintf(stdout, "ok    store %s\n", path)
	}
	return nil
}

// checkBackend reaches one SD server and checks what the config relies on.
func checkBackend(ctx context.Context, cfg *config.Config, b backend, timeout time.Duration, stdout io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if b.comfy != nil {
		return checkComfyUI(ctx, cfg, b, stdout)
	}
	models, err := b.client.Models(ctx)
	if err != nil {
		return err
	}
	if len(models) == 0 {
		return errors.New("the server lists no checkpoints: put a model into models/Stable-diffusion")
	}
	current, err := b.client.CurrentModel(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "ok    sd %s: %d models, current %s\n", describeBackend(b), len(models), current)
	if ups, err := b.client.Upscalers(ctx); err == nil {
		listed := func(name string) bool {
			return slices.ContainsFunc(ups, func(u sd.Upscaler) bool { return strings.EqualFold(u.Name, name) })
		}
		if up := cfg.Defaults.HRUpscaler; up != "" && !listed(up) && !strings.HasPrefix(up, "Latent") {
			fmt.Fprintf(stdout, "warn  sd %s: defaults.hr_upscaler %q is not among the server's upscalers; --hr jobs will fail\n", b.name, up)
		}
		// extra-single-image takes no latent mode.
		if up := cfg.Defaults.Upscaler; up != "" && (!listed(up) || strings.HasPrefix(up, "Latent")) {
			fmt.Fprintf(stdout, "warn  sd %s: defaults.upscaler %q is not among the server's upscalers (GET /sdapi/v1/upscalers, not a Latent mode); the Upscale button will fail\n", b.name, up)
		}
	} else {
		fmt.Fprintf(stdout, "warn  sd %s: cannot list the upscalers to check defaults.upscaler: %v\n", b.name, err)
	}
	loras, err := b.client.Loras(ctx)
	if err != nil {
		return nil // the Lora extension may be off; not fatal
	}
	for _, st := range cfg.Styles {
		name, _, _ := strings.Cut(st.Lora, ":")
		if name != "" && !slices.ContainsFunc(loras, func(l sd.Lora) bool { return l.Name == name || l.Alias == name }) {
			fmt.Fprintf(stdout, "warn  sd %s: style %q uses LoRA %q, which the server does not list\n", b.name, st.Name, name)
		}
	}
	return nil
}

// checkComfyUI reaches one ComfyUI server: its checkpoints, the one jobs
// use, whether the workflow's sampler settings are among its lists, and
// the upscaler. (A workflow whose img2img path cannot be mapped was
// refused when the backends were built, naming the node.)
func checkComfyUI(ctx context.Context, cfg *config.Config, b backend, stdout io.Writer) error {
	models, err := b.comfy.Models(ctx)
	if err != nil {
		return err
	}
	if len(models) == 0 {
		return errors.New("the server lists no checkpoints: put a model into ComfyUI's models/checkpoints")
	}
	current, err := b.comfy.CurrentModel(ctx)
	if err != nil {
		return err
	}
	w := b.comfy.Workflow()
	if w.Ckpt != "" && !slices.ContainsFunc(models, func(m imagine.Model) bool { return m.Title == w.Ckpt }) {
		return fmt.Errorf("the workflow's checkpoint %q is not among the server's %d checkpoints; set ckpt_name to one of them or to \"\"", w.Ckpt, len(models))
	}
	fmt.Fprintf(stdout, "ok    sd %s: ComfyUI, %d checkpoints, jobs use %s\n", describeBackend(b), len(models), current)
	fmt.Fprintf(stdout, "ok    sd %s: workflow %s\n", b.name, w.Describe())
	if s := cfg.Defaults.Sampler; s != "" {
		samplers, err := b.comfy.Samplers(ctx)
		if err == nil && !slices.Contains(samplers, comfyui.SamplerName(s)) {
			fmt.Fprintf(stdout, "warn  sd %s: defaults.sampler %q is not among ComfyUI's samplers (%s); jobs will be refused\n", b.name, s, strings.Join(samplers, ", "))
		}
	}
	for _, st := range cfg.Styles {
		if st.Lora != "" {
			fmt.Fprintf(stdout, "warn  sd %s: style %q adds <lora:%s> to the prompt, which ComfyUI's text encoder does not read; put a LoraLoader into the workflow instead\n", b.name, st.Name, st.Lora)
		}
	}
	checkComfyUpscaler(ctx, cfg, b, stdout)
	fmt.Fprintf(stdout, "note  sd %s: ComfyUI has no subseed, so 🎨 Vary is refused on this backend\n", b.name)
	return nil
}

// checkComfyUpscaler says whether ⬆ Upscale can run on a ComfyUI server:
// defaults.upscaler must be one of UpscaleModelLoader's model files (an
// A1111 name such as "R-ESRGAN 4x+" matches its usual file).
func checkComfyUpscaler(ctx context.Context, cfg *config.Config, b backend, stdout io.Writer) {
	models, err := b.comfy.UpscaleModels(ctx)
	up := cfg.Defaults.Upscaler
	switch {
	case err != nil:
		fmt.Fprintf(stdout, "warn  sd %s: cannot list the upscale models to check defaults.upscaler: %v\n", b.name, err)
	case len(models) == 0:
		fmt.Fprintf(stdout, "warn  sd %s: the server has no upscale models (put one into ComfyUI's models/upscale_models); the Upscale button will say this server cannot upscale\n", b.name)
	default:
		if m, ok := comfyui.MatchUpscaler(models, up); ok {
			fmt.Fprintf(stdout, "ok    sd %s: defaults.upscaler %q is the upscale model %s\n", b.name, up, m)
		} else {
			fmt.Fprintf(stdout, "warn  sd %s: defaults.upscaler %q is not among ComfyUI's upscale models (%s); the Upscale button will fail\n", b.name, up, strings.Join(models, ", "))
		}
	}
}

// checkListen reports whether addr can be listened on (web.listen), and
// lets it go again.
func checkListen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("web.listen: %w", err)
	}
	return ln.Close()
}
