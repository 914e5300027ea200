package discordtest_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
)

// TestUnimplementedRoutes checks that a route the bot never calls answers 501 with a JSON error
// that names the route, without echoing an interaction token, and is recorded.
func TestUnimplementedRoutes(t *testing.T) {
	t.Parallel()
	srv, _, ch := newFake(t, discordtest.Options{})
	b := openBot(t, srv)
	registerCommands(t, b, srv)
	it, i := b.interact(t, srv, discordtest.InteractSpec{ChannelID: ch.ID, Name: "imagine",
		Options: []discordtest.Option{{Name: "prompt", Value: "x"}}})
	if err := b.s.InteractionRespond(i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}); err != nil {
		t.Fatal(err)
	}
	orig, _ := it.Original()

	tests := []struct {
		name      string
		do        func() error
		wantRoute string
	}{
		{"followup", func() error {
			_, err := b.s.FollowupMessageCreate(i, true, &discordgo.WebhookParams{Content: "x"})
			return err
		}, "POST /webhooks/{id}/{id}"},
		{"get original", func() error { _, err := b.s.InteractionResponse(i); return err },
			"GET /webhooks/{id}/{id}/messages/@original"},
		{"delete original", func() error { return b.s.InteractionResponseDelete(i) },
			"DELETE /webhooks/{id}/{id}/messages/@original"},
		{"get channel", func() error { _, err := b.s.Channel(ch.ID); return err }, "GET /channels/{id}"},
		{"list messages", func() error { _, err := b.s.ChannelMessages(ch.ID, 10, "", "", ""); return err },
			"GET /channels/{id}/messages"},
		{"get message", func() error { _, err := b.s.ChannelMessage(ch.ID, orig.ID); return err },
			"GET /channels/{id}/messages/{id}"},
		{"delete message", func() error { return b.s.ChannelMessageDelete(ch.ID, orig.ID) },
			"DELETE /channels/{id}/messages/{id}"},
		{"get commands", func() error { _, err := b.s.ApplicationCommands(srv.AppID(), ""); return err },
			"GET /applications/{id}/commands"},
		{"gateway bot", func() error { _, err := b.s.GatewayBot(); return err }, "GET /gateway/bot"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			var re *discordgo.RESTError
			if !errors.As(err, &re) || re.Response.StatusCode != http.StatusNotImplemented {
				t.Fatalf("got %v, want a 501", err)
			}
			want := "discordtest does not implement " + tt.wantRoute
			if re.Message == nil || !strings.Contains(re.Message.Message, want) {
				t.Errorf("error body %s, want a message containing %q", re.ResponseBody, want)
			}
			if strings.Contains(string(re.ResponseBody), i.Token) {
				t.Errorf("error body %s echoes the interaction token", re.ResponseBody)
			}
		})
	}
	var unimplemented int
	for _, c := range srv.Calls() {
		if c.Status == http.StatusNotImplemented && c.Route == "" {
			unimplemented++
		}
	}
	if unimplemented != len(tests) {
		t.Errorf("%d unimplemented calls recorded, want %d", unimplemented, len(tests))
	}
	if msg, _ := srv.Message(ch.ID, orig.ID); msg.Deleted {
		t.Error("an unimplemented DELETE deleted the message")
	}
}

// TestUnimplementedFeatures checks that what the bot never sends on a served route answers 501
// naming it: callback types other than 4, 5, 6 and 8, and IS_COMPONENTS_V2 messages.
func TestUnimplementedFeatures(t *testing.T) {
	t.Parallel()
	srv, _, ch := newFake(t, discordtest.Options{})
	b := openBot(t, srv)
	registerCommands(t, b, srv)
	command := discordtest.InteractSpec{ChannelID: ch.ID, Name: "imagine", Options: []discordtest.Option{{Name: "prompt", Value: "x"}}}
	respond := func(resp *discordgo.InteractionResponse) func() error {
		return func() error {
			it, i := b.interact(t, srv, command)
			err := b.s.InteractionRespond(i, resp)
			if _, acked := it.Acknowledgement(); acked {
				t.Error("an unimplemented callback acknowledged the interaction")
			}
			return err
		}
	}
	tests := []struct {
		name string
		do   func() error
		want string
	}{
		{"update message", respond(&discordgo.InteractionResponse{Type: discordgo.InteractionResponseUpdateMessage,
			Data: &discordgo.InteractionResponseData{Content: "x"}}), "interaction callback type 7"},
		{"pong", respond(&discordgo.InteractionResponse{Type: discordgo.InteractionResponsePong}), "interaction callback type 1"},
		{"components v2", func() error {
			_, err := b.s.ChannelMessageSendComplex(ch.ID, &discordgo.MessageSend{Flags: discordgo.MessageFlagsIsComponentsV2,
				Components: []discordgo.MessageComponent{discordgo.TextDisplay{Content: "t"}}})
			return err
		}, "IS_COMPONENTS_V2 messages"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			var re *discordgo.RESTError
			if !errors.As(err, &re) || re.Response.StatusCode != http.StatusNotImplemented ||
				re.Message == nil || !strings.HasSuffix(re.Message.Message, "does not implement "+tt.want) {
				t.Errorf("got %v, want a 501 naming %q", err, tt.want)
			}
		})
	}
	if msgs := srv.ChannelMessages(ch.ID); len(msgs) != 0 {
		t.Errorf("unimplemented requests created %d messages", len(msgs))
	}
}

// TestHTTPVersions checks that the REST API answers over HTTP/1.1 and, as
// Discord does, over HTTP/2 (here without TLS, to a client with prior
// knowledge), so that a burst of requests can share one connection.
func TestHTTPVersions(t *testing.T) {
	t.Parallel()
	srv := discordtest.NewServer(discordtest.Options{})
	t.Cleanup(srv.Close)
	tests := []struct {
		name  string
		proto func(*http.Protocols)
		major int
	}{
		{"HTTP/1.1", func(p *http.Protocols) { p.SetHTTP1(true) }, 1},
		{"HTTP/2", func(p *http.Protocols) { p.SetUnencryptedHTTP2(true) }, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := &http.Transport{Protocols: new(http.Protocols)}
			tt.proto(tr.Protocols)
			defer tr.CloseIdleConnections()
			resp, err := (&http.Client{Transport: tr}).Get(srv.URL + "/api/v10/gateway")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || resp.ProtoMajor != tt.major {
				t.Errorf("got %s %s, want 200 over HTTP/%d", resp.Proto, resp.Status, tt.major)
			}
		})
	}
}
