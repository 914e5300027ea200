package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/imaginebot/imaginebot/internal/config"
	"github.com/imaginebot/imaginebot/internal/discord"
	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/metrics"
	"github.com/imaginebot/imaginebot/internal/telegram"
	"github.com/imaginebot/imaginebot/internal/web"
)

// platform is one chat adapter, ready to run.
type platform struct {
	name    string
	run     func(ctx context.Context) error
	healthy func(ctx context.Context) error // nil when connected
	// id and inputs, when inputs is set: the adapter fetches again the
	// pictures of its restored img2img jobs (imagine.InputSource), which
	// runServe registers before the service restores them.
	id     imagine.Platform
	inputs imagine.InputSource
	// listen, if set, starts listening once the jobs are restored, before
	// run, so that a taken port fails the start.
	listen func() error
}

// platforms builds an adapter for each platform whose token is set (or,
// for the web, whose web.listen is). Building does no I/O: the adapters
// may fetch pictures once built, and connect in run.
func platforms(cfg *config.Config, svc *imagine.Service, m *metrics.Metrics, log *slog.Logger) ([]platform, error) {
	var out []platform
	if cfg.Telegram.Enabled() {
		tc := telegramConfig(cfg, log)
		if m != nil {
			tc.Recorder = m
		}
		a, err := telegram.New(tc, svc)
		if err != nil {
			return nil, err
		}
		out = append(out, platform{name: "telegram", run: a.Run, healthy: a.Healthy, id: imagine.Telegram, inputs: a})
	}
	if cfg.Discord.Enabled() {
		dc := discordConfig(cfg, log)
		if m != nil {
			dc.Recorder = m
		}
		a, err := discord.New(dc, svc)
		if err != nil {
			return nil, err
		}
		out = append(out, platform{name: "discord", run: a.Run, healthy: a.Healthy, id: imagine.Discord, inputs: a})
	}
	if cfg.Web.Enabled() {
		wc := webConfig(cfg, log)
		if m != nil {
			wc.Recorder = m
		}
		a, err := web.New(wc, svc)
		if err != nil {
			return nil, err
		}
		out = append(out, platform{name: "web", run: a.Run, healthy: a.Healthy, listen: func() error {
			_, err := a.Listen()
			return err
		}})
	}
	return out, nil
}

func webConfig(cfg *config.Config, log *slog.Logger) web.Config {
	w := cfg.Web
	return web.Config{
		Listen:         w.Listen,
		OpenPlayground: w.Playground == config.PlaygroundOpen,
		AdminPassword:  w.AdminPassword,
		AdminSession:   w.AdminSession,
		// A new browser is a new cookie: bound the jobs per address too.
		MaxJobsPerAddress: cfg.JobsPerAddress(),
		TrustedProxies:    w.TrustedProxies,
		ShutdownGrace:     shutdownGrace(cfg),
		Logger:            log,
	}
}

// shutdownGrace is how long adapters keep delivering after a signal: the
// running jobs' shutdown timeout plus time to post their results.
func shutdownGrace(cfg *config.Config) time.Duration { return cfg.ShutdownTimeout + 10*time.Second }

func telegramConfig(cfg *config.Config, log *slog.Logger) telegram.Config {
	t := cfg.Telegram
	return telegram.Config{
		Token:          t.Token,
		APIURL:         t.APIURL,
		AdminUserIDs:   t.AdminUserIDs,
		EditInterval:   t.EditInterval,
		ShutdownGrace:  shutdownGrace(cfg),
		AllowedChatIDs: t.AllowedChatIDs,
		AllowPrivate:   t.AllowPrivate,
		Logger:         log,
	}
}

func discordConfig(cfg *config.Config, log *slog.Logger) discord.Config {
	d := cfg.Discord
	return discord.Config{
		Token:           d.Token,
		APIURL:          d.APIURL,
		AdminUserIDs:    d.AdminUserIDs,
		AdminRoleIDs:    d.AdminRoleIDs,
		GuildIDs:        d.GuildIDs,
		AllowedGuildIDs: d.AllowedGuildIDs,
		AllowDMs:        d.AllowDMs,
		EditInterval:    d.EditInterval,
		ShutdownGrace:   shutdownGrace(cfg),
		Logger:          log,
	}
}

// platformCheck reaches one enabled platform for "bot check".
type platformCheck struct {
	name  string
	check func(ctx context.Context) (string, error)
}

func platformChecks(cfg *config.Config) []platformCheck {
	log := slog.New(slog.DiscardHandler)
	var out []platformCheck
	if cfg.Telegram.Enabled() {
		out = append(out, platformCheck{"telegram", func(ctx context.Context) (string, error) {
			return telegram.Check(ctx, telegramConfig(cfg, log))
		}})
	}
	if cfg.Discord.Enabled() {
		out = append(out, platformCheck{"discord", func(ctx context.Context) (string, error) {
			return discord.Check(ctx, discordConfig(cfg, log))
		}})
	}
	return out
}
