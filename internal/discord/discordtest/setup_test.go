package discordtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
)

// waitTimeout bounds every wait in these tests; nothing should take close to it.
const waitTimeout = 5 * time.Second

// newFake starts a fake with one guild and one text channel.
func newFake(t *testing.T, opts discordtest.Options) (srv *discordtest.Server, guild discordtest.Guild, ch discordtest.Channel) {
	t.Helper()
	srv = discordtest.NewServer(opts)
	t.Cleanup(srv.Close)
	guild = srv.AddGuild(discordtest.Guild{Name: "test guild"})
	ch, err := srv.AddChannel(discordtest.Channel{GuildID: guild.ID, Name: "general"})
	if err != nil {
		t.Fatal(err)
	}
	return srv, guild, ch
}

// bot is a real discordgo session connected to the fake.
type bot struct {
	s            *discordgo.Session
	interactions chan *discordgo.Interaction
	guilds       chan *discordgo.GuildCreate
}

// openBot connects a discordgo session to the fake and waits for READY. The session is closed
// before the fake (cleanups run last-in first-out).
func openBot(t *testing.T, srv *discordtest.Server) *bot {
	t.Helper()
	s, err := discordgo.New("Bot " + srv.BotToken())
	if err != nil {
		t.Fatal(err)
	}
	s.Client = srv.HTTPClient()
	s.Dialer = &websocket.Dialer{HandshakeTimeout: waitTimeout}
	s.LogLevel = -1 // discordgo logs reconnects with the standard logger; keep test output quiet
	b := &bot{s: s, interactions: make(chan *discordgo.Interaction, 16), guilds: make(chan *discordgo.GuildCreate, 16)}
	s.AddHandler(func(_ *discordgo.Session, ic *discordgo.InteractionCreate) { b.interactions <- ic.Interaction })
	s.AddHandler(func(_ *discordgo.Session, gc *discordgo.GuildCreate) { b.guilds <- gc })
	errc := make(chan error, 1)
	go func() { errc <- s.Open() }()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
	case <-time.After(waitTimeout):
		t.Fatal("Open did not return: no READY")
	}
	// discordgo's Close sleeps a second before closing the socket; closing in the background
	// keeps the suite fast. TestMain waits for these goroutines.
	t.Cleanup(func() {
		closing.Add(1)
		go func() {
			defer closing.Done()
			_ = s.Close()
		}()
	})
	return b
}

// closing counts discordgo sessions being closed in the background.
var closing sync.WaitGroup

func TestMain(m *testing.M) {
	code := m.Run()
	closing.Wait()
	os.Exit(code)
}

// next returns the next interaction the bot received.
func (b *bot) next(t *testing.T) *discordgo.Interaction {
	t.Helper()
	select {
	case i := <-b.interactions:
		return i
	case <-time.After(waitTimeout):
		t.Fatal("no INTERACTION_CREATE received")
		return nil
	}
}

// interact dispatches an interaction and returns both the fake's and the bot's view of it.
func (b *bot) interact(t *testing.T, srv *discordtest.Server, spec discordtest.InteractSpec) (*discordtest.Interaction, *discordgo.Interaction) {
	t.Helper()
	it, err := srv.Interact(spec)
	if err != nil {
		t.Fatalf("Interact: %v", err)
	}
	got := b.next(t)
	if got.ID != it.ID || got.Token != it.Token {
		t.Fatalf("bot got interaction %s, want %s", got.ID, it.ID)
	}
	return it, got
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	t.Cleanup(cancel)
	return ctx
}

// restCode returns the HTTP status and Discord code of a discordgo REST error.
func restCode(err error) (status, code int) {
	var re *discordgo.RESTError
	if !errors.As(err, &re) {
		return 0, 0
	}
	if re.Message != nil {
		code = re.Message.Code
	}
	return re.Response.StatusCode, code
}

// pngFile returns a w×h PNG.
func pngFile(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{R: 255, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// testClock is an injectable clock.
type testClock struct {
	mu  sync.Mutex // guards now
	now time.Time
}

func newClock() *testClock { return &testClock{now: time.Now()} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// imagineCommand is a command like the bot's /imagine.
func imagineCommand() *discordgo.ApplicationCommand {
	minSteps := 1.0
	return &discordgo.ApplicationCommand{
		Name: "imagine", Description: "Generate an image",
		NameLocalizations:        &map[discordgo.Locale]string{discordgo.ChineseCN: "画图"},
		DescriptionLocalizations: &map[discordgo.Locale]string{discordgo.ChineseCN: "生成图片"},
		Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionString, Name: "prompt", Description: "What to draw", Required: true, MaxLength: 1000},
			{Type: discordgo.ApplicationCommandOptionInteger, Name: "steps", Description: "Sampling steps", MinValue: &minSteps, MaxValue: 50},
			{Type: discordgo.ApplicationCommandOptionString, Name: "size", Description: "Image size",
				Choices: []*discordgo.ApplicationCommandOptionChoice{{Name: "512", Value: "512x512"}, {Name: "768", Value: "768x768"}}},
		},
	}
}

// modelCommand is an admin-only command with autocomplete, like the bot's /model.
func modelCommand() *discordgo.ApplicationCommand {
	perm := int64(0)
	return &discordgo.ApplicationCommand{
		Name: "model", Description: "Switch the checkpoint", DefaultMemberPermissions: &perm,
		Contexts: &[]discordgo.InteractionContextType{discordgo.InteractionContextGuild},
		Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionString, Name: "checkpoint", Description: "Model", Required: true, Autocomplete: true},
		},
	}
}

// registerCommands registers the test commands globally through discordgo.
func registerCommands(t *testing.T, b *bot, srv *discordtest.Server) {
	t.Helper()
	if _, err := b.s.ApplicationCommandBulkOverwrite(srv.AppID(), "",
		[]*discordgo.ApplicationCommand{imagineCommand(), modelCommand()}); err != nil {
		t.Fatalf("bulk overwrite: %v", err)
	}
}

// apiResponse is a raw REST answer.
type apiResponse struct {
	status int
	header http.Header
	body   []byte
}

// code returns the Discord error code of the answer.
func (r apiResponse) code() int {
	var e struct {
		Code int `json:"code"`
	}
	_ = json.Unmarshal(r.body, &e)
	return e.Code
}

// errorAt reports whether the 50035 error tree has an entry at the dotted path.
func (r apiResponse) errorAt(path string) bool {
	var e struct {
		Errors map[string]any `json:"errors"`
	}
	if json.Unmarshal(r.body, &e) != nil {
		return false
	}
	node := e.Errors
	for _, p := range strings.Split(path, ".") {
		next, ok := node[p].(map[string]any)
		if !ok {
			return false
		}
		node = next
	}
	_, ok := node["_errors"]
	return ok
}

// call sends a raw request to the fake with the bot token; body is JSON-encoded unless it is
// already []byte.
func call(t *testing.T, srv *discordtest.Server, method, path string, body any, contentType string) apiResponse {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
		if contentType == "" {
			contentType = "application/json"
		}
	}
	req, err := http.NewRequestWithContext(ctxT(t), method, srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bot "+srv.BotToken())
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return apiResponse{status: resp.StatusCode, header: resp.Header, body: b}
}
