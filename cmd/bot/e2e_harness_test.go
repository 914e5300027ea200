package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/comfysim"
	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
	"github.com/imaginebot/imaginebot/internal/sdsim"
	"github.com/imaginebot/imaginebot/internal/telegram/telegramtest"
)

// The secrets the bot gets through ${VAR}: each must reach its service and
// never the log. The password has characters that URL escaping changes.
const (
	e2eTelegramToken = "7351:E2E-tg-SECRET-b9f3Qx"
	e2eDiscordToken  = "E2E-dc-SECRET.Zq81.token"
	e2eSDUser        = "e2e-sd-user"
	e2eSDPassword    = "E2E sd/SECRET+pw=&?"
)

// e2eEnv is the environment run reads the secrets from.
func e2eEnv(key string) string {
	return map[string]string{
		"TELEGRAM_TOKEN": e2eTelegramToken,
		"DISCORD_TOKEN":  e2eDiscordToken,
		"SD_PASSWORD":    e2eSDPassword,
	}[key]
}

// e2eWait bounds every wait for the bot: nothing should come close.
const e2eWait = 25 * time.Second

// e2eAdminTG is the Telegram admin of every bot under test.
var e2eAdminTG = telegramtest.User{ID: 9001, FirstName: "Ada", Username: "ada", LanguageCode: "en"}

// e2eOptions configure one bot under test; the zero value runs the Telegram
// adapter only, with a fast simulated SD server that is up.
type e2eOptions struct {
	discord    bool // run the Discord adapter too, against a fake Discord
	noTelegram bool // leave the Telegram adapter off
	sim        sdsim.Options
	sdDown     bool          // no SD server listens when the bot starts
	sdTimeout  time.Duration // sd.timeout; default 20s
	shutdown   time.Duration // shutdown_timeout; default 5s
	// proxies puts a dropProxy between the bot and each chat platform.
	proxies bool
	// store is store.path; empty leaves the default, imaginebot.db next
	// to the config file.
	store string
	// child runs the bot as a child process (the test binary itself, see
	// TestMain), which a test can kill and start again.
	child bool
	// moreSD adds this many simulated SD servers, each a backend of its
	// own (sd.backends: sd0 is b.sd, or with comfy the ComfyUI backend,
	// then b.moreSD[i] is sd(i+1)).
	moreSD int
	// rotateModels gives server i the simulator's default models rotated
	// by i, so that each has another one loaded at start.
	rotateModels bool
	// comfy, when set, runs the bot on one kind: comfyui backend against a
	// simulated ComfyUI instead of the A1111 simulator.
	comfy *comfysim.Options
}

// e2eBot is the real program, started through run with a YAML config that
// points at the fakes, and the fakes it talks to.
type e2eBot struct {
	t       *testing.T
	sd      *sdServer            // nil with e2eOptions.comfy
	moreSD  []*sdServer          // with e2eOptions.moreSD
	comfy   *comfysim.Sim        // with e2eOptions.comfy
	tg      *telegramtest.Server // nil without Telegram
	dc      *discordtest.Server  // nil without Discord
	guild   discordtest.Guild
	channel discordtest.Channel
	dcAdmin string     // the Discord admin's user id
	tgProxy *dropProxy // with e2eOptions.proxies
	dcProxy *dropProxy
	logs    *syncBuffer
	stdout  *syncBuffer
	opsURL  string // http://host:port of /healthz and /metrics

	cancel context.CancelFunc
	done   chan error // run's result
	stop   func() error
	config string    // the config file's path
	proc   *childBot // with e2eOptions.child: the running child process
	// With e2eOptions.child: the earlier processes' logs, and what the
	// fakes had seen before the current process started.
	pastLogs     syncBuffer
	tgMenus      int
	dcIdentifies int

	mu       sync.Mutex // guards nextUser and requests
	nextUser int64
	requests []request
}

// startBot starts the fakes and the bot and waits until every enabled
// platform is connected. Cleanup stops the bot (run must return nil in
// time), then the fakes, and reports the log of a failed test.
func startBot(t *testing.T, o e2eOptions) *e2eBot {
	t.Helper()
	if o.sim.StepDelay == 0 {
		o.sim.StepDelay = 2 * time.Millisecond
	}
	o.sim.Username, o.sim.Password = e2eSDUser, e2eSDPassword
	if o.sdTimeout == 0 {
		o.sdTimeout = 20 * time.Second
	}
	if o.shutdown == 0 {
		o.shutdown = 5 * time.Second
	}
	b := &e2eBot{t: t, logs: &syncBuffer{}, stdout: &syncBuffer{}, done: make(chan error, 1), nextUser: 5000}
	var cfg string
	if o.comfy != nil {
		cfg = b.startComfy(*o.comfy, o.sdTimeout)
		cfg += b.startMoreSD(o) // A1111 simulators join the ComfyUI backend
	} else {
		first := o.sim
		if o.rotateModels {
			first.Models = sdsimModels
		}
		b.sd = newSDServer(t, first, !o.sdDown)
		servers := fmt.Sprintf("  url: %s\n  username: %s\n  password: ${SD_PASSWORD}\n", b.sd.URL(), e2eSDUser)
		if o.moreSD > 0 {
			servers = "  backends:\n" + sdBackendLine(0, b.sd.URL()) + b.startMoreSD(o)
		}
		cfg = fmt.Sprintf(`sd:
%s  poll_interval: 20ms
  timeout: %s
`, servers, o.sdTimeout)
	}
	cfg += fmt.Sprintf(`defaults:
  width: 64
  height: 64
  steps: 8
queue:
  per_user: 3
  max: 100
shutdown_timeout: %s
http:
  listen: 127.0.0.1:0
log:
  level: debug
  format: json
`, o.shutdown)
	if o.store != "" {
		cfg += fmt.Sprintf("store:\n  path: %q\n", o.store)
	}
	if !o.noTelegram {
		b.tg = telegramtest.NewServer(telegramtest.Options{Token: e2eTelegramToken})
		t.Cleanup(b.tg.Close)
		apiURL := b.tg.URL
		if o.proxies {
			b.tgProxy = newDropProxy(t, b.tg.URL)
			apiURL = b.tgProxy.URL
		}
		cfg += fmt.Sprintf(`telegram:
  token: ${TELEGRAM_TOKEN}
  api_url: %s
  admin_user_ids: [%d]
  edit_interval: 50ms
`, apiURL, e2eAdminTG.ID)
	}
	if o.discord {
		b.dc = discordtest.NewServer(discordtest.Options{BotToken: e2eDiscordToken})
		t.Cleanup(b.dc.Close)
		b.guild = b.dc.AddGuild(discordtest.Guild{Name: "e2e"})
		var err error
		if b.channel, err = b.dc.AddChannel(discordtest.Channel{GuildID: b.guild.ID, Name: "general"}); err != nil {
			t.Fatal(err)
		}
		admin, err := b.dc.AddMember(b.guild.ID, discordtest.Member{User: discordtest.User{ID: "900100", Username: "ada"}})
		if err != nil {
			t.Fatal(err)
		}
		b.dcAdmin = admin.User.ID
		apiURL := b.dc.URL
		if o.proxies {
			b.dcProxy = newDropProxy(t, b.dc.URL)
			apiURL = b.dcProxy.URL
		}
		cfg += fmt.Sprintf(`discord:
  token: ${DISCORD_TOKEN}
  api_url: %s
  guild_ids: ["%s"]
  admin_user_ids: ["%s"]
  edit_interval: 50ms
`, apiURL, b.guild.ID, b.dcAdmin)
	}
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	b.config = path
	if o.child {
		b.startChild()
		return b
	}

	ctx, cancel := context.WithCancel(context.Background())
	b.cancel = cancel
	go func() { b.done <- run(ctx, []string{"-config", path}, e2eEnv, b.stdout, b.logs) }()
	b.stop = sync.OnceValue(func() error {
		cancel()
		select {
		case err := <-b.done:
			return err
		case <-time.After(o.shutdown + 15*time.Second):
			t.Errorf("run did not return %s after its context ended", o.shutdown+15*time.Second)
			return nil
		}
	})
	// Registered after the fakes' Close, so it runs before them.
	t.Cleanup(func() {
		if err := b.stop(); err != nil {
			t.Errorf("run returned %v, want nil after its context ended", err)
		}
		if out := b.stdout.String(); out != "" {
			t.Errorf("run wrote to stdout: %q", out)
		}
		if t.Failed() {
			t.Logf("bot log (last 60 lines):\n%s", b.tail(60))
		}
	})
	b.waitUp()
	return b
}

// startMoreSD starts the o.moreSD extra simulated SD servers (each with
// the models rotated by its place, with o.rotateModels) and returns their
// entries of sd.backends, named sd1, sd2, ….
func (b *e2eBot) startMoreSD(o e2eOptions) string {
	var entries string
	for i := range o.moreSD {
		opts := o.sim
		if o.rotateModels {
			opts.Models = rotated(sdsimModels, i+1)
		}
		more := newSDServer(b.t, opts, true)
		b.moreSD = append(b.moreSD, more)
		entries += sdBackendLine(i+1, more.URL())
	}
	return entries
}

// sdBackendLine is the sd.backends entry sdN for an A1111 server at url.
func sdBackendLine(n int, url string) string {
	return fmt.Sprintf("    - {name: sd%d, url: %q, username: %s, password: \"${SD_PASSWORD}\"}\n", n, url, e2eSDUser)
}

// waitUp waits until the ops server listens and every enabled platform is
// connected: Telegram has registered its command menus, Discord its guild
// commands on a live gateway session.
func (b *e2eBot) waitUp() {
	b.t.Helper()
	deadline := time.Now().Add(e2eWait)
	for b.opsURL == "" {
		for _, l := range b.logLines() {
			if l["msg"] == "serving /healthz and /metrics" {
				b.opsURL = fmt.Sprint("http://", l["addr"])
			}
		}
		select {
		case err := <-b.done:
			b.done <- err
			b.t.Fatalf("run returned %v before the bot was up; log:\n%s", err, b.tail(30))
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("the ops server never started; log:\n%s", b.tail(30))
		}
	}
	if b.tg != nil {
		b.waitTG("the Telegram command menus", func() bool { return len(b.tg.CallsTo("setMyCommands")) >= b.tgMenus+2 })
	}
	if b.dc != nil {
		b.waitDC("the Discord commands", func() bool {
			return b.dc.Connected() && len(b.dc.Commands(b.guild.ID)) > 0 && b.dc.GatewayStats().Identifies > b.dcIdentifies
		})
	}
}

// waitTG waits until cond holds on the fake Telegram.
func (b *e2eBot) waitTG(what string, cond func() bool) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), e2eWait)
	defer cancel()
	if err := b.tg.WaitFor(ctx, cond); err != nil {
		b.t.Fatalf("waiting for %s: %v", what, err)
	}
}

// waitDC waits until cond holds on the fake Discord.
func (b *e2eBot) waitDC(what string, cond func() bool) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), e2eWait)
	defer cancel()
	if err := b.dc.WaitFor(ctx, cond); err != nil {
		b.t.Fatalf("waiting for %s: %v", what, err)
	}
}

// eventually polls cond every few milliseconds, for state no fake reports
// changes of (the SD server's records, /healthz, the proxies); the log has
// waitLog.
func (b *e2eBot) eventually(what string, cond func() bool) {
	b.t.Helper()
	deadline := time.Now().Add(e2eWait)
	for !cond() {
		if time.Now().After(deadline) {
			b.t.Fatalf("waiting for %s: timed out", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// opsClient reaches the bot's /healthz and /metrics; it keeps no idle
// connections, which would outlive the test.
var opsClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}

// get fetches path from the bot's ops server and returns the status and
// body.
func (b *e2eBot) get(path string) (int, string) {
	b.t.Helper()
	resp, err := opsClient.Get(b.opsURL + path)
	if err != nil {
		b.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatalf("GET %s: %v", path, err)
	}
	return resp.StatusCode, string(body)
}

// newUserID returns a user id no other request of this bot used.
func (b *e2eBot) newUserID() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.nextUser++
	return b.nextUser
}
