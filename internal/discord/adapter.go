package discord

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/imaginebot/imaginebot/internal/frontend"
	"github.com/imaginebot/imaginebot/internal/tasks"
)

// Config configures the adapter (plain values; cmd/bot fills it from the YAML config).
type Config struct {
	Token        string // bot token (without or with the "Bot " prefix)
	APIURL       string // e.g. https://discord.com; a trailing slash must not matter
	AdminUserIDs []string
	AdminRoleIDs []string
	GuildIDs     []string // empty = global commands
	// EditInterval is the least time between two edits of one message
	// (discord.edit_interval); default 1.5s.
	EditInterval time.Duration
	// HTTPClient is an optional base client; its Transport gets wrapped by
	// the rewriting RoundTripper.
	HTTPClient *http.Client
	// ReadyTimeout bounds the wait for the gateway's READY; default 30s.
	ReadyTimeout time.Duration
	// TokenLifetime is how long an interaction token lives; default 15m
	// (tests shorten it).
	TokenLifetime time.Duration
	// ShutdownGrace is how long in-flight message work may go on after the
	// context of Run ends; default 5s.
	ShutdownGrace time.Duration
	// DownloadTimeout bounds the download of a user's picture; default 30s.
	DownloadTimeout time.Duration
	// AllowedGuildIDs limits the bot to these guilds; empty = every guild.
	AllowedGuildIDs []string
	// AllowDMs lets the bot answer in direct messages and other private
	// channels (discord.allow_dms; the YAML default is true).
	AllowDMs bool
	// Recorder counts preview edits and 429s, e.g. for metrics; optional.
	Recorder frontend.Recorder
	Logger   *slog.Logger
}

// Defaults of Config.
const (
	DefaultAPIURL        = "https://discord.com"
	DefaultEditInterval  = 1500 * time.Millisecond
	DefaultReadyTimeout  = 30 * time.Second
	DefaultTokenLifetime = 15 * time.Minute
	DefaultShutdownGrace = 5 * time.Second
	DefaultDownload      = 30 * time.Second
)

// withDefaults returns c with zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if strings.TrimSpace(c.APIURL) == "" {
		c.APIURL = DefaultAPIURL
	}
	if c.EditInterval == 0 {
		c.EditInterval = DefaultEditInterval
	}
	if c.ReadyTimeout == 0 {
		c.ReadyTimeout = DefaultReadyTimeout
	}
	if c.TokenLifetime == 0 {
		c.TokenLifetime = DefaultTokenLifetime
	}
	if c.ShutdownGrace == 0 {
		c.ShutdownGrace = DefaultShutdownGrace
	}
	if c.DownloadTimeout == 0 {
		c.DownloadTimeout = DefaultDownload
	}
	if c.Recorder == nil {
		c.Recorder = frontend.NopRecorder{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// validate checks a config that has its defaults.
func (c Config) validate() error {
	var errs []error
	if strings.TrimPrefix(botToken(c.Token), "Bot ") == "" {
		errs = append(errs, errors.New("the bot token is empty"))
	}
	if _, err := parseAPIURL(c.APIURL); err != nil {
		errs = append(errs, err)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"edit interval", c.EditInterval}, {"ready timeout", c.ReadyTimeout},
		{"token lifetime", c.TokenLifetime}, {"shutdown grace", c.ShutdownGrace},
		{"download timeout", c.DownloadTimeout}} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("the %s must not be negative, got %s", d.name, d.v))
		}
	}
	for _, ids := range []struct {
		name string
		v    []string
	}{{"admin user id", c.AdminUserIDs}, {"admin role id", c.AdminRoleIDs}, {"guild id", c.GuildIDs}} {
		for _, id := range ids.v {
			if !isSnowflake(id) {
				errs = append(errs, fmt.Errorf("%s %q is not a Discord id (a number)", ids.name, id))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("discord: config: %w", err)
	}
	return nil
}

func isSnowflake(id string) bool {
	if id == "" || len(id) > 20 {
		return false
	}
	for _, c := range id {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// botToken returns the token with the "Bot " prefix Discord expects.
func botToken(t string) string {
	t = strings.TrimSpace(t)
	if t == "Bot" || strings.HasPrefix(t, "Bot ") {
		t = strings.TrimSpace(t[len("Bot"):])
	}
	return "Bot " + t
}

// Adapter connects one Discord bot to the core. Create it with New and
// start it with Run, once.
type Adapter struct {
	cfg     Config
	core    frontend.Core
	log     *slog.Logger
	target  apiTarget
	now     func() time.Time // the clock for token expiry; time.Now outside tests
	backoff time.Duration    // the first wait after a failed edit; firstBackoff outside tests

	models  *modelCache
	group   *tasks.Group   // every goroutine the adapter starts
	files   *http.Client   // downloads users' pictures (input.go)
	pending *pendingImages // pictures waiting for their modal's prompt (fromimage.go)

	started  atomic.Bool
	stopping atomic.Bool // Run's context ended: no new jobs
	health   health

	// Set by Run before the session opens and never changed afterwards.
	rest *rest
}

// New returns an Adapter for core. It validates cfg and does no network I/O.
func New(cfg Config, core frontend.Core) (*Adapter, error) {
	if core == nil {
		return nil, errors.New("discord: no core")
	}
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	target, _ := parseAPIURL(cfg.APIURL)
	log := cfg.Logger.With("component", "discord")
	a := &Adapter{
		cfg:     cfg,
		core:    core,
		log:     log,
		target:  target,
		now:     time.Now,
		backoff: firstBackoff,
		models:  newModelCache(core, modelTTL, log),
		group:   tasks.New(log),
		pending: newPendingImages(maxPending, pendingTTL),
	}
	a.files = a.newFileClient()
	return a, nil
}
