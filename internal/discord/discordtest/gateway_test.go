package discordtest_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
)

func TestOpenReady(t *testing.T) {
	t.Parallel()
	srv, guild, ch := newFake(t, discordtest.Options{})
	b := openBot(t, srv)
	if !srv.Connected() {
		t.Fatal("Connected() = false after Open")
	}
	if got, want := b.s.State.User.ID, srv.BotUserID(); got != want {
		t.Errorf("State.User.ID = %q, want %q", got, want)
	}
	if got, want := b.s.State.Application.ID, srv.AppID(); got != want {
		t.Errorf("State.Application.ID = %q, want %q", got, want)
	}
	// GUILD_CREATE follows READY.
	select {
	case gc := <-b.guilds:
		if gc.ID != guild.ID || len(gc.Channels) != 1 || gc.Channels[0].ID != ch.ID {
			t.Errorf("GUILD_CREATE = guild %s with %d channels, want %s with channel %s", gc.ID, len(gc.Channels), guild.ID, ch.ID)
		}
		if len(gc.Members) == 0 || gc.Members[0].User.ID != srv.BotUserID() {
			t.Errorf("GUILD_CREATE members lack the bot: %+v", gc.Members)
		}
	case <-ctxT(t).Done():
		t.Fatal("no GUILD_CREATE")
	}
	// discordgo heartbeats right after READY; the fake acknowledges.
	if err := srv.WaitFor(ctxT(t), func() bool { return srv.GatewayStats().Heartbeats >= 1 }); err != nil {
		t.Fatalf("no heartbeat: %v", err)
	}
	if st := srv.GatewayStats(); st.Identifies != 1 || st.Connections != 1 {
		t.Errorf("GatewayStats = %+v, want 1 connection and 1 identify", st)
	}
}

func TestGatewayReconnect(t *testing.T) {
	t.Parallel()
	srv, _, ch := newFake(t, discordtest.Options{})
	b := openBot(t, srv)
	registerCommands(t, b, srv)
	spec := discordtest.InteractSpec{ChannelID: ch.ID, Name: "imagine", Options: []discordtest.Option{{Name: "prompt", Value: "x"}}}
	waitStats := func(what string, cond func(discordtest.GatewayStats) bool) {
		t.Helper()
		if err := srv.WaitFor(ctxT(t), func() bool { return cond(srv.GatewayStats()) && srv.Connected() }); err != nil {
			t.Fatalf("%s: %v (stats %+v)", what, err, srv.GatewayStats())
		}
	}

	// A dropped connection: the interaction dispatched meanwhile is replayed on RESUME.
	srv.DropGateway()
	it, err := srv.Interact(spec)
	if err != nil {
		t.Fatalf("Interact while disconnected: %v", err)
	}
	if got := b.next(t); got.ID != it.ID {
		t.Errorf("after resume got interaction %s, want %s", got.ID, it.ID)
	}
	waitStats("resume", func(s discordtest.GatewayStats) bool { return s.Resumes == 1 })

	// An invalidated session: discordgo identifies again on the same connection.
	srv.InvalidateSessions()
	waitStats("re-identify", func(s discordtest.GatewayStats) bool { return s.Identifies == 2 })
	b.interact(t, srv, spec)

	// Op 7: discordgo reconnects and resumes.
	srv.RequestReconnect()
	waitStats("reconnect", func(s discordtest.GatewayStats) bool { return s.Resumes == 2 })
	b.interact(t, srv, spec)
	if st := srv.GatewayStats(); st.Connections != 3 || st.InvalidSessions != 1 {
		t.Errorf("stats = %+v, want 3 connections and 1 invalid session", st)
	}

	// A client that closes normally ends its session: nothing can be dispatched any more.
	if err := b.s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := srv.WaitFor(ctxT(t), func() bool { return !srv.Connected() }); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Interact(spec); !errors.Is(err, discordtest.ErrNoSession) {
		t.Errorf("Interact after Close = %v, want ErrNoSession", err)
	}
}

func TestBootstrapRoutes(t *testing.T) {
	t.Parallel()
	srv, _, _ := newFake(t, discordtest.Options{BotToken: "secret", BotUsername: "painter"})
	s, err := discordgo.New("Bot secret")
	if err != nil {
		t.Fatal(err)
	}
	s.Client = srv.HTTPClient()
	if u, err := s.User("@me"); err != nil || u.ID != srv.BotUserID() || !u.Bot || u.Username != "painter" {
		t.Errorf("User(@me) = %+v, %v", u, err)
	}
	if a, err := s.Application("@me"); err != nil || a.ID != srv.AppID() {
		t.Errorf("Application(@me) = %+v, %v", a, err)
	}
	s.Token = "Bot wrong"
	if _, err := s.User("@me"); err == nil {
		t.Error("a wrong token was accepted")
	} else if status, _ := restCode(err); status != http.StatusUnauthorized {
		t.Errorf("wrong token: %v, want 401", err)
	}
	// The rewrite transport never lets a request leave the machine.
	if _, err := srv.HTTPClient().Get("https://example.com/"); err == nil {
		t.Error("HTTPClient reached example.com")
	}
}
