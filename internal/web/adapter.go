package web

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/imaginebot/imaginebot/internal/frontend"
	"github.com/imaginebot/imaginebot/internal/tasks"
)

// Config configures the adapter (plain values; cmd/bot fills it from the
// YAML config's web section).
type Config struct {
	// Listen is the address to serve on, e.g. 127.0.0.1:8080 (web.listen).
	Listen string
	// Listener, if set, is served instead of listening on Listen (tests,
	// and bot demo, which prints the address it got).
	Listener net.Listener
	// OpenPlayground lets anyone generate on the playground
	// (web.playground: open); otherwise only signed-in admins may.
	OpenPlayground bool
	// AdminPassword signs admins in (web.admin_password); empty: nobody
	// can sign in.
	AdminPassword string
	// AdminSession is how long a sign-in lasts (web.admin_session,
	// default 12h).
	AdminSession time.Duration
	// LoginFailuresPerIP and LoginFailures are the failed sign-ins allowed
	// from one address and from everyone within LoginWindow (defaults 5
	// and 50 in 15 minutes); more are refused unchecked.
	LoginFailuresPerIP, LoginFailures int
	LoginWindow                       time.Duration
	// MaxStreams bounds the live-update streams open at once (default
	// 1000), MaxStreamsPerUser those of one browser (default 16) and
	// MaxStreamsPerAddress those from one client address (default 32):
	// sessions cost nothing to invent, so one client cannot take every
	// stream with made-up cookies.
	MaxStreams, MaxStreamsPerUser, MaxStreamsPerAddress int
	// TrustedProxies are the reverse proxies in front of the adapter
	// (web.trusted_proxies): addresses or CIDR ranges. Only from these is
	// the client's address read from X-Forwarded-For (its rightmost
	// address that is not a trusted proxy) and the host from
	// X-Forwarded-Host. Empty: the loopback addresses (defaultTrustedProxies),
	// so that a proxy on the same machine, the usual setup, works as is.
	TrustedProxies []string
	// MaxJobsPerAddress bounds the jobs of web sessions queued or running
	// at once from one client address (web.per_address; default 6, and
	// cmd/bot passes twice queue.per_user). Signed-in admins are not
	// counted. The core's per-user limits hold per browser, and a new
	// browser costs only a new cookie: this bounds them per address.
	MaxJobsPerAddress int
	// NewSessionsPerAddress bounds the new sessions (cookies) given to one
	// client address within NewSessionWindow (defaults 20 in 10 minutes);
	// past it a page without a session is refused until the window moves.
	NewSessionsPerAddress int
	NewSessionWindow      time.Duration
	// WriteTimeout is how long one write to a live-update stream may take
	// before the stream is dropped (default 10s): a stalled browser holds
	// nothing up for longer.
	WriteTimeout time.Duration
	// DashboardRefresh is how often the admin dashboard's live feed reads
	// the core while anyone views it (default 1s).
	DashboardRefresh time.Duration
	// ShutdownGrace is how long requests may finish after Run's ctx ends
	// (default 5s).
	ShutdownGrace time.Duration
	// Clock tells the time of sign-ins and failed logins; default
	// time.Now. Tests move it.
	Clock func() time.Time
	// Recorder counts preview updates, e.g. for metrics; optional.
	Recorder frontend.Recorder
	Logger   *slog.Logger
}

// defaultTrustedProxies are the proxies trusted when web.trusted_proxies
// is empty: this machine. Without them, every visitor behind a proxy on
// the same machine would be one address, and share its limits (jobs, new
// sessions, sign-in failures). Only a process on this machine can send
// from them.
var defaultTrustedProxies = []string{"127.0.0.0/8", "::1"}

// withDefaults fills in what c leaves empty.
func (c Config) withDefaults() Config {
	c.AdminSession = cmp.Or(c.AdminSession, 12*time.Hour)
	c.LoginFailuresPerIP = cmp.Or(c.LoginFailuresPerIP, 5)
	c.LoginFailures = cmp.Or(c.LoginFailures, 50)
	c.LoginWindow = cmp.Or(c.LoginWindow, 15*time.Minute)
	c.MaxStreams = cmp.Or(c.MaxStreams, 1000)
	c.MaxStreamsPerUser = cmp.Or(c.MaxStreamsPerUser, 16)
	c.MaxStreamsPerAddress = cmp.Or(c.MaxStreamsPerAddress, 32)
	c.MaxJobsPerAddress = cmp.Or(c.MaxJobsPerAddress, 6)
	c.NewSessionsPerAddress = cmp.Or(c.NewSessionsPerAddress, 20)
	c.NewSessionWindow = cmp.Or(c.NewSessionWindow, 10*time.Minute)
	c.WriteTimeout = cmp.Or(c.WriteTimeout, 10*time.Second)
	c.DashboardRefresh = cmp.Or(c.DashboardRefresh, time.Second)
	c.ShutdownGrace = cmp.Or(c.ShutdownGrace, 5*time.Second)
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.Recorder == nil {
		c.Recorder = frontend.NopRecorder{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// validate reports what is wrong with c, in terms of the YAML config.
func (c Config) validate() error {
	switch {
	case c.Listener == nil && c.Listen == "":
		return errors.New("web: no address to listen on (web.listen)")
	case !c.OpenPlayground && c.AdminPassword == "":
		return errors.New("web: the playground is for admins only (web.playground: admins) but no admin can sign in: set web.admin_password")
	case c.AdminSession < 0, c.LoginWindow < 0, c.WriteTimeout < 0, c.ShutdownGrace < 0, c.DashboardRefresh < 0, c.NewSessionWindow < 0:
		return errors.New("web: durations must not be negative")
	case c.LoginFailuresPerIP < 0, c.LoginFailures < 0, c.MaxStreams < 0, c.MaxStreamsPerUser < 0, c.MaxStreamsPerAddress < 0,
		c.MaxJobsPerAddress < 0, c.NewSessionsPerAddress < 0:
		return errors.New("web: limits must not be negative")
	}
	if _, err := parseProxies(c.TrustedProxies); err != nil {
		return err
	}
	if c.Listener == nil {
		if _, port, err := net.SplitHostPort(c.Listen); err != nil || port == "" {
			return fmt.Errorf("web: web.listen must be host:port, e.g. 127.0.0.1:8080, got %q", c.Listen)
		}
	}
	return nil
}

// Adapter is the web front end of the core: the playground page, its
// live updates, the admin sign-in and, when the core has an admin side
// (AdminCore, as *imagine.Service does), the admin dashboard. Create it with New and start it
// with Run.
type Adapter struct {
	cfg    Config
	core   frontend.Core
	admin  AdminCore // the core's admin side; nil: no dashboard
	dash   *dashFeed
	log    *slog.Logger
	tasks  *tasks.Group
	hub    *hub
	access *access
	pages  *template.Template
	// proxies are Config.TrustedProxies, parsed.
	proxies proxies

	// work is the editors' context: Run cancels it when it stops.
	work     context.Context
	stopWork context.CancelFunc
	quit     chan struct{} // closed when Run's ctx ends: live-update streams end
	quitOnce sync.Once

	mu sync.Mutex   // guards ln
	ln net.Listener // once listening

	running atomic.Bool
	health  health
}

// New returns an Adapter for the core. It validates cfg and does no
// network I/O.
func New(cfg Config, core frontend.Core) (*Adapter, error) {
	if core == nil {
		return nil, errors.New("web: no service")
	}
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	pages, err := parsePages()
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	log := cfg.Logger.With("component", "web")
	a := &Adapter{
		cfg:    cfg,
		core:   core,
		log:    log,
		tasks:  tasks.New(log),
		hub:    newHub(),
		access: newAccess(cfg),
		pages:  pages,
		quit:   make(chan struct{}),
	}
	trusted := cfg.TrustedProxies
	if len(trusted) == 0 {
		trusted = defaultTrustedProxies
	}
	a.proxies, _ = parseProxies(trusted) // validate checked them
	a.admin, _ = core.(AdminCore)
	a.dash = newDashFeed(a)
	a.work, a.stopWork = context.WithCancel(context.Background())
	return a, nil
}

// Listen starts listening (on Config.Listener, or Config.Listen) if the
// adapter does not yet, and returns the address, so that a taken port
// fails the start and bot demo can print the URL. Run calls it.
func (a *Adapter) Listen() (net.Addr, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.ln == nil {
		ln := a.cfg.Listener
		if ln == nil {
			var err error
			if ln, err = net.Listen("tcp", a.cfg.Listen); err != nil {
				return nil, fmt.Errorf("web.listen: %w", err)
			}
		}
		a.ln = ln
	}
	return a.ln.Addr(), nil
}

// URL is the playground's address once listening, e.g.
// http://127.0.0.1:8080/; a wildcard host is shown as 127.0.0.1.
func (a *Adapter) URL() string {
	addr, err := a.Listen()
	if err != nil {
		return ""
	}
	host, port, _ := net.SplitHostPort(addr.String())
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return "http://" + host + ":" + port + "/"
}
