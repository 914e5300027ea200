package discord

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
	"github.com/imaginebot/imaginebot/internal/frontend"
	"github.com/imaginebot/imaginebot/internal/imagefile"
	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/imagine/imaginetest"
)

// waitTimeout bounds every wait of these tests; nothing should come close.
const waitTimeout = 10 * time.Second

// envOptions configures a test environment; zero fields get test defaults.
type envOptions struct {
	fake     discordtest.Options
	mem      imaginetest.Options // the scripted backend; StepDelay defaults to 2ms
	cfg      Config              // Token and APIURL are set by newEnv
	noDMs    bool                // refuse DMs; the env allows them otherwise, as discord.allow_dms does by default
	perUser  int
	maxQueue int
	settings *imagine.Settings
	perGuild bool                      // register the commands in two guilds instead of globally
	prepare  func(*discordtest.Server) // runs before the adapter starts
	// backend wraps the scripted backend, e.g. to change what it reports.
	backend func(imagine.Backend) imagine.Backend
	// core wraps the core the adapter is given, e.g. to inject a fault.
	core func(frontend.Core) frontend.Core
	// store is the core's store; nil: a new MemoryStore.
	store imagine.Store
	daily int // imagine.Config.DailyImages
	// after, if set, is an env that stopped: the new one uses its fake
	// Discord (and channels) as a restarted bot would.
	after *env
	// clock, if set, is the clock of the fake and of the adapter.
	clock *testClock
}

// testClock is a clock that tests can move forward.
type testClock struct{ offset atomic.Int64 }

func (c *testClock) now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

// advance moves the clock forward by d.
func (c *testClock) advance(d time.Duration) { c.offset.Add(int64(d)) }

// env is a real adapter with a real discordgo session against the fake
// Discord, and a real core service running jobs on a scripted in-memory
// backend (imaginetest). The SD client and the simulated SD server are
// tested in their own packages and, with the adapters, in cmd/bot's
// end-to-end suite.
type env struct {
	t     *testing.T
	srv   *discordtest.Server
	mem   *imaginetest.Backend
	svc   *imagine.Service
	a     *Adapter
	guild discordtest.Guild
	ch    discordtest.Channel
	logs  *logBuffer
	// stop stops the adapter and the service (once) and returns how long
	// Run took to return.
	stop    func() time.Duration
	secrets *secrets
}

// secrets are the interaction tokens dispatched, which must never be logged.
type secrets struct {
	mu     sync.Mutex // guards tokens
	tokens []string
}

// sub returns the env for a subtest: its helpers fail t.
func (e *env) sub(t *testing.T) *env {
	c := *e
	c.t = t
	return &c
}

func testSettings() imagine.Settings {
	return imagine.Settings{
		Defaults: imagine.Defaults{Width: 64, Height: 64, Steps: 8, BatchSize: 1, Sampler: "Euler a", CFGScale: 7,
			HRUpscaler: "Latent", HRScale: 2, DenoisingStrength: 0.5},
		Limits: imagine.Limits{MaxWidth: 512, MaxHeight: 512, MaxSteps: 150, MaxBatch: 4, MaxPromptLength: 200},
		Styles: []imagine.Style{{Name: "anime", Prompt: "anime style, {prompt}"}, {Name: "photo", Prompt: "photo of {prompt}"}},
	}
}

// newEnv starts everything and waits until the commands are registered.
// Cleanup stops the adapter and the service (as cmd/bot does, with one
// context), then the fakes, and checks that no token was logged.
func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	fo := o.fake
	if fo.RateLimits.Webhooks.Limit == 0 {
		fo.RateLimits.Webhooks = discordtest.RateLimit{Limit: 1000, Window: time.Second}
	}
	if fo.RateLimits.ChannelMessages.Limit == 0 {
		fo.RateLimits.ChannelMessages = discordtest.RateLimit{Limit: 1000, Window: time.Second}
	}
	if fo.RateLimits.Global.Limit == 0 {
		fo.RateLimits.Global = discordtest.RateLimit{Limit: 1000, Window: time.Second}
	}
	if o.clock != nil {
		fo.Now = o.clock.now
	}
	var srv *discordtest.Server
	var guild discordtest.Guild
	var ch discordtest.Channel
	if o.after != nil {
		srv, guild, ch = o.after.srv, o.after.guild, o.after.ch
	} else {
		srv = discordtest.NewServer(fo)
		t.Cleanup(srv.Close)
		guild = srv.AddGuild(discordtest.Guild{Name: "test guild"})
		var err error
		if ch, err = srv.AddChannel(discordtest.Channel{GuildID: guild.ID, Name: "general"}); err != nil {
			t.Fatal(err)
		}
	}
	cfg := o.cfg
	if o.perGuild {
		cfg.GuildIDs = []string{guild.ID, srv.AddGuild(discordtest.Guild{Name: "second"}).ID}
	}

	mo := o.mem
	if mo.StepDelay == 0 {
		mo.StepDelay = 2 * time.Millisecond
	}
	mem := imaginetest.New(mo)
	settings := testSettings()
	if o.settings != nil {
		settings = *o.settings
	}
	if settings.CheckInput == nil { // as cmd/bot wires it
		settings.CheckInput = imagefile.InputChecker(settings.Limits.Input)
		settings.ImageHeader = imagefile.Header
	}
	if o.perUser == 0 {
		o.perUser = 3
	}
	if o.maxQueue == 0 {
		o.maxQueue = 50
	}
	var backend imagine.Backend = mem
	if o.backend != nil {
		backend = o.backend(backend)
	}
	logs := &logBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	svc := imagine.New(imagine.Config{Settings: settings, PerUser: o.perUser, MaxQueue: o.maxQueue,
		PositionRefresh: 50 * time.Millisecond, RetryDelays: []time.Duration{}, Logger: log, Store: o.store, DailyImages: o.daily},
		[]imagine.NamedBackend{{Name: "mem", Backend: backend}})

	cfg.Token, cfg.APIURL, cfg.Logger, cfg.AllowDMs = srv.BotToken(), srv.URL+"/", log, !o.noDMs
	if cfg.EditInterval == 0 {
		cfg.EditInterval = 20 * time.Millisecond
	}
	if cfg.ShutdownGrace == 0 {
		cfg.ShutdownGrace = 2 * time.Second
	}
	if cfg.TokenLifetime == 0 && fo.TokenLifetime != 0 {
		cfg.TokenLifetime = fo.TokenLifetime
	}
	if o.prepare != nil {
		o.prepare(srv)
	}
	var core frontend.Core = svc
	if o.core != nil {
		core = o.core(svc)
	}
	a, err := New(cfg, core)
	if err != nil {
		t.Fatal(err)
	}
	a.backoff = 2 * time.Millisecond
	svc.SetInputSource(imagine.Discord, a) // as cmd/bot wires it, before the service restores
	if o.clock != nil {
		a.now = o.clock.now
	}
	e := &env{t: t, srv: srv, mem: mem, svc: svc, a: a, guild: guild, ch: ch, logs: logs, secrets: &secrets{}}
	if o.after != nil {
		e.secrets = o.after.secrets
	}

	if o.after != nil {
		// The last bot's session is gone: wait for this one's.
		wctx, wcancel := context.WithTimeout(context.Background(), waitTimeout)
		defer wcancel()
		if err := srv.WaitFor(wctx, func() bool { return !srv.Connected() }); err != nil {
			t.Fatalf("the stopped bot is still connected: %v", err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	svcDone := make(chan struct{})
	go func() {
		defer close(svcDone)
		_ = svc.Run(ctx)
	}()
	runErr := make(chan error, 1)
	go func() { runErr <- a.Run(ctx) }()
	e.stop = sync.OnceValue(func() time.Duration {
		start := time.Now()
		cancel()
		err := <-runErr
		took := time.Since(start)
		<-svcDone
		if err != nil {
			t.Errorf("Run: %v", err)
		}
		return took
	})
	t.Cleanup(func() {
		e.stop()
		e.checkNoSecretsLogged()
		if t.Failed() {
			lines := strings.Split(e.logs.String(), "\n")
			t.Logf("last log lines:\n%s", strings.Join(lines[max(0, len(lines)-150):], "\n"))
		}
	})
	scopes := []string{""}
	if len(cfg.GuildIDs) > 0 {
		scopes = cfg.GuildIDs
	}
	wctx, wcancel := context.WithTimeout(context.Background(), waitTimeout)
	defer wcancel()
	err = srv.WaitFor(wctx, func() bool {
		return srv.Connected() && !slices.ContainsFunc(scopes, func(s string) bool { return len(srv.Commands(s)) == 0 })
	})
	if err != nil {
		select {
		case err := <-runErr:
			t.Fatalf("Run failed at start-up: %v", err)
		default:
			t.Fatalf("commands not registered: %v", err)
		}
	}
	return e
}

// checkNoSecretsLogged fails the test if the bot token or an interaction
// token appears in the logs.
func (e *env) checkNoSecretsLogged() {
	e.t.Helper()
	logs := e.logs.String()
	e.secrets.mu.Lock()
	defer e.secrets.mu.Unlock()
	for _, tok := range append([]string{e.srv.BotToken()}, e.secrets.tokens...) {
		if strings.Contains(logs, tok) {
			e.t.Errorf("a token appears in the logs: %.40s...", tok)
		}
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	t.Cleanup(cancel)
	return ctx
}

// interact dispatches an interaction in the env's channel unless the spec
// names one.
func (e *env) interact(spec discordtest.InteractSpec) *discordtest.Interaction {
	e.t.Helper()
	if spec.ChannelID == "" && spec.MessageID == "" {
		spec.ChannelID = e.ch.ID
	}
	it, err := e.srv.Interact(spec)
	if err != nil {
		e.t.Fatalf("Interact(%s %s): %v", spec.Name, spec.CustomID, err)
	}
	e.secrets.mu.Lock()
	e.secrets.tokens = append(e.secrets.tokens, it.Token)
	e.secrets.mu.Unlock()
	return it
}

// imagine dispatches /imagine for a user with a prompt and options.
func (e *env) imagine(user, prompt string, opts ...discordtest.Option) *discordtest.Interaction {
	e.t.Helper()
	return e.interact(discordtest.InteractSpec{Name: "imagine", UserID: user,
		Options: append([]discordtest.Option{{Name: "prompt", Value: prompt}}, opts...)})
}

// ack waits for the interaction's accepted acknowledgement.
func (e *env) ack(it *discordtest.Interaction) discordtest.Callback {
	e.t.Helper()
	cb, err := it.WaitAck(ctxT(e.t))
	if err != nil {
		e.t.Fatalf("no acknowledgement: %v (callbacks: %+v)", err, it.Callbacks())
	}
	return cb
}

// ephemeral waits for the acknowledgement and returns its text, failing
// unless it is an ephemeral type-4 reply.
func (e *env) ephemeral(it *discordtest.Interaction) string {
	e.t.Helper()
	cb := e.ack(it)
	var d struct {
		Content string `json:"content"`
		Flags   int    `json:"flags"`
	}
	_ = json.Unmarshal(cb.Data, &d)
	if cb.Type != discordtest.CallbackChannelMessage || d.Flags&discordtest.FlagEphemeral == 0 {
		e.t.Fatalf("got callback type %d flags %d (%s), want an ephemeral reply", cb.Type, d.Flags, cb.Data)
	}
	return d.Content
}
