package discordtest

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"time"
)

// Options configures a Server. The zero value gives Discord's real limits.
type Options struct {
	// BotToken is the token REST requests must send as "Authorization: Bot <token>" and the
	// gateway IDENTIFY must carry. Default "test-bot-token".
	BotToken string
	// AppID is the application id. Default: a fresh snowflake.
	AppID string
	// BotUserID is the id of the bot user. Default: AppID, as for applications created today.
	BotUserID string
	// BotUsername is the bot user's name. Default "imaginebot".
	BotUsername string
	// TokenLifetime is how long an interaction token is valid after dispatch. Default 15m.
	TokenLifetime time.Duration
	// AckDeadline is how long after dispatch the first interaction callback is accepted.
	// Default 3s.
	AckDeadline time.Duration
	// MaxFileSize is the largest accepted file, per attachment. Default 10 MiB.
	MaxFileSize int64
	// MaxRequestSize is the largest accepted request body. Default 25 MiB.
	MaxRequestSize int64
	// RateLimits sets the per-route limits; zero fields take Discord-like defaults.
	RateLimits RateLimits
	// HeartbeatInterval is announced in the gateway HELLO. Default 41.25s. A connection that
	// sends nothing for two and a half intervals is closed.
	HeartbeatInterval time.Duration
	// PrivilegedIntents are the privileged gateway intents enabled for the application
	// (GUILD_MEMBERS 1<<1, GUILD_PRESENCES 1<<8, MESSAGE_CONTENT 1<<15). Identifying with a
	// privileged intent not listed here closes the connection with 4014. Default none.
	PrivilegedIntents int64
	// Now is the clock for everything Discord measures: acknowledgement deadlines, token
	// lifetimes, snowflake ids and message timestamps. Default time.Now.
	Now func() time.Time
	// Logger receives debug logs of requests and gateway events. Default: discard.
	Logger *slog.Logger
}

func (o Options) withDefaults(ids *snowflakes) Options {
	if o.BotToken == "" {
		o.BotToken = "test-bot-token"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.AppID == "" {
		o.AppID = ids.next(o.Now())
	}
	if o.BotUserID == "" {
		o.BotUserID = o.AppID
	}
	if o.BotUsername == "" {
		o.BotUsername = "imaginebot"
	}
	if o.TokenLifetime == 0 {
		o.TokenLifetime = 15 * time.Minute
	}
	if o.AckDeadline == 0 {
		o.AckDeadline = 3 * time.Second
	}
	if o.MaxFileSize == 0 {
		o.MaxFileSize = 10 << 20
	}
	if o.MaxRequestSize == 0 {
		o.MaxRequestSize = 25 << 20
	}
	if o.HeartbeatInterval == 0 {
		o.HeartbeatInterval = 41250 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	o.RateLimits = o.RateLimits.withDefaults()
	return o
}

// Server is a fake Discord listening on a loopback port. It is safe for concurrent use; every
// accessor returns a copy of the state it reports.
type Server struct {
	// URL is the base URL of the fake, http://127.0.0.1:PORT without a trailing slash. REST
	// paths are served under URL+"/api/v9/" (and v10); it is what the bot's api_url should be.
	URL string

	opts    Options
	log     *slog.Logger
	hs      *httptest.Server
	ids     snowflakes
	limits  limiter
	gw      *gateway
	changed notifier
	routes  []*route

	mu           sync.Mutex // guards the fake's world and records: every field below
	closed       bool
	users        map[string]*User
	guilds       map[string]*guildState
	channels     map[string]*channelState
	messages     map[string]*message
	channelMsgs  map[string][]*message
	interactions map[string]*interaction // by interaction id
	tokens       map[string]*interaction // by interaction token
	commands     map[string][]*Command   // by guild id, "" for global commands
	calls        []Call
	count429     int
	faults       map[string]*fault // by route name
	// uploadRefusals are the channels whose uploads fail, with the error code (RefuseUploads).
	uploadRefusals map[string]int
	defaultUser    string
	files          map[string]*servedFile // attachment content by attachment id (files.go)
	fileFaults     map[string]*FileFault  // by attachment id, "" for all
	fetches        []FileFetch
}

// NewServer starts a fake Discord. The caller must Close it.
func NewServer(opts Options) *Server {
	s := &Server{
		users:          map[string]*User{},
		guilds:         map[string]*guildState{},
		channels:       map[string]*channelState{},
		messages:       map[string]*message{},
		channelMsgs:    map[string][]*message{},
		interactions:   map[string]*interaction{},
		tokens:         map[string]*interaction{},
		commands:       map[string][]*Command{},
		faults:         map[string]*fault{},
		uploadRefusals: map[string]int{},
		files:          map[string]*servedFile{},
		fileFaults:     map[string]*FileFault{},
	}
	s.opts = opts.withDefaults(&s.ids)
	s.log = s.opts.Logger.With("component", "discordtest")
	s.limits.buckets = map[string]*window{}
	s.gw = newGateway(s)
	s.routes = apiRoutes()

	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.serveAPI)
	mux.HandleFunc("/gw", s.gw.serveWS)
	mux.HandleFunc("/gw/", s.gw.serveWS)
	for _, p := range []string{"/attachments/", "/ephemeral-attachments/", "/media/"} {
		mux.HandleFunc(p, s.serveFile)
	}
	s.hs = httptest.NewUnstartedServer(mux)
	s.hs.Config.ErrorLog = slog.NewLogLogger(s.log.Handler(), slog.LevelDebug)
	// Discord serves its API over HTTP/2, where a burst of requests shares
	// one connection; without TLS the fake speaks it to clients that ask for
	// it with prior knowledge, and HTTP/1.1 (and the gateway's websocket
	// upgrade) to the others.
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	s.hs.Config.Protocols = &protocols
	s.hs.Start()
	s.URL = s.hs.URL
	return s
}

// Close closes every gateway connection abruptly, stops the server and waits for its goroutines.
// Sessions still connected will try to reconnect and fail; close them first for a quiet test.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()
	s.gw.close()
	s.hs.CloseClientConnections()
	s.hs.Close()
	s.changed.broadcast()
}

// BotToken returns the bot token the fake accepts (without the "Bot " prefix).
func (s *Server) BotToken() string { return s.opts.BotToken }

// AppID returns the application id.
func (s *Server) AppID() string { return s.opts.AppID }

// BotUserID returns the bot user's id.
func (s *Server) BotUserID() string { return s.opts.BotUserID }

// GatewayURL returns the websocket URL that GET /gateway announces.
func (s *Server) GatewayURL() string { return "ws" + s.URL[len("http"):] + "/gw" }

// HTTPClient returns a client whose transport sends requests for https://discord.com to the
// fake and refuses every other host.
func (s *Server) HTTPClient() *http.Client {
	target, _ := url.Parse(s.URL)
	return &http.Client{Timeout: 20 * time.Second, Transport: &RewriteTransport{Target: target}}
}

func (s *Server) now() time.Time { return s.opts.Now() }

// botUser returns the bot user object as Discord serialises it.
func (s *Server) botUser() map[string]any {
	return map[string]any{
		"id": s.opts.BotUserID, "username": s.opts.BotUsername, "discriminator": "0000",
		"global_name": nil, "avatar": nil, "bot": true, "public_flags": 0, "flags": 0,
	}
}
