package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/imaginebot/imaginebot/internal/comfyui"
	"github.com/imaginebot/imaginebot/internal/config"
	"github.com/imaginebot/imaginebot/internal/health"
	"github.com/imaginebot/imaginebot/internal/imagefile"
	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/metrics"
	"github.com/imaginebot/imaginebot/internal/sd"
	"github.com/imaginebot/imaginebot/internal/sdbackend"
)

// newLogger builds the process logger from the log section of the config.
func newLogger(cfg config.Log, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Level)) // validated by config
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// settingsFrom copies the generation settings out of the config.
func settingsFrom(c *config.Config) imagine.Settings {
	d, l := c.Defaults, c.Limits
	s := imagine.Settings{
		Defaults: imagine.Defaults{
			Width: d.Width, Height: d.Height, Steps: d.Steps, BatchSize: d.BatchSize,
			NegativePrompt: d.NegativePrompt, EnableHR: d.EnableHR, HRUpscaler: d.HRUpscaler,
			HRScale: d.HRScale, DenoisingStrength: d.DenoisingStrength, Sampler: d.Sampler, CFGScale: d.CFGScale,
			Strength: d.Strength, UpscaleBy: d.UpscaleBy, Upscaler: d.Upscaler, VaryStrength: d.VaryStrength,
		},
		Limits: imagine.Limits{
			MaxWidth: l.MaxWidth, MaxHeight: l.MaxHeight, MaxSteps: l.MaxSteps,
			MaxBatch: l.MaxBatch, MaxPromptLength: l.MaxPromptLength, Models: l.Models,
			Input: imagine.InputLimits{MaxBytes: l.MaxInputBytes, MaxPixels: l.MaxInputPixels},
		},
		ForcedNegative: c.Moderation.ForcedNegative,
	}
	s.CheckInput = imagefile.InputChecker(s.Limits.Input)
	s.ImageHeader = imagefile.Header
	for _, st := range c.Styles {
		s.Styles = append(s.Styles, imagine.Style{Name: st.Name, Prompt: st.Prompt, Lora: st.Lora})
	}
	for _, p := range c.Profiles {
		s.Profiles = append(s.Profiles, imagine.Profile{
			Model: p.Model, Sampler: p.Sampler, Scheduler: p.Scheduler, CFGScale: p.CFGScale,
			DistilledCFG: p.DistilledCFGScale, Steps: p.Steps, Width: p.Width, Height: p.Height,
			ClipSkip: p.ClipSkip, PromptPrefix: p.PromptPrefix, PromptSuffix: p.PromptSuffix,
			NegativePrompt: p.NegativePrompt, Override: p.OverrideSettings,
		})
	}
	return s
}

// backend is one configured image server with its client: an A1111-API
// client, or a ComfyUI backend.
type backend struct {
	name   string
	client *sd.Client       // kind a1111; nil for ComfyUI
	comfy  *comfyui.Backend // kind comfyui; nil for A1111
}

// core returns the backend as the core drives it.
func (b backend) core() imagine.Backend {
	if b.comfy != nil {
		return b.comfy
	}
	return sdbackend.New(b.client)
}

// ping checks that the server answers.
func (b backend) ping(ctx context.Context) error {
	if b.comfy != nil {
		return b.comfy.Ping(ctx)
	}
	return b.client.Ping(ctx)
}

// url is the server's base URL without credentials.
func (b backend) url() string {
	if b.comfy != nil {
		return b.comfy.URL()
	}
	return b.client.URL()
}

// closeBackends releases the ComfyUI backends' websockets.
func closeBackends(backends []backend) {
	for _, b := range backends {
		if b.comfy != nil {
			b.comfy.Close()
		}
	}
}

// newBackends builds a client per configured backend. A ComfyUI workflow
// that does not load or lacks a node the bot fills is an error naming it.
func newBackends(c *config.Config, log *slog.Logger, hc *http.Client) ([]backend, error) {
	var out []backend
	for _, b := range c.Backends() {
		if b.IsComfyUI() {
			w, err := comfyui.LoadWorkflow(b.Workflow)
			if err != nil {
				return nil, fmt.Errorf("sd backend %s: %w", b.Name, err)
			}
			cb, err := comfyui.New(comfyui.Config{
				URL: b.URL, Username: b.Username, Password: b.Password,
				Workflow: w, Timeout: c.SD.Timeout, HTTPClient: hc,
				Logger: log.With("backend", b.Name),
			})
			if err != nil {
				return nil, fmt.Errorf("sd backend %s: %w", b.Name, err)
			}
			out = append(out, backend{name: b.Name, comfy: cb})
			continue
		}
		client, err := sd.New(sd.Config{
			URL: b.URL, Username: b.Username, Password: b.Password,
			PollInterval: c.SD.PollInterval, Timeout: c.SD.Timeout,
			HTTPClient: hc,
			Logger:     log.With("backend", b.Name), // the client adds component=sd
		})
		if err != nil {
			return nil, fmt.Errorf("sd backend %s: %w", b.Name, err)
		}
		out = append(out, backend{name: b.Name, client: client})
	}
	return out, nil
}

// newService builds the core service on the given backends, reporting to
// m when it is not nil.
func newService(c *config.Config, backends []backend, st imagine.Store, m *metrics.Metrics, log *slog.Logger) *imagine.Service {
	named := make([]imagine.NamedBackend, len(backends))
	for i, b := range backends {
		kind := imagine.BackendA1111
		if b.comfy != nil {
			kind = imagine.BackendComfyUI
		}
		named[i] = imagine.NamedBackend{Name: b.name, Backend: b.core(), Kind: kind}
	}
	var obs imagine.Observer
	if m != nil {
		obs = m
	}
	return imagine.New(imagine.Config{
		Observer:        obs,
		Settings:        settingsFrom(c),
		PerUser:         c.Queue.PerUser,
		MaxQueue:        c.Queue.Max,
		ShutdownTimeout: c.ShutdownTimeout,
		Store:           st,
		Retention:       c.Store.Retention,
		DailyImages:     c.Limits.DailyImages,
		AffinityWait:    c.SD.AffinityWait,
		Moderation: imagine.Moderation{
			BannedWords:  c.Moderation.BannedWords,
			BlockedUsers: c.Moderation.BlockedUserIDs,
			Cooldown:     c.Moderation.Cooldown,
		},
		Logger: log.With("component", "core"),
	}, named)
}

// metricsFor returns the metrics when the config serves them, else nil,
// with a series at 0 for every enabled platform and configured backend.
func metricsFor(c *config.Config) *metrics.Metrics {
	if c.HTTP.Listen == "" {
		return nil
	}
	m := metrics.New()
	var plats []imagine.Platform
	if c.Telegram.Enabled() {
		plats = append(plats, imagine.Telegram)
	}
	if c.Discord.Enabled() {
		plats = append(plats, imagine.Discord)
	}
	if c.Web.Enabled() {
		plats = append(plats, imagine.Web)
	}
	var backends []string
	for _, b := range c.Backends() {
		backends = append(backends, b.Name)
	}
	m.InitSeries(plats, backends)
	return m
}

// healthChecks lists what /healthz checks: every SD backend, every
// platform and the store.
func healthChecks(backends []backend, plats []platform, svc *imagine.Service) []health.Check {
	checks := []health.Check{{Name: "store", Func: svc.StoreHealthy}}
	for _, b := range backends {
		checks = append(checks, health.Check{Name: "sd " + b.name, Func: b.ping})
	}
	for _, p := range plats {
		checks = append(checks, health.Check{Name: p.name, Func: p.healthy})
	}
	return checks
}

// describeBackend names a backend for people: its name and URL (without
// credentials).
func describeBackend(b backend) string {
	return fmt.Sprintf("%s (%s)", b.name, strings.TrimSuffix(b.url(), "/"))
}
