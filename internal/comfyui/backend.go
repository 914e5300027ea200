package comfyui

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

// Config configures a Backend.
type Config struct {
	// URL is ComfyUI's base URL, e.g. http://127.0.0.1:8188 (a path prefix
	// behind a reverse proxy is kept). Credentials in it are used as basic
	// auth when Username and Password are empty; they never appear in
	// messages or logs.
	URL                string
	Username, Password string
	// Workflow is the graph jobs run; nil is the built-in txt2img graph.
	Workflow *Workflow
	// Timeout is the longest one generation may take (sd.timeout);
	// default 10m.
	Timeout time.Duration
	// ReconnectWindow is how long a dropped websocket is redialled before
	// the jobs that wait on it fail; default 10s.
	ReconnectWindow time.Duration
	// HTTPClient is optional; it must not have a Timeout (each call has
	// its own).
	HTTPClient *http.Client
	// Logger is optional.
	Logger *slog.Logger
}

const (
	defaultTimeout         = 10 * time.Minute
	defaultReconnectWindow = 10 * time.Second
	callTimeout            = 10 * time.Second
	// stallPoll is how long a job waits without any event before it looks
	// its prompt up in /history, so that a lost event cannot hang it.
	stallPoll = 5 * time.Second
	// idleLinger keeps the websocket open this long after the last job,
	// for the next one.
	idleLinger = 30 * time.Second
)

// Backend runs the core's jobs on one ComfyUI server. It is safe for
// concurrent use; Close releases its websocket.
type Backend struct {
	base     string // scheme://host[/prefix], no credentials or trailing slash
	user     string
	pass     string
	workflow *Workflow
	timeout  time.Duration
	hc       *http.Client
	log      *slog.Logger
	hub      *hub

	mu       sync.Mutex
	selected string // the checkpoint SwitchModel chose; "" = none yet
}

var (
	_ imagine.Backend = (*Backend)(nil)
	_ imagine.Lister  = (*Backend)(nil)
)

// New returns a Backend for cfg. It fails when the URL is not an http://
// or https:// URL with a host.
func New(cfg Config) (*Backend, error) {
	u, err := url.Parse(strings.TrimSpace(cfg.URL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		shown := cfg.URL
		if err == nil {
			shown = u.Redacted()
		}
		return nil, fmt.Errorf("comfyui: url %q must be an http:// or https:// address such as http://127.0.0.1:8188", shown)
	}
	b := &Backend{
		base:     u.Scheme + "://" + u.Host + strings.TrimRight(u.EscapedPath(), "/"),
		user:     cfg.Username,
		pass:     cfg.Password,
		workflow: cfg.Workflow,
		timeout:  cfg.Timeout,
		hc:       cfg.HTTPClient,
		log:      cfg.Logger,
	}
	if b.user == "" && b.pass == "" && u.User != nil {
		b.user = u.User.Username()
		b.pass, _ = u.User.Password()
	}
	if b.workflow == nil {
		b.workflow = DefaultWorkflow()
	}
	if b.timeout <= 0 {
		b.timeout = defaultTimeout
	}
	if b.hc == nil {
		b.hc = &http.Client{}
	} else if b.hc.Timeout != 0 {
		return nil, errors.New("comfyui: the HTTP client has a Timeout, which would cut long generations; leave it 0 and set sd.timeout instead")
	}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	b.log = b.log.With("component", "comfyui", "url", b.base)
	window := cfg.ReconnectWindow
	if window <= 0 {
		window = defaultReconnectWindow
	}
	b.hub = newHub(b, window)
	return b, nil
}

// URL returns the server's base URL without credentials.
func (b *Backend) URL() string { return b.base }

// Workflow returns the graph the backend's jobs run.
func (b *Backend) Workflow() *Workflow { return b.workflow }

// Close closes the websocket and waits for its goroutine. Jobs still
// running fail; the Backend may be used again afterwards.
func (b *Backend) Close() { b.hub.close() }

// Ping checks that the server answers (GET /system_stats).
func (b *Backend) Ping(ctx context.Context) error {
	var out map[string]any
	return b.getJSON(ctx, "/system_stats", &out)
}

func newClientID() string {
	var r [16]byte
	_, _ = rand.Read(r[:])
	return "imaginebot-" + hex.EncodeToString(r[:])
}
