package sd

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Config configures a Client.
type Config struct {
	// URL is the WebUI's base URL, e.g. http://127.0.0.1:7860. A trailing
	// slash does not matter; a path prefix (behind a reverse proxy) is kept.
	// Credentials in the URL are used as basic auth when Username and
	// Password are empty, and never appear in messages or logs.
	URL string
	// Username and Password, when set, are sent as HTTP basic auth (the
	// WebUI's --api-auth).
	Username string
	Password string
	// PollInterval is the time between progress polls while a job runs;
	// default 1s.
	PollInterval time.Duration
	// Timeout is the longest one generation may take (sd.timeout); default 10m.
	Timeout time.Duration
	// HTTPClient is optional. It must not carry a Timeout, because txt2img
	// can take minutes: every call has its own context instead.
	HTTPClient *http.Client
	// Logger is optional; the client logs at debug level, and at info level
	// when it learns which progress mode the server supports.
	Logger *slog.Logger
}

const (
	defaultPollInterval = time.Second
	defaultTimeout      = 10 * time.Minute
	// defaultCallTimeout bounds progress polls, small GETs and interrupts.
	defaultCallTimeout = 5 * time.Second
	// listTimeout bounds listings that can be large (LoRA metadata).
	listTimeout = 30 * time.Second
)

// Client talks to one Stable Diffusion WebUI server. It is safe for
// concurrent use, but a WebUI runs one job at a time: keep one generation in
// flight per Client.
type Client struct {
	base         string // scheme://host[/prefix], no credentials, no trailing slash
	username     string
	password     string
	pollInterval time.Duration
	timeout      time.Duration
	callTimeout  time.Duration // polls and small calls; a field so tests can shorten it
	hc           *http.Client
	log          *slog.Logger

	mu   sync.Mutex   // guards mode
	mode ProgressMode // the per-task progress mechanism detected so far
}

// New returns a Client for cfg. It fails, with a message that says what to
// fix, when the URL is not an http:// or https:// URL with a host.
func New(cfg Config) (*Client, error) {
	base, user, pass, err := parseBaseURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	if cfg.Username != "" || cfg.Password != "" {
		user, pass = cfg.Username, cfg.Password
	}
	if cfg.PollInterval < 0 {
		return nil, fmt.Errorf("sd: poll interval %v is negative", cfg.PollInterval)
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("sd: timeout %v is negative", cfg.Timeout)
	}
	c := &Client{
		base:         base,
		username:     user,
		password:     pass,
		pollInterval: cfg.PollInterval,
		timeout:      cfg.Timeout,
		callTimeout:  defaultCallTimeout,
		hc:           cfg.HTTPClient,
		log:          cfg.Logger,
	}
	if c.pollInterval == 0 {
		c.pollInterval = defaultPollInterval
	}
	if c.timeout == 0 {
		c.timeout = defaultTimeout
	}
	if c.hc == nil {
		c.hc = &http.Client{}
	} else if c.hc.Timeout != 0 {
		return nil, fmt.Errorf("sd: the HTTP client has a Timeout (%v), which would cut long generations; leave it 0 and set sd.timeout instead", c.hc.Timeout)
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.log = c.log.With("component", "sd", "url", c.base)
	return c, nil
}

// URL returns the server's base URL without credentials or trailing slash.
func (c *Client) URL() string { return c.base }

// parseBaseURL checks raw and splits it into a base URL without credentials
// and the credentials it carried. Messages never repeat a password.
func parseBaseURL(raw string) (base, user, pass string, err error) {
	const example = "e.g. http://127.0.0.1:7860"
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", "", "", fmt.Errorf("sd: sd.url is empty; set it to the WebUI address (%s)", example)
	}
	if !strings.Contains(raw, "://") {
		return "", "", "", fmt.Errorf("sd: sd.url must start with http:// or https:// (%s)", example)
	}
	u, err := url.Parse(raw)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // url.Error repeats the whole URL, password included
		}
		return "", "", "", fmt.Errorf("sd: sd.url is not a valid URL (%v); use the WebUI address (%s)", err, example)
	}
	shown := u.Redacted()
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", "", "", fmt.Errorf("sd: sd.url %q must start with http:// or https:// (%s)", shown, example)
	case u.Host == "" || u.Hostname() == "":
		return "", "", "", fmt.Errorf("sd: sd.url %q has no host (%s)", shown, example)
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return "", "", "", fmt.Errorf("sd: sd.url %q must not have a query or fragment (%s)", shown, example)
	}
	if u.User != nil {
		user = u.User.Username()
		pass, _ = u.User.Password()
	}
	base = u.Scheme + "://" + u.Host + strings.TrimRight(u.EscapedPath(), "/")
	return base, user, pass, nil
}
