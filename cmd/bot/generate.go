package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/imaginebot/imaginebot/internal/config"
	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/sdsim"
)

const generateSynopsis = `bot generate [-config FILE] [-sim] [-o DIR] [-n BATCH] [-style NAME] [-width W] [-height H] [-steps N] [-seed N] PROMPT...

Runs one request through the same queue, core and SD client as the bot, shows
progress on stderr and writes the PNG files into DIR, printing their paths.
Inline options work in the prompt too: --ar 16:9 --no people --hr ...
With -sim a simulated SD server runs in-process: no GPU, no config needed.`

// runGenerate is "bot generate".
func runGenerate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("generate", generateSynopsis, stderr)
	configPath := fs.String("config", "", "config file (optional with -sim)")
	sim := fs.Bool("sim", false, "use an in-process simulated SD server instead of sd.url")
	outDir := fs.String("o", ".", "directory to write the images into")
	batch := fs.Int("n", 0, "images to make (default: defaults.batch_size)")
	style := fs.String("style", "", "style name from the config")
	width := fs.Int("width", 0, "width in pixels (default: defaults.width)")
	height := fs.Int("height", 0, "height in pixels (default: defaults.height)")
	steps := fs.Int("steps", 0, "sampling steps (default: defaults.steps)")
	seed := fs.Int64("seed", -1, "seed; -1 picks one at random")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	text := strings.Join(fs.Args(), " ")
	if strings.TrimSpace(text) == "" {
		fs.Usage()
		return errUsage
	}

	cfg, err := generateConfig(*configPath, *sim, getenv)
	if err != nil {
		return err
	}
	if *sim {
		srv := sdsim.NewServer(sdsim.Options{StepDelay: 20 * time.Millisecond})
		defer srv.Close()
		cfg.SD.URL, cfg.SD.Backends, cfg.SD.Username, cfg.SD.Password = srv.URL, nil, "", ""
		cfg.SD.PollInterval = 100 * time.Millisecond
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	backends, err := newBackends(cfg, log, &http.Client{})
	if err != nil {
		return err
	}
	defer closeBackends(backends)
	svc := newService(cfg, backends[:1], imagine.NewMemoryStore(), nil, log)

	who := imagine.Requester{Platform: imagine.CLI, UserID: "local", Name: "you", Locale: getenv("LANG")}
	req, err := imagine.ParseInline(text, who)
	if err != nil {
		return errors.New(imagine.Describe(err, "en"))
	}
	overrideInt(&req.BatchSize, *batch)
	overrideInt(&req.Width, *width)
	overrideInt(&req.Height, *height)
	overrideInt(&req.Steps, *steps)
	if *seed != -1 {
		req.Seed = *seed
	}
	if *style != "" {
		req.Style = *style
	}
	if err := os.MkdirAll(*outDir, 0o755); err != nil {
		return fmt.Errorf("output directory: %w", err)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() { defer close(done); svc.Run(ctx) }()
	defer func() { cancel(); <-done }()

	ticket, err := svc.Submit(req)
	if err != nil {
		return errors.New(imagine.Describe(err, "en"))
	}
	st := follow(ctx, ticket.Watch, stderr)
	switch st.State {
	case imagine.Done:
	case imagine.Failed:
		return fmt.Errorf("%s (%v)", imagine.Describe(st.Err, "en"), st.Err)
	default:
		return errors.New("interrupted")
	}
	paths, err := writeImages(*outDir, st)
	for _, p := range paths {
		fmt.Fprintln(stdout, p)
	}
	return err
}

// generateConfig loads the config file, or without one (allowed with
// -sim) uses the defaults.
func generateConfig(path string, sim bool, getenv func(string) string) (*config.Config, error) {
	switch {
	case path != "":
		return config.Load(path, getenv)
	case sim:
		c := config.Default()
		return &c, nil
	default:
		return nil, errors.New("generate needs -config FILE with your SD server, or -sim to try it without a GPU")
	}
}

func overrideInt(dst *int, v int) {
	if v != 0 {
		*dst = v
	}
}

// follow draws the job's progress on w until it ends and returns the final
// status.
func follow(ctx context.Context, watch *imagine.Watch, w io.Writer) imagine.Status {
	drawn := false
	for {
		select {
		case <-ctx.Done():
			if drawn {
				fmt.Fprintln(w)
			}
			return watch.Latest()
		case <-watch.Changed():
		}
		st := watch.Latest()
		switch st.State {
		case imagine.Queued:
			fmt.Fprintf(w, "\r\033[K%s", imagine.QueueLine("en", st))
		case imagine.Running:
			fmt.Fprintf(w, "\r\033[K%s", imagine.ProgressLine("en", st))
		default:
			if st.State == imagine.Done {
				fmt.Fprintf(w, "\r\033[K%s 100%% · %d steps · %s\n", imagine.Bar(1, 10), st.Params.Steps, imagine.FormatDuration("en", st.Duration))
			} else if drawn {
				fmt.Fprintln(w)
			}
			return st
		}
		drawn = true
	}
}

// writeImages saves a finished job's images as PNG files named after the
// prompt and seed, and returns their paths.
func writeImages(dir string, st imagine.Status) ([]string, error) {
	var paths []string
	base := slug(st.Params.UserPrompt)
	for i, img := range st.Result.Images {
		seed := st.Params.Seed
		if i < len(st.Result.Seeds) {
			seed = st.Result.Seeds[i]
		}
		p := filepath.Join(dir, fmt.Sprintf("%s-%d.png", base, seed))
		if err := os.WriteFile(p, img, 0o644); err != nil {
			return paths, fmt.Errorf("write image: %w", err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// slug turns a prompt into a short file name part: "a lighthouse at dusk"
// → "a-lighthouse-at-dusk".
func slug(prompt string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(prompt) {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127 && r != '\u00a0'
		if ok && !strings.ContainsRune(`\/:*?"<>|`, r) {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 40 {
			break
		}
	}
	s := strings.Trim(b.String(), "-")
	if s == "" {
		return "image"
	}
	return s
}
