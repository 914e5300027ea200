package discordtest_test

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
)

func TestSlashCommandDeferAndEditFiles(t *testing.T) {
	t.Parallel()
	srv, guild, ch := newFake(t, discordtest.Options{})
	b := openBot(t, srv)
	registerCommands(t, b, srv)

	it, i := b.interact(t, srv, discordtest.InteractSpec{ChannelID: ch.ID, Name: "imagine", Locale: "zh-CN",
		Options: []discordtest.Option{{Name: "prompt", Value: "a cat"}, {Name: "steps", Value: 20}}})

	// The payload is shaped so that discordgo decodes every field the adapter uses.
	data := i.ApplicationCommandData()
	if data.Name != "imagine" || data.GetOption("prompt").StringValue() != "a cat" || data.GetOption("steps").IntValue() != 20 {
		t.Errorf("command data = %+v, want imagine prompt=a cat steps=20", data)
	}
	if i.Locale != discordgo.ChineseCN || i.GuildID != guild.ID || i.ChannelID != ch.ID || i.AppID != srv.AppID() {
		t.Errorf("interaction locale %q guild %q channel %q app %q", i.Locale, i.GuildID, i.ChannelID, i.AppID)
	}
	if i.Member == nil || i.Member.User == nil || i.Member.User.ID != it.UserID || i.User != nil {
		t.Errorf("member = %+v, user = %+v; want a guild member %s", i.Member, i.User, it.UserID)
	}
	if i.AppPermissions&discordgo.PermissionAttachFiles == 0 || i.Context != discordgo.InteractionContextGuild {
		t.Errorf("app_permissions %d context %d, want attach files in a guild", i.AppPermissions, i.Context)
	}
	if created, _ := discordgo.SnowflakeTimestamp(i.ID); created.Sub(it.DispatchedAt).Abs() > time.Millisecond {
		t.Errorf("interaction id time %v, dispatched at %v", created, it.DispatchedAt)
	}

	if err := b.s.InteractionRespond(i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}); err != nil {
		t.Fatalf("defer: %v", err)
	}
	if ack, err := it.WaitAck(ctxT(t)); err != nil || ack.Type != discordtest.CallbackDeferredChannelMessage {
		t.Fatalf("ack = %+v, %v; want type 5", ack, err)
	}
	orig, _ := it.Original()
	if orig.Flags&discordtest.FlagLoading == 0 || orig.Type != discordtest.MessageTypeChatInputCommand {
		t.Errorf("deferred original flags %d type %d, want loading, type 20", orig.Flags, orig.Type)
	}

	edit := func(name string, content string, attachments *[]*discordgo.MessageAttachment) *discordgo.Message {
		t.Helper()
		m, err := b.s.InteractionResponseEdit(i, &discordgo.WebhookEdit{Content: &content, Attachments: attachments,
			Files: []*discordgo.File{{Name: name, ContentType: "image/png", Reader: bytes.NewReader(pngFile(t, 64, 48))}}})
		if err != nil {
			t.Fatalf("edit %s: %v", name, err)
		}
		return m
	}
	m := edit("preview.png", "50%", nil)
	if len(m.Attachments) != 1 || m.Attachments[0].Filename != "preview.png" || m.Attachments[0].Width != 64 || m.Attachments[0].Height != 48 {
		t.Fatalf("after the first edit attachments = %+v, want preview.png 64x48", m.Attachments)
	}
	first := m.Attachments[0].ID
	m = edit("final.png", "done", &[]*discordgo.MessageAttachment{})
	if len(m.Attachments) != 1 || m.Attachments[0].Filename != "final.png" || m.Attachments[0].ID == first {
		t.Errorf("edit with attachments:[] gave %+v, want only the new final.png", m.Attachments)
	}
	m = edit("extra.png", "done", nil)
	if len(m.Attachments) != 2 {
		t.Errorf("edit without attachments gave %d attachments, want 2 (uploads are appended)", len(m.Attachments))
	}

	got, _ := it.Original()
	var counts []int
	for _, r := range got.History {
		counts = append(counts, len(r.Attachments))
	}
	if len(counts) != 4 || counts[0] != 0 || counts[1] != 1 || counts[2] != 1 || counts[3] != 2 {
		t.Errorf("attachments per revision = %v, want [0 1 1 2]", counts)
	}
	if got.Content != "done" || got.Flags&discordtest.FlagLoading != 0 || got.Attachments[0].ContentType != "image/png" {
		t.Errorf("original = %q flags %d, want done without loading", got.Content, got.Flags)
	}

	// The same message through the bot token (visible guild channel).
	if em, err := b.s.ChannelMessageEdit(ch.ID, got.ID, "edited by the bot"); err != nil || em.Content != "edited by the bot" || len(em.Attachments) != 2 {
		t.Errorf("bot-token edit of the response = %+v, %v", em, err)
	}
	if msgs := srv.ChannelMessages(ch.ID); len(msgs) != 1 || msgs[0].InteractionID != it.ID {
		t.Errorf("ChannelMessages = %+v, want the response", msgs)
	}
}

func TestAcknowledgementRules(t *testing.T) {
	t.Parallel()
	clock := newClock()
	srv, _, ch := newFake(t, discordtest.Options{Now: clock.Now, TokenLifetime: time.Minute})
	b := openBot(t, srv)
	registerCommands(t, b, srv)
	spec := discordtest.InteractSpec{ChannelID: ch.ID, Name: "imagine", Options: []discordtest.Option{{Name: "prompt", Value: "x"}}}
	deferred := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}
	content := "hi"
	edit := &discordgo.WebhookEdit{Content: &content}

	tests := []struct {
		name       string
		run        func(it *discordtest.Interaction, i *discordgo.Interaction) error
		wantStatus int
		wantCode   int
	}{
		{"ack in time", func(_ *discordtest.Interaction, i *discordgo.Interaction) error {
			clock.Advance(2900 * time.Millisecond)
			return b.s.InteractionRespond(i, deferred)
		}, 0, 0},
		{"late ack", func(_ *discordtest.Interaction, i *discordgo.Interaction) error {
			clock.Advance(3001 * time.Millisecond)
			return b.s.InteractionRespond(i, deferred)
		}, http.StatusNotFound, discordtest.CodeUnknownInteraction},
		{"double ack", func(_ *discordtest.Interaction, i *discordgo.Interaction) error {
			if err := b.s.InteractionRespond(i, deferred); err != nil {
				return err
			}
			return b.s.InteractionRespond(i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
				Data: &discordgo.InteractionResponseData{Content: "again"}})
		}, http.StatusBadRequest, discordtest.CodeInteractionAcknowledged},
		{"edit before ack", func(_ *discordtest.Interaction, i *discordgo.Interaction) error {
			_, err := b.s.InteractionResponseEdit(i, edit)
			return err
		}, http.StatusNotFound, discordtest.CodeUnknownMessage},
		{"edit after a missed deadline", func(_ *discordtest.Interaction, i *discordgo.Interaction) error {
			clock.Advance(4 * time.Second)
			_, err := b.s.InteractionResponseEdit(i, edit)
			return err
		}, http.StatusUnauthorized, discordtest.CodeInvalidWebhookToken},
		{"edit within the token lifetime", func(_ *discordtest.Interaction, i *discordgo.Interaction) error {
			if err := b.s.InteractionRespond(i, deferred); err != nil {
				return err
			}
			clock.Advance(59 * time.Second)
			_, err := b.s.InteractionResponseEdit(i, edit)
			return err
		}, 0, 0},
		{"edit after the token lifetime", func(_ *discordtest.Interaction, i *discordgo.Interaction) error {
			if err := b.s.InteractionRespond(i, deferred); err != nil {
				return err
			}
			clock.Advance(time.Minute)
			_, err := b.s.InteractionResponseEdit(i, edit)
			return err
		}, http.StatusUnauthorized, discordtest.CodeInvalidWebhookToken},
		{"edit after ExpireToken", func(it *discordtest.Interaction, i *discordgo.Interaction) error {
			if err := b.s.InteractionRespond(i, deferred); err != nil {
				return err
			}
			it.Expire()
			_, err := b.s.InteractionResponseEdit(i, edit)
			return err
		}, http.StatusUnauthorized, discordtest.CodeInvalidWebhookToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it, i := b.interact(t, srv, spec)
			err := tt.run(it, i)
			status, code := restCode(err)
			if status != tt.wantStatus || code != tt.wantCode {
				t.Errorf("got status %d code %d (%v), want %d %d", status, code, err, tt.wantStatus, tt.wantCode)
			}
		})
	}
}

func TestCallbackFiles(t *testing.T) {
	t.Parallel()
	srv, _, ch := newFake(t, discordtest.Options{MaxFileSize: 1024})
	b := openBot(t, srv)
	registerCommands(t, b, srv)
	it, i := b.interact(t, srv, discordtest.InteractSpec{ChannelID: ch.ID, Name: "imagine",
		Options: []discordtest.Option{{Name: "prompt", Value: "x"}}})
	respond := func(size int, flags discordgo.MessageFlags) error {
		return b.s.InteractionRespond(i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{Content: "here", Flags: flags,
				Files: []*discordgo.File{{Name: "big.bin", Reader: bytes.NewReader(make([]byte, size))}}}})
	}
	err := respond(1025, 0)
	if status, code := restCode(err); status != http.StatusRequestEntityTooLarge || code != discordtest.CodeEntityTooLarge {
		t.Fatalf("oversized file: status %d code %d (%v), want 413 40005", status, code, err)
	}
	// A rejected callback does not use up the acknowledgement.
	if err := respond(1024, discordgo.MessageFlagsEphemeral); err != nil {
		t.Fatalf("file at the limit: %v", err)
	}
	m, ok := it.Original()
	if !ok || !m.Ephemeral || m.Flags&discordtest.FlagEphemeral == 0 || len(m.Attachments) != 1 || m.Attachments[0].Size != 1024 || !m.Attachments[0].Ephemeral {
		t.Errorf("original = %+v, want an ephemeral message with one 1024-byte file", m)
	}
	if cbs := it.Callbacks(); len(cbs) != 2 || cbs[0].Code != discordtest.CodeEntityTooLarge || cbs[1].Status != http.StatusNoContent {
		t.Errorf("callbacks = %+v, want a 413 then a 204", cbs)
	}
	// Ephemeral responses are not reachable with the bot token.
	if _, err := b.s.ChannelMessageEdit(ch.ID, m.ID, "x"); err == nil {
		t.Error("bot-token edit of an ephemeral response succeeded")
	} else if status, code := restCode(err); status != http.StatusNotFound || code != discordtest.CodeUnknownMessage {
		t.Errorf("bot-token edit of an ephemeral response: %d %d, want 404 10008", status, code)
	}
}
