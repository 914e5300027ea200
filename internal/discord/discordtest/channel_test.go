package discordtest_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
)

func TestChannelMessages(t *testing.T) {
	t.Parallel()
	srv, guild, ch := newFake(t, discordtest.Options{})
	b := openBot(t, srv)
	created := make(chan *discordgo.MessageCreate, 4)
	b.s.AddHandler(func(_ *discordgo.Session, mc *discordgo.MessageCreate) { created <- mc })

	m, err := b.s.ChannelMessageSendComplex(ch.ID, &discordgo.MessageSend{Content: "result",
		Files:  []*discordgo.File{{Name: "out.png", Reader: bytes.NewReader(pngFile(t, 8, 8))}},
		Embeds: []*discordgo.MessageEmbed{{Title: "seed 42", Image: &discordgo.MessageEmbedImage{URL: "attachment://out.png"}}}})
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	if m.Author == nil || m.Author.ID != srv.BotUserID() || len(m.Attachments) != 1 || m.Embeds[0].Type != discordgo.EmbedTypeRich {
		t.Errorf("sent message = %+v", m)
	}
	select {
	case mc := <-created:
		if mc.ID != m.ID {
			t.Errorf("MESSAGE_CREATE for %s, want %s", mc.ID, m.ID)
		}
	case <-ctxT(t).Done():
		t.Error("no MESSAGE_CREATE for the bot's own message")
	}
	em, err := b.s.ChannelMessageEditComplex(&discordgo.MessageEdit{Channel: ch.ID, ID: m.ID,
		Embeds: &[]*discordgo.MessageEmbed{{Image: &discordgo.MessageEmbedImage{URL: "attachment://missing.png"}}}})
	if err != nil || len(em.Attachments) != 1 {
		t.Fatalf("edit = %+v, %v; want the attachment kept", em, err)
	}
	if got, _ := srv.Message(ch.ID, m.ID); len(got.MissingAttachmentRefs) != 1 || got.MissingAttachmentRefs[0] != "missing.png" {
		t.Errorf("MissingAttachmentRefs = %v, want [missing.png]", got.MissingAttachmentRefs)
	}

	noView, _ := srv.AddChannel(discordtest.Channel{GuildID: guild.ID, Deny: discordtest.PermViewChannel})
	readOnly, _ := srv.AddChannel(discordtest.Channel{GuildID: guild.ID, Deny: discordtest.PermSendMessages})
	noFiles, _ := srv.AddChannel(discordtest.Channel{GuildID: guild.ID, Deny: discordtest.PermAttachFiles})
	absent := srv.AddGuild(discordtest.Guild{BotAbsent: true})
	absentCh, _ := srv.AddChannel(discordtest.Channel{GuildID: absent.ID})
	withFile := func(chID string) error {
		_, err := b.s.ChannelMessageSendComplex(chID, &discordgo.MessageSend{Content: "x",
			Files: []*discordgo.File{{Name: "a.png", Reader: bytes.NewReader(pngFile(t, 2, 2))}}})
		return err
	}
	text := func(chID string) error { _, err := b.s.ChannelMessageSend(chID, "x"); return err }
	tests := []struct {
		name       string
		do         func() error
		wantStatus int
		wantCode   int
	}{
		{"no view channel", func() error { return text(noView.ID) }, http.StatusForbidden, discordtest.CodeMissingAccess},
		{"read-only channel", func() error { return text(readOnly.ID) }, http.StatusForbidden, discordtest.CodeMissingPermissions},
		{"file without attach files", func() error { return withFile(noFiles.ID) }, http.StatusForbidden, discordtest.CodeMissingPermissions},
		{"text without attach files", func() error { return text(noFiles.ID) }, 0, 0},
		{"guild without the bot", func() error { return text(absentCh.ID) }, http.StatusForbidden, discordtest.CodeMissingAccess},
		{"unknown channel", func() error { return text("123") }, http.StatusNotFound, discordtest.CodeUnknownChannel},
		{"unknown message", func() error { _, err := b.s.ChannelMessageEdit(ch.ID, "123", "x"); return err },
			http.StatusNotFound, discordtest.CodeUnknownMessage},
		{"content too long", func() error {
			_, err := b.s.ChannelMessageSend(ch.ID, string(bytes.Repeat([]byte("é"), 2001)))
			return err
		},
			http.StatusBadRequest, discordtest.CodeInvalidFormBody},
		{"deleted by a user", func() error {
			srv.DeleteMessage(ch.ID, m.ID)
			_, err := b.s.ChannelMessageEdit(ch.ID, m.ID, "x")
			return err
		}, http.StatusNotFound, discordtest.CodeUnknownMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			if status, code := restCode(err); status != tt.wantStatus || code != tt.wantCode {
				t.Errorf("got %d %d (%v), want %d %d", status, code, err, tt.wantStatus, tt.wantCode)
			}
		})
	}
}
