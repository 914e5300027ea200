package telegram

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/imaginebot/imaginebot/internal/frontend"
	"github.com/imaginebot/imaginebot/internal/tasks"
)

// Config configures the adapter (plain values; cmd/bot fills it from the
// YAML config).
type Config struct {
	Token        string
	APIURL       string // e.g. https://api.telegram.org (a trailing slash does not matter)
	AdminUserIDs []int64
	// EditInterval is the least time between two edits of one status
	// message (telegram.edit_interval, default 1s).
	EditInterval time.Duration
	HTTPClient   *http.Client // optional; it should have no Timeout shorter than a long poll (40s)
	// Limits are the flood limits; the zero value is Telegram's: 1/s per
	// chat, 20/min per group, 30/s overall. Tests scale them down.
	Limits Limits
	// ShutdownGrace is how long in-flight message work may go on after
	// Run's ctx ends (default 5s).
	ShutdownGrace time.Duration
	// AllowedChatIDs limits the bot to these groups (and private chats);
	// empty = every chat.
	AllowedChatIDs []int64
	// AllowPrivate lets the bot answer in private chats
	// (telegram.allow_private); without it, only in those listed in
	// AllowedChatIDs.
	AllowPrivate bool
	// DownloadTimeout bounds fetching one user's picture from Telegram
	// (getFile and the download; default 60s).
	DownloadTimeout time.Duration
	// Recorder counts preview edits and 429s, e.g. for metrics; optional.
	Recorder frontend.Recorder
	Logger   *slog.Logger
}

// DefaultAPIURL is the Bot API's address when Config.APIURL is empty.
const DefaultAPIURL = "https://api.telegram.org"

// Timeouts of one Bot API call, and of a long poll, which the server
// holds open for up to pollSeconds.
const (
	callTimeout = 60 * time.Second
	pollSeconds = 25
	pollTimeout = pollSeconds*time.Second + 15*time.Second
)

// withDefaults fills in what c leaves empty.
func (c Config) withDefaults() Config {
	if c.APIURL == "" {
		c.APIURL = DefaultAPIURL
	}
	c.APIURL = strings.TrimRight(c.APIURL, "/")
	if c.EditInterval == 0 {
		c.EditInterval = time.Second
	}
	if c.ShutdownGrace == 0 {
		c.ShutdownGrace = 5 * time.Second
	}
	if c.HTTPClient == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 32 // sends to one host run in parallel
		c.HTTPClient = &http.Client{Transport: t}
	}
	if c.DownloadTimeout == 0 {
		c.DownloadTimeout = downloadTimeout
	}
	if c.Recorder == nil {
		c.Recorder = frontend.NopRecorder{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	c.Limits = c.Limits.withDefaults()
	return c
}

// validate reports what is wrong with c, in terms of the YAML config.
func (c Config) validate() error {
	switch {
	case c.Token == "":
		return errors.New("telegram: the bot token is empty (telegram.token)")
	case strings.ContainsAny(c.Token, " \t\r\n/?#%"):
		return errors.New("telegram: the bot token contains spaces or URL characters (telegram.token)")
	case c.EditInterval < 0:
		return errors.New("telegram: edit_interval must not be negative")
	case c.DownloadTimeout < 0:
		return errors.New("telegram: the download timeout must not be negative")
	case c.ShutdownGrace < 0:
		return errors.New("telegram: the shutdown grace must not be negative")
	}
	u, err := url.Parse(c.APIURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("telegram: api_url %q is not an http(s) URL without query", c.APIURL)
	}
	return nil
}

// Adapter is the Telegram front end of the core: it long-polls updates,
// answers commands and buttons, and keeps one status message per job up
// to date. Create it with New and start it with Run.
type Adapter struct {
	cfg    Config
	core   frontend.Core
	log    *slog.Logger
	client *client   // every Bot API call
	files  *tgClient // getFile, which works before Run connected (newFileClient)
	// fileHTTP downloads pictures: Config.HTTPClient's transport, and no
	// redirect away from api_url's host (see downloadClient).
	fileHTTP *http.Client
	store    *store
	editing  editing // what every job's editor shares
	tasks    *tasks.Group

	me      botUser // set by Run before it starts any goroutine; read-only afterwards
	running atomic.Bool

	handlers  chan struct{} // semaphore of maxHandlers
	downloads chan struct{} // semaphore of maxDownloads
	quit      chan struct{} // closed when Run's ctx ends
	gate      chatGate      // replies pending per chat
	health    health
}

// New returns an Adapter for the core. It validates cfg and does no
// network I/O.
func New(cfg Config, core frontend.Core) (*Adapter, error) {
	if core == nil {
		return nil, errors.New("telegram: no service")
	}
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	log := cfg.Logger.With("component", "telegram")
	a := &Adapter{
		cfg:       cfg,
		core:      core,
		log:       log,
		client:    newClient(cfg, log),
		files:     newFileClient(cfg.APIURL, cfg.Token, cfg.HTTPClient),
		fileHTTP:  downloadClient(cfg.APIURL, cfg.HTTPClient),
		store:     newStore(),
		tasks:     tasks.New(log),
		handlers:  make(chan struct{}, maxHandlers),
		downloads: make(chan struct{}, maxDownloads),
		quit:      make(chan struct{}),
		gate:      chatGate{pending: map[int64]int{}},
	}
	a.editing = editing{
		bot:      a.client,
		routes:   &a.client.routes,
		jobs:     core,
		restarts: core,
		rec:      cfg.Recorder,
		interval: cfg.EditInterval,
		chatGap:  cfg.Limits.ChatInterval,
		baseLog:  log,
	}
	return a, nil
}
