package discordtest_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
)

func TestRefuseUploads(t *testing.T) {
	t.Parallel()
	srv, guild, ch := newFake(t, discordtest.Options{})
	b := openBot(t, srv)
	registerCommands(t, b, srv)
	noFiles, _ := srv.AddChannel(discordtest.Channel{GuildID: guild.ID, Deny: discordtest.PermAttachFiles})

	deferred := func(chID string) *discordgo.Interaction {
		t.Helper()
		_, i := b.interact(t, srv, discordtest.InteractSpec{ChannelID: chID, Name: "imagine",
			Options: []discordtest.Option{{Name: "prompt", Value: "a cat"}}})
		if err := b.s.InteractionRespond(i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}); err != nil {
			t.Fatalf("defer: %v", err)
		}
		return i
	}
	withFile := func(i *discordgo.Interaction) error {
		content := "done"
		_, err := b.s.InteractionResponseEdit(i, &discordgo.WebhookEdit{Content: &content,
			Files: []*discordgo.File{{Name: "a.png", ContentType: "image/png", Reader: bytes.NewReader(pngFile(t, 8, 8))}}})
		return err
	}
	text := func(i *discordgo.Interaction) error {
		content := "text only"
		_, err := b.s.InteractionResponseEdit(i, &discordgo.WebhookEdit{Content: &content})
		return err
	}
	post := func(chID string) error {
		_, err := b.s.ChannelMessageSendComplex(chID, &discordgo.MessageSend{Content: "x",
			Files: []*discordgo.File{{Name: "a.png", Reader: bytes.NewReader(pngFile(t, 2, 2))}}})
		return err
	}
	check := func(name string, err error, wantStatus, wantCode int) {
		t.Helper()
		if status, code := restCode(err); status != wantStatus || code != wantCode {
			t.Errorf("%s: got %d %d (%v), want %d %d", name, status, code, err, wantStatus, wantCode)
		}
	}

	i := deferred(noFiles.ID)
	check("webhook upload without attach files", withFile(i), http.StatusForbidden, discordtest.CodeMissingPermissions)
	check("webhook text without attach files", text(i), 0, 0)

	for _, code := range []int{discordtest.CodeMissingPermissions, discordtest.CodeEntityTooLarge} {
		if err := srv.RefuseUploads(ch.ID, code); err != nil {
			t.Fatal(err)
		}
		want := http.StatusForbidden
		if code == discordtest.CodeEntityTooLarge {
			want = http.StatusRequestEntityTooLarge
		}
		i := deferred(ch.ID)
		check("refused webhook upload", withFile(i), want, code)
		check("text edit", text(i), 0, 0)
		check("refused channel upload", post(ch.ID), want, code)
	}
	if err := srv.RefuseUploads(ch.ID, 0); err != nil {
		t.Fatal(err)
	}
	check("lifted", withFile(deferred(ch.ID)), 0, 0)
	if err := srv.RefuseUploads(ch.ID, 500); err == nil {
		t.Error("RefuseUploads accepted an unsupported code")
	}
}

func TestCreateDM(t *testing.T) {
	t.Parallel()
	srv, _, _ := newFake(t, discordtest.Options{})
	b := openBot(t, srv)
	dm, err := b.s.UserChannelCreate("4242")
	if err != nil || dm.Type != discordgo.ChannelTypeDM || len(dm.Recipients) != 1 || dm.Recipients[0].ID != "4242" {
		t.Fatalf("UserChannelCreate = %+v, %v; want a DM with 4242", dm, err)
	}
	again, err := b.s.UserChannelCreate("4242")
	if err != nil || again.ID != dm.ID {
		t.Errorf("second UserChannelCreate = %+v, %v; want the same channel %s", again, err, dm.ID)
	}
	m, err := b.s.ChannelMessageSendComplex(dm.ID, &discordgo.MessageSend{Content: "your image",
		Files: []*discordgo.File{{Name: "a.png", Reader: bytes.NewReader(pngFile(t, 2, 2))}}})
	if err != nil || len(m.Attachments) != 1 {
		t.Fatalf("send to the DM = %+v, %v", m, err)
	}
	if got := srv.ChannelMessages(dm.ID); len(got) != 1 || len(got[0].Attachments) != 1 {
		t.Errorf("DM messages = %+v, want the image", got)
	}
	_, err = b.s.UserChannelCreate(srv.BotUserID())
	if status, code := restCode(err); status != http.StatusBadRequest || code != discordtest.CodeCannotSendToUser {
		t.Errorf("DM with itself: %d %d (%v), want 400 50007", status, code, err)
	}
}
