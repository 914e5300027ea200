package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/imaginebot/imaginebot/internal/imagine"
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
	// NoPrivate refuses private chats (telegram.allow_private: false),
	// except those listed in AllowedChatIDs.
	NoPrivate bool
	// Recorder counts preview edits and 429s, e.g. for metrics; optional.
	Recorder Recorder
	Logger   *slog.Logger
}

// Recorder is told what the adapter sends, e.g. to export metrics. Its
// methods must return quickly.
type Recorder interface {
	PreviewEdited(imagine.Platform)
	RateLimited(imagine.Platform)
}

type noRecorder struct{}

func (noRecorder) PreviewEdited(imagine.Platform) {}
func (noRecorder) RateLimited(imagine.Platform)   {}

// DefaultAPIURL is the Bot API's address when Config.APIURL is empty.
const DefaultAPIURL = "https://api.telegram.org"

// Timeouts of one Bot API call, and of a long poll, which the server
// holds open for up to pollSeconds.
const (
	callTimeout = 60 * time.Second
	pollSeconds = 25
	pollTimeout = pollSeconds*time.Second + 15*time.Second
)

// maxHandlers bounds the goroutines doing the network work of updates
// (replies, callback answers); the poll loop waits when all are busy.
const maxHandlers = 64

// normalize validates c and fills in the defaults.
func (c Config) normalize() (Config, error) {
	switch {
	case c.Token == "":
		return c, errors.New("telegram: the bot token is empty (telegram.token)")
	case strings.ContainsAny(c.Token, " \t\r\n/?#%"):
		return c, errors.New("telegram: the bot token contains spaces or URL characters (telegram.token)")
	case c.EditInterval < 0:
		return c, errors.New("telegram: edit_interval must not be negative")
	case c.ShutdownGrace < 0:
		return c, errors.New("telegram: the shutdown grace must not be negative")
	}
	if c.APIURL == "" {
		c.APIURL = DefaultAPIURL
	}
	u, err := url.Parse(c.APIURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return c, fmt.Errorf("telegram: api_url %q is not an http(s) URL without query", c.APIURL)
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
	if c.Recorder == nil {
		c.Recorder = noRecorder{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	c.Limits = c.Limits.withDefaults()
	return c, nil
}

// Adapter is the Telegram front end of an imagine.Service: it long-polls
// updates, answers commands and buttons, and keeps one status message per
// job up to date. Create it with New and start it with Run.
type Adapter struct {
	cfg    Config
	svc    *imagine.Service
	log    *slog.Logger
	admins map[int64]bool
	lim    *limiter
	store  *store

	// Set by Run before it starts any goroutine; read-only afterwards.
	api botAPI
	me  botUser

	running   atomic.Bool
	textMedia textMedia  // whether the server can turn a text message into a photo (Bot API 7.11+)
	routes    chatRoutes // groups that became supergroups

	wg       sync.WaitGroup // every goroutine the adapter starts
	handlers chan struct{}  // semaphore of maxHandlers
	quit     chan struct{}  // closed when Run's ctx ends
	gate     chatGate       // replies pending per chat
	health   health
}

// New returns an Adapter for svc. It validates cfg and does no network I/O.
func New(cfg Config, svc *imagine.Service) (*Adapter, error) {
	if svc == nil {
		return nil, errors.New("telegram: no service")
	}
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	a := &Adapter{
		cfg:      cfg,
		svc:      svc,
		log:      cfg.Logger.With("component", "telegram"),
		admins:   map[int64]bool{},
		lim:      newLimiter(cfg.Limits, time.Now),
		store:    newStore(storeMaxEntries, storeMaxBytes),
		handlers: make(chan struct{}, maxHandlers),
		quit:     make(chan struct{}),
	}
	for _, id := range cfg.AdminUserIDs {
		a.admins[id] = true
	}
	return a, nil
}

// Run connects (getMe), registers the command lists, long-polls and handles
// updates until ctx ends. It then stops polling, lets in-flight message
// work (status edits, results) finish for up to Config.ShutdownGrace,
// abandons what is left and returns nil. A token Telegram refuses, or an
// api_url that is not a Bot API server, is an error at once; Run may be
// called only once.
func (a *Adapter) Run(ctx context.Context) error {
	if !a.running.CompareAndSwap(false, true) {
		return errors.New("telegram: Run called twice")
	}
	api, me, err := a.connect(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	a.api, a.me = api, me
	a.log.Info("connected", "bot", "@"+me.Username, "api_url", a.cfg.APIURL)
	a.health.set(func(h *health) { h.connected, h.lastPoll = true, time.Now() })
	defer a.health.set(func(h *health) { h.stopped = true })

	// Message work runs on its own context: it outlives ctx by the grace.
	work, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	stopQuit := context.AfterFunc(ctx, func() { close(a.quit) })
	defer stopQuit()

	a.registerCommands(ctx)
	err = a.poll(ctx, work)
	if err != nil {
		stopWork()
	}
	a.drain(stopWork)
	return err
}

// drain waits for the adapter's goroutines for up to the shutdown grace,
// then cancels their work and waits for them to return.
func (a *Adapter) drain(stopWork context.CancelFunc) {
	done := make(chan struct{})
	go func() {
		a.wg.Wait()
		close(done)
	}()
	t := time.NewTimer(a.cfg.ShutdownGrace)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		a.log.Warn("shutdown grace over, abandoning unfinished messages", "grace", a.cfg.ShutdownGrace)
		stopWork()
		<-done
	}
	a.log.Info("stopped")
}

// isAdmin reports whether the user is one of telegram.admin_user_ids.
func (a *Adapter) isAdmin(userID int64) bool { return a.admins[userID] }

// goHandle runs f in a goroutine the adapter owns, for the network part of
// handling an update. At most maxHandlers run at once; while all are busy
// goHandle waits, which holds back polling. After Run's ctx ended it drops
// f and reports false.
func (a *Adapter) goHandle(ctx context.Context, f func(ctx context.Context)) bool {
	select {
	case a.handlers <- struct{}{}:
	case <-a.quit:
		return false
	}
	a.wg.Go(func() {
		defer func() { <-a.handlers }()
		f(ctx)
	})
	return true
}

// goChat is goHandle for work that sends to chat and may wait for its
// turn there: a chat with maxPendingPerChat such jobs already gets no more
// (f is dropped and goChat reports false).
func (a *Adapter) goChat(ctx context.Context, chat int64, f func(ctx context.Context)) bool {
	if !a.gate.enter(chat) {
		a.log.Debug("too many replies pending in this chat; dropping one", "chat", chat)
		return false
	}
	if !a.goHandle(ctx, func(ctx context.Context) {
		defer a.gate.leave(chat)
		f(ctx)
	}) {
		a.gate.leave(chat)
		return false
	}
	return true
}

// goReply replies with plain text at p, see goChat.
func (a *Adapter) goReply(ctx context.Context, p place, text string) {
	a.goChat(ctx, p.chat.id, func(ctx context.Context) { a.reply(ctx, p, text, nil) })
}

// goEditor runs a job's editor in a goroutine the adapter owns. Editors are
// not bounded here: the service's queue limits bound the jobs.
func (a *Adapter) goEditor(ctx context.Context, e *editor) {
	a.wg.Go(func() { e.run(ctx) })
}
