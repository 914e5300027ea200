package telegram

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/imagefile"
	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/imagine/imaginetest"
	"github.com/imaginebot/imaginebot/internal/telegram/telegramtest"
)

// unit is the scaled second of the fake's flood limits in tests.
const unit = 20 * time.Millisecond

var (
	alice   = telegramtest.User{ID: 1001, FirstName: "Alice", Username: "alice", LanguageCode: "en"}
	bob     = telegramtest.User{ID: 1002, FirstName: "Bob", Username: "bob"}
	carol   = telegramtest.User{ID: 1003, FirstName: "小红", LanguageCode: "zh-hans"}
	admin   = telegramtest.User{ID: 1009, FirstName: "Ada", Username: "ada"}
	dm      = telegramtest.Chat{ID: alice.ID, Type: telegramtest.ChatPrivate}
	bobDM   = telegramtest.Chat{ID: bob.ID, Type: telegramtest.ChatPrivate}
	carolDM = telegramtest.Chat{ID: carol.ID, Type: telegramtest.ChatPrivate}
	group   = telegramtest.Chat{ID: -100500, Type: telegramtest.ChatSupergroup, Title: "Artists"}
	forum   = telegramtest.Chat{ID: -100600, Type: telegramtest.ChatSupergroup, Title: "Forum", IsForum: true}
	botTag  = "@" + telegramtest.DefaultBotUsername
)

// testLimits mirrors telegramtest.ScaledLimits(u) for the adapter, with a
// wider per-chat interval so that loopback jitter does not cause 429s.
func testLimits(u time.Duration) Limits {
	return Limits{ChatInterval: u + u/2, GroupMax: 20, GroupWindow: 60 * u, GlobalMax: 30, GlobalWindow: u, RetryAfterUnit: u}
}

func testSettings() imagine.Settings {
	return imagine.Settings{
		Defaults: imagine.Defaults{Width: 64, Height: 64, Steps: 8, BatchSize: 1, CFGScale: 7, HRScale: 2, HRUpscaler: "Latent", DenoisingStrength: 0.5},
		Limits:   imagine.Limits{MaxWidth: 2048, MaxHeight: 2048, MaxSteps: 80, MaxBatch: 4, MaxPromptLength: 300},
		Styles:   []imagine.Style{{Name: "anime", Prompt: "anime style, {prompt}"}},
	}
}

// options tweak a harness.
type options struct {
	fake      telegramtest.Options
	backend   imaginetest.Options // steps take 2ms unless set
	svc       imagine.Config
	cfg       Config
	noLimits  bool // the adapter ignores flood limits (to provoke 429s)
	noPrivate bool // private chats are off (telegram.allow_private: false)
	quiet     bool // log at info level only
	// settings changes the test settings (limits, image defaults) before
	// the input checker is built from them.
	settings func(*imagine.Settings)
}

// harness runs the adapter against the fake Bot API and a scripted
// in-memory backend, with the real core in between. The full stack through
// the SD simulator and client is tested end to end in cmd/bot.
type harness struct {
	t    *testing.T
	tg   *telegramtest.Server
	be   *imaginetest.Backend
	svc  *imagine.Service
	a    *Adapter
	logs *syncBuffer

	svcCfg imagine.Config // to build the service again, on the same store
	cfg    Config         // to build the adapter again

	stopSvc context.CancelFunc
	stopBot context.CancelFunc
	runErr  chan error
	svcEnd  chan struct{}
}

func newHarness(t *testing.T, o options) *harness {
	t.Helper()
	if o.fake.Limits == (telegramtest.Limits{}) {
		o.fake.Limits = telegramtest.ScaledLimits(unit)
	}
	tg := telegramtest.NewServer(o.fake)
	if o.backend.StepDelay == 0 && !o.backend.Manual {
		o.backend.StepDelay = 2 * time.Millisecond
	}
	be := imaginetest.New(o.backend)
	sc := o.svc
	sc.Settings = testSettings()
	if o.settings != nil {
		o.settings(&sc.Settings)
	}
	sc.Settings.CheckInput = imagefile.InputChecker(sc.Settings.Limits.Input) // as cmd/bot wires it
	if sc.PerUser == 0 {
		sc.PerUser = 3
	}
	if sc.MaxQueue == 0 {
		sc.MaxQueue = 50
	}
	if sc.PositionRefresh == 0 {
		sc.PositionRefresh = 50 * time.Millisecond
	}
	if sc.Store == nil {
		sc.Store = imagine.NewMemoryStore() // kept across restart
	}
	if sc.RetryDelays == nil {
		sc.RetryDelays = []time.Duration{10 * time.Millisecond}
	}

	logs := &syncBuffer{}
	cfg := o.cfg
	cfg.Token = tg.Token()
	if cfg.APIURL == "" {
		cfg.APIURL = tg.URL + "/" // a trailing slash must not matter
	}
	if cfg.EditInterval == 0 {
		cfg.EditInterval = 2 * unit
	}
	if cfg.Limits == (Limits{}) && o.fake.Limits == telegramtest.ScaledLimits(unit) {
		cfg.Limits = testLimits(unit)
	}
	cfg.AllowPrivate = !o.noPrivate // as telegram.allow_private's default
	if o.noLimits {
		cfg.Limits = Limits{ChatInterval: time.Nanosecond, GroupMax: 1 << 20, GroupWindow: time.Nanosecond, GlobalMax: 1 << 20, GlobalWindow: time.Nanosecond, RetryAfterUnit: unit}
	}
	if cfg.ShutdownGrace == 0 {
		cfg.ShutdownGrace = 3 * time.Second
	}
	if cfg.AdminUserIDs == nil {
		cfg.AdminUserIDs = []int64{admin.ID}
	}
	level := slog.LevelDebug
	if o.quiet {
		level = slog.LevelInfo
	}
	cfg.Logger = slog.New(slog.NewTextHandler(io.MultiWriter(logs, t.Output()), &slog.HandlerOptions{Level: level}))
	h := &harness{t: t, tg: tg, be: be, logs: logs, svcCfg: sc, cfg: cfg}
	h.startService()
	h.startAdapter()
	t.Cleanup(func() {
		h.stop()
		tg.Close()
		if strings.Contains(logs.String(), tg.Token()) {
			t.Errorf("the logs contain the bot token")
		}
	})
	return h
}

// startService builds and runs a new service with the harness's config
// (and so its store) on its backend.
func (h *harness) startService() {
	h.svc = imagine.New(h.svcCfg, []imagine.NamedBackend{{Name: "mem", Backend: h.be}})
	h.runService()
}

// runService runs the harness's service until stop.
func (h *harness) runService() {
	svcCtx, stopSvc := context.WithCancel(context.Background())
	h.stopSvc, h.svcEnd = stopSvc, make(chan struct{})
	svc, end := h.svc, h.svcEnd
	go func() { svc.Run(svcCtx); close(end) }()
}

// startAdapter builds and runs a new adapter on the harness's service,
// and waits until it is connected (it registers its commands just before
// it polls), so that tests start from a running bot.
func (h *harness) startAdapter() {
	h.t.Helper()
	a, err := New(h.cfg, h.svc)
	if err != nil {
		h.t.Fatalf("New: %v", err)
	}
	h.runAdapter(a)
}

// runAdapter runs a, as startAdapter does.
func (h *harness) runAdapter(a *Adapter) {
	h.t.Helper()
	before := len(h.tg.CallsTo("setMyCommands"))
	botCtx, stopBot := context.WithCancel(context.Background())
	h.a, h.stopBot, h.runErr = a, stopBot, make(chan error, 1)
	runErr := h.runErr
	go func() { runErr <- a.Run(botCtx) }()
	h.waitFor("setMyCommands", func() bool { return len(h.tg.CallsTo("setMyCommands")) == before+len(commandLanguages) })
}

// startAsBot starts a new service and adapter as cmd/bot does: the
// adapter is built first and is the service's source of pictures
// (imagine.InputSource) when the service restores the stored jobs.
func (h *harness) startAsBot() {
	h.t.Helper()
	h.svc = imagine.New(h.svcCfg, []imagine.NamedBackend{{Name: "mem", Backend: h.be}})
	a, err := New(h.cfg, h.svc)
	if err != nil {
		h.t.Fatalf("New: %v", err)
	}
	h.svc.SetInputSource(imagine.Telegram, a)
	h.runService()
	h.runAdapter(a)
}

// restart stops the adapter and the service as cmd/bot does, then starts
// a new service on the same store and a new adapter, as a new process
// would.
func (h *harness) restart() {
	h.t.Helper()
	h.stop()
	h.startService()
	h.startAdapter()
}

// stop cancels the adapter and the service together, as cmd/bot does, and
// waits for both; it returns how long Run took to return and its error.
func (h *harness) stop() (time.Duration, error) {
	h.stopSvc()
	took, err := h.stopAdapter()
	<-h.svcEnd
	return took, err
}

// stopAdapter cancels only the adapter and waits for Run; it returns how
// long Run took to return and its error.
func (h *harness) stopAdapter() (time.Duration, error) {
	start := time.Now()
	h.stopBot()
	var err error
	select {
	case err = <-h.runErr:
		h.runErr <- err // for a second stop
	case <-time.After(15 * time.Second):
		h.t.Fatal("Run did not return 15s after its context ended")
	}
	return time.Since(start), err
}

// release lets every job run all its steps from now on, for a harness
// whose backend has Manual steps: those hold every job before its first
// step, so that a test can see its status message before the result.
func (h *harness) release() { h.be.Advance(math.MaxInt32) }

// running lets the running job take one step, for a harness whose backend
// has Manual steps, and waits for the status message of command id to show
// it: the job then stays running until the test lets it go on.
func (h *harness) running(chat int64, id int) telegramtest.Message {
	h.t.Helper()
	h.be.Advance(1)
	return h.waitStatus("the job running", chat, id, func(m telegramtest.Message) bool { return strings.Contains(text(m), "step") })
}

// waitFor waits until cond holds, failing the test after 15s.
func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := h.tg.WaitFor(ctx, cond); err != nil {
		h.t.Fatalf("waiting for %s: %v", what, err)
	}
}

// replies returns the bot's messages in chat that reply to message id.
func (h *harness) replies(chat int64, id int) []telegramtest.Message {
	var out []telegramtest.Message
	for _, m := range h.tg.Messages(chat) {
		if m.From.IsBot && m.ReplyTo == id {
			out = append(out, m)
		}
	}
	return out
}

// status returns the bot's first reply to message id (its status message).
func (h *harness) status(chat int64, id int) (telegramtest.Message, bool) {
	if r := h.replies(chat, id); len(r) > 0 {
		return r[0], true
	}
	return telegramtest.Message{}, false
}

// waitStatus waits for the bot's reply to message id to satisfy cond.
func (h *harness) waitStatus(what string, chat int64, id int, cond func(m telegramtest.Message) bool) telegramtest.Message {
	h.t.Helper()
	var got telegramtest.Message
	h.waitFor(what, func() bool {
		m, ok := h.status(chat, id)
		got = m
		return ok && cond(m)
	})
	return got
}

// waitDone waits for the status message of command id to show a result.
func (h *harness) waitDone(chat int64, id int) telegramtest.Message {
	h.t.Helper()
	return h.waitStatus("the result", chat, id, isResult)
}

func isResult(m telegramtest.Message) bool {
	return (m.Photo != nil || m.Document != nil) && strings.Contains(m.Caption, "Seed")
}

// text returns what a message shows: its text or caption.
func text(m telegramtest.Message) string { return m.Text + m.Caption }

// callbackData returns the data of the first button whose data starts with prefix.
func callbackData(m telegramtest.Message, prefix string) string {
	for _, row := range m.Keyboard {
		for _, b := range row {
			if strings.HasPrefix(b.CallbackData, prefix) {
				return b.CallbackData
			}
		}
	}
	return ""
}

// answered waits for the callback query's accepted answer.
func (h *harness) answered(queryID string) telegramtest.CallbackAnswer {
	h.t.Helper()
	if queryID == "" {
		h.t.Fatal("the click found no such button on the message (Click returned no query)")
	}
	var got telegramtest.CallbackAnswer
	h.waitFor("the callback answer", func() bool {
		for _, a := range h.tg.CallbackAnswers(queryID) {
			if a.Error == "" {
				got = a
				return true
			}
		}
		return false
	})
	return got
}

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
