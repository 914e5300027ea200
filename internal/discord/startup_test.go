package discord

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

func testCommandsPerGuild(t *testing.T, e *env) {
	// The strict Discord has no GET /users/@me, as some proxies: the
	// adapter started anyway.
	e.logs.waitLine(t, "could not check the token before connecting")
	if got := e.srv.Commands(""); len(got) != 0 {
		t.Errorf("%d global commands, want none", len(got))
	}
	for _, g := range e.a.cfg.GuildIDs {
		checkCommands(t, e.srv.Commands(g))
	}
}

func checkCommands(t *testing.T, cmds []discordtest.Command) {
	t.Helper()
	byName := map[string]discordtest.Command{}
	for _, c := range cmds {
		byName[c.Name] = c
		if c.Type == discordtest.CommandMessage {
			// A context-menu command: no description, a translated name.
			if c.Name != cmdFromImage || c.NameLocalizations["zh-CN"] != texts.FromImage.ZH || !slices.Equal(c.Contexts, []int{0, 1, 2}) {
				t.Errorf("message command %q, localized %v, contexts %v", c.Name, c.NameLocalizations, c.Contexts)
			}
			continue
		}
		if c.DescriptionLocalizations["zh-CN"] == "" || c.NameLocalizations["zh-CN"] != c.Name {
			t.Errorf("/%s lacks zh-CN localizations: %v %v", c.Name, c.NameLocalizations, c.DescriptionLocalizations)
		}
		for _, o := range c.Options {
			if o.DescriptionLocalizations["zh-CN"] == "" || o.DescriptionLocalizations["zh-CN"] == o.Description {
				t.Errorf("/%s %s has no Chinese description", c.Name, o.Name)
			}
		}
	}
	if len(byName) != 7 || byName[cmdFromImage].Type != discordtest.CommandMessage || byName["imagine"].Name == "" || byName["model"].Name == "" || byName["queue"].Name == "" ||
		byName["help"].Name == "" || byName["settings"].Name == "" || byName["history"].Name == "" {
		t.Fatalf("commands = %v, want imagine, model, queue, help, settings, history and the message command", slices.Collect(func(yield func(string) bool) {
			for n := range byName {
				yield(n)
			}
		}))
	}
	im := byName["imagine"]
	opts := map[string]discordtest.CommandOption{}
	var names []string
	for _, o := range im.Options {
		opts[o.Name] = o
		names = append(names, o.Name)
	}
	if want := []string{"prompt", "negative", "aspect", "steps", "seed", "style", "count", "hires", "model", "sampler", "scheduler", "lora", "cfg", "image", "strength"}; !slices.Equal(names, want) {
		t.Errorf("/imagine options = %v, want %v", names, want)
	}
	if p := opts["prompt"]; !p.Required || p.MaxLength == nil || *p.MaxLength != 200 {
		t.Errorf("prompt = %+v, want required with max_length 200", p)
	}
	if s := opts["steps"]; s.MinValue == nil || *s.MinValue != 1 || s.MaxValue == nil || *s.MaxValue != 150 {
		t.Errorf("steps bounds = %v..%v, want 1..150", s.MinValue, s.MaxValue)
	}
	if s := opts["seed"]; s.MinValue == nil || *s.MinValue != -1 {
		t.Errorf("seed min = %v, want -1", s.MinValue)
	}
	if s := opts["strength"]; s.Type != discordtest.OptionNumber || s.MinValue == nil || *s.MinValue != 0 || s.MaxValue == nil || *s.MaxValue != 1 {
		t.Errorf("strength = %+v, want a number from 0 to 1", s)
	}
	if i := opts["image"]; i.Type != discordtest.OptionAttachment || i.Required {
		t.Errorf("image = %+v, want an optional attachment", i)
	}
	if c := opts["count"]; c.MaxValue == nil || *c.MaxValue != 4 {
		t.Errorf("count max = %v, want 4", c.MaxValue)
	}
	if st := opts["style"]; len(st.Choices) != 2 || st.Choices[0].Value != "anime" {
		t.Errorf("style choices = %+v, want the configured styles", st.Choices)
	}
	if a := opts["aspect"]; len(a.Choices) != len(aspectChoices) {
		t.Errorf("aspect choices = %+v", a.Choices)
	}
	if !slices.Equal(im.Contexts, []int{0, 1, 2}) || !slices.Equal(im.IntegrationTypes, []int{0, 1}) {
		t.Errorf("/imagine contexts %v integration types %v, want everywhere and both installs", im.Contexts, im.IntegrationTypes)
	}
	checkSettingsCommand(t, byName["settings"])
	m := byName["model"]
	if m.DefaultMemberPermissions == nil || *m.DefaultMemberPermissions != "32" || !slices.Equal(m.Contexts, []int{0}) {
		t.Errorf("/model permissions %v contexts %v, want Manage Server (32), guilds only", m.DefaultMemberPermissions, m.Contexts)
	}
	if len(m.Options) != 1 || !m.Options[0].Autocomplete || m.Options[0].Required {
		t.Errorf("/model options = %+v, want one optional autocomplete option", m.Options)
	}
}

func TestCommandsWithoutStylesOrBatches(t *testing.T) {
	s := testSettings()
	s.Styles, s.Limits.MaxBatch = nil, 1
	for _, o := range imagineOptions(s) {
		if o.Name == optStyle || o.Name == optCount {
			t.Errorf("option %s offered without styles or batches", o.Name)
		}
	}
	for i := range 30 {
		s.Styles = append(s.Styles, imagine.Style{Name: "s" + string(rune('a'+i%26)) + string(rune('0'+i/26)), Prompt: "{prompt}"})
	}
	for _, o := range imagineOptions(s) {
		if o.Name == optStyle && (!o.Autocomplete || len(o.Choices) != 0) {
			t.Errorf("30 styles: option %+v, want autocomplete instead of choices", o)
		}
	}
}

func checkSettingsCommand(t *testing.T, c discordtest.Command) {
	t.Helper()
	opts := map[string]discordtest.CommandOption{}
	var names []string
	for _, o := range c.Options {
		opts[o.Name] = o
		names = append(names, o.Name)
		if o.Required {
			t.Errorf("/settings %s is required; every setting is optional", o.Name)
		}
	}
	if want := []string{"aspect", "size", "steps", "style", "negative", "hires", "language", "reset"}; !slices.Equal(names, want) {
		t.Errorf("/settings options = %v, want %v", names, want)
	}
	values := func(o discordtest.CommandOption) []any {
		var out []any
		for _, c := range o.Choices {
			out = append(out, c.Value)
		}
		return out
	}
	for name, want := range map[string][]any{
		"aspect":   {"1:1", "3:2", "2:3", "16:9", "9:16", "default"},
		"style":    {"anime", "photo", "default"},
		"hires":    {"on", "off", "default"},
		"language": {"en", "zh", "auto"},
	} {
		if got := values(opts[name]); !slices.Equal(got, want) {
			t.Errorf("/settings %s choices = %v, want %v", name, got, want)
		}
	}
	if s := opts["steps"]; s.Type != discordtest.OptionInteger || s.MinValue == nil || *s.MinValue != 0 || s.MaxValue == nil || *s.MaxValue != 150 {
		t.Errorf("/settings steps = %+v, want an integer 0..150", s)
	}
	if r := opts["reset"]; r.Type != discordtest.OptionBoolean {
		t.Errorf("/settings reset = %+v, want a boolean", r)
	}
	if !slices.Equal(c.Contexts, []int{0, 1, 2}) || !slices.Equal(c.IntegrationTypes, []int{0, 1}) {
		t.Errorf("/settings contexts %v integration types %v, want everywhere and both installs", c.Contexts, c.IntegrationTypes)
	}
}

// newService returns a service without backends, for tests that never
// run a job.
func newService(*testing.T) *imagine.Service {
	return imagine.New(imagine.Config{Settings: testSettings(), PerUser: 1, MaxQueue: 1}, nil)
}

func TestStartFailures(t *testing.T) {
	t.Parallel()
	srv := discordtest.NewServer(discordtest.Options{BotToken: "right"})
	t.Cleanup(srv.Close)

	silent := silentGateway(t)
	closedPort := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		return "http://" + addr
	}()

	tests := []struct {
		name, url, token string
		want             string
		is               error
	}{
		{"wrong token", srv.URL, "wrong", "bot token was refused", errTokenRefused},
		{"no READY", silent.URL, "any", "no READY from the gateway within 300ms", nil},
		{"unreachable", closedPort, "any", "cannot reach " + closedPort, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, err := New(Config{Token: tt.token, APIURL: tt.url, ReadyTimeout: 300 * time.Millisecond}, newService(t))
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			err = a.Run(ctxT(t))
			if err == nil || !strings.Contains(err.Error(), tt.want) || (tt.is != nil && !errors.Is(err, tt.is)) {
				t.Errorf("Run = %v, want %q", err, tt.want)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("Run took %s to fail", d)
			}
			if err != nil && strings.Contains(err.Error(), tt.token) && tt.token != "any" {
				t.Errorf("the error shows the token: %v", err)
			}
			if err := a.Run(context.Background()); err == nil {
				t.Errorf("a second Run succeeded")
			}
		})
	}
}

// silentGateway is a Discord whose gateway says HELLO and never READY.
func silentGateway(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v9/users/@me":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"id":"1","username":"bot"}`))
		case "/api/v9/gateway":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"url":"ws://` + r.Host + `/gw"}`))
		default:
			up := websocket.Upgrader{}
			c, err := up.Upgrade(w, r, nil)
			if err != nil {
				return
			}
			defer c.Close()
			_ = c.WriteJSON(map[string]any{"op": 10, "d": map[string]any{"heartbeat_interval": 45000}})
			for {
				if _, _, err := c.ReadMessage(); err != nil {
					return
				}
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestRunCancelledWhileConnecting(t *testing.T) {
	t.Parallel()
	a, err := New(Config{Token: "x", APIURL: silentGateway(t).URL, ReadyTimeout: time.Minute}, newService(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = a.Run(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Run = %v, want the context's error", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Run took %s to give up", d)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	srv := discordtest.NewServer(discordtest.Options{BotToken: "right", BotUsername: "drawbot"})
	t.Cleanup(srv.Close)
	name, err := Check(ctxT(t), Config{Token: "Bot right", APIURL: srv.URL + "/"})
	if err != nil || name != "drawbot" {
		t.Errorf("Check = %q, %v; want drawbot", name, err)
	}
	if _, err := Check(ctxT(t), Config{Token: "wrong", APIURL: srv.URL}); !errors.Is(err, errTokenRefused) {
		t.Errorf("Check with a wrong token = %v, want the token refused", err)
	}
	if len(srv.CallsTo(discordtest.RouteGetGateway)) != 0 {
		t.Errorf("Check opened the gateway")
	}
}

func TestNewValidates(t *testing.T) {
	svc := newService(t)
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"ok", Config{Token: "x"}, ""},
		{"empty token", Config{Token: "Bot "}, "token is empty"},
		{"bad url", Config{Token: "x", APIURL: "discord.com"}, "api url"},
		{"url with query", Config{Token: "x", APIURL: "https://proxy/?a=b"}, "api url"},
		{"negative interval", Config{Token: "x", EditInterval: -time.Second}, "edit interval"},
		{"bad admin id", Config{Token: "x", AdminUserIDs: []string{"alice"}}, `admin user id "alice"`},
		{"bad guild id", Config{Token: "x", GuildIDs: []string{"12a"}}, `guild id "12a"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg, svc)
			if (err == nil) != (tt.want == "") || (err != nil && !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("New = %v, want %q", err, tt.want)
			}
		})
	}
	if _, err := New(Config{Token: "x"}, nil); err == nil {
		t.Errorf("New without a service succeeded")
	}
	a, _ := New(Config{Token: "x"}, svc)
	if err := a.Healthy(context.Background()); err == nil {
		t.Errorf("Healthy before Run = nil, want an error")
	}
}

func testShutdown(t *testing.T, e *env) {
	it, _ := e.hangingJob("1301")
	took := e.stop()
	if took > 3*time.Second {
		t.Errorf("Run took %s to return after the context ended", took)
	}
	if err := e.a.Healthy(context.Background()); err == nil || !strings.Contains(err.Error(), "stopped") {
		t.Errorf("Healthy after Run = %v, want stopped", err)
	}
	// The service failed the running job as it stopped; the adapter
	// delivered that within the grace period.
	m, _ := it.Original()
	if !strings.HasPrefix(m.Content, "Failed: ") || !strings.Contains(m.Content, "restart") {
		t.Errorf("after shutdown the message shows:\n%s", describe(m))
	}
	// Nothing reaches Discord after Run returned.
	n := len(e.srv.Calls())
	if _, err := e.a.rest.postMessage(context.Background(), e.ch.ID, &outMessage{}, nil); !errors.Is(err, errTransportClosed) {
		t.Errorf("a request after Run = %v, want errTransportClosed", err)
	}
	if len(e.srv.Calls()) != n {
		t.Errorf("a request reached the fake after Run returned")
	}
	raw, _ := json.Marshal(e.srv.GatewayStats())
	if e.srv.Connected() {
		t.Errorf("still connected to the gateway: %s", raw)
	}
}

// testReconnect drops the gateway connection: discordgo resumes the
// session, the adapter stays healthy and keeps answering.
func testReconnect(t *testing.T, e *env) {
	if err := e.a.Healthy(context.Background()); err != nil {
		t.Fatalf("Healthy before the drop = %v", err)
	}
	resumes := e.srv.GatewayStats().Resumes
	e.srv.DropGateway()
	if err := e.srv.WaitFor(ctxT(t), func() bool { return e.srv.GatewayStats().Resumes > resumes && e.srv.Connected() }); err != nil {
		t.Fatalf("the session never resumed: %+v", e.srv.GatewayStats())
	}
	if err := e.a.Healthy(context.Background()); err != nil {
		t.Errorf("Healthy after the reconnect = %v", err)
	}
	if m := e.waitFinal(e.imagine("1601", "after the storm")); len(m.Attachments) != 1 {
		t.Errorf("no image after the reconnect:\n%s", describe(m))
	}
}
