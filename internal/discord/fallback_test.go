package discord

import (
	"slices"
	"strings"
	"testing"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
	"github.com/imaginebot/imaginebot/internal/imagine/imaginetest"
)

// testRefusedUploads: when Discord refuses the final image on the job
// message (no Attach Files permission, a file too large), the message ends
// with a text that says why, without a Cancel button and with the result's
// buttons, and the image goes to the user by DM.
func testRefusedUploads(t *testing.T, e *env) {
	refusing, err := e.srv.AddChannel(discordtest.Channel{GuildID: e.guild.ID, Name: "refusing"})
	if err != nil {
		t.Fatal(err)
	}
	noFiles, err := e.srv.AddChannel(discordtest.Channel{GuildID: e.guild.ID, Name: "no-files", Deny: discordtest.PermAttachFiles})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, channel, user, locale string
		refuse                      int // RefuseUploads code, or 0
		reason                      catalog.Text
	}{
		{"50013 Missing Permissions", refusing.ID, "1301", "en-US", discordtest.CodeMissingPermissions, texts.NoAttachPermission},
		{"40005 too large", refusing.ID, "1302", "en-US", discordtest.CodeEntityTooLarge, texts.TooLarge},
		{"Chinese", refusing.ID, "1303", "zh-CN", discordtest.CodeMissingPermissions, texts.NoAttachPermission},
		{"Attach Files denied", noFiles.ID, "1304", "en-US", 0, texts.NoAttachPermission},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := e.sub(t)
			if err := e.srv.RefuseUploads(refusing.ID, tt.refuse); err != nil {
				t.Fatal(err)
			}
			defer func() { _ = e.srv.RefuseUploads(refusing.ID, 0) }()
			dm := e.srv.AddDM(tt.user)
			it := e.interact(discordtest.InteractSpec{Name: "imagine", ChannelID: tt.channel, UserID: tt.user, Locale: tt.locale,
				Options: []discordtest.Option{{Name: "prompt", Value: "refused " + tt.user}}})
			m := e.waitFinal(it)
			want := texts.NotAttached.In(tt.locale, tt.reason.In(tt.locale)) + "\n" +
				texts.SentByDM.In(tt.locale)
			if m.Content != want || len(m.Attachments) != 0 {
				t.Errorf("job message ends with %q and %d files, want %q and none:\n%s", m.Content, len(m.Attachments), want, describe(m))
			}
			ids := customIDs(m.Revision)
			if slices.ContainsFunc(ids, func(id string) bool { return hasAction(id, actCancel) }) ||
				!slices.ContainsFunc(ids, func(id string) bool { return hasAction(id, actReroll) }) {
				t.Errorf("buttons %v, want Reroll and no Cancel", ids)
			}
			if em := embeds(m.Revision); len(em) != 1 || em[0].Image != nil || !strings.Contains(em[0].Description, "refused "+tt.user) {
				t.Errorf("embeds %+v, want the caption without an image", em)
			}
			dms := e.srv.ChannelMessages(dm.ID)
			if len(dms) != 1 || len(dms[0].Attachments) != 1 || !strings.HasPrefix(dms[0].Attachments[0].Filename, "imagine_") ||
				!slices.ContainsFunc(customIDs(dms[0].Revision), func(id string) bool { return hasAction(id, actReroll) }) {
				t.Fatalf("DM messages %+v, want the image with its buttons", dms)
			}
			if dms[0].Content != texts.DMResult.In(tt.locale) {
				t.Errorf("DM text %q", dms[0].Content)
			}
		})
	}
	t.Run("no DM possible", func(t *testing.T) {
		e := e.sub(t)
		if err := e.srv.RefuseUploads(refusing.ID, discordtest.CodeMissingPermissions); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = e.srv.RefuseUploads(refusing.ID, 0) }()
		e.srv.FailNext(discordtest.RouteCreateDM, 1, 403)
		it := e.interact(discordtest.InteractSpec{Name: "imagine", ChannelID: refusing.ID, UserID: "1305",
			Options: []discordtest.Option{{Name: "prompt", Value: "no dm"}}})
		m := e.waitFinal(it)
		want := texts.NotAttached.In("en", texts.NoAttachPermission.In("en"))
		if m.Content != want {
			t.Errorf("job message ends with %q, want %q", m.Content, want)
		}
	})
}

// TestRefusedPreviewsGoOnAsText: in a channel where the bot may not attach
// files, the first refused preview switches that job's progress to text at
// once (it used to stay on "Queued" until the end), and the job still ends
// with the text that says why the image is not here.
func TestRefusedPreviewsGoOnAsText(t *testing.T) {
	e := newEnv(t, envOptions{mem: imaginetest.Options{Manual: true}})
	noFiles, err := e.srv.AddChannel(discordtest.Channel{GuildID: e.guild.ID, Name: "no-files", Deny: discordtest.PermAttachFiles})
	if err != nil {
		t.Fatal(err)
	}
	it := e.interact(discordtest.InteractSpec{Name: "imagine", ChannelID: noFiles.ID, UserID: "1401",
		Options: []discordtest.Option{{Name: "prompt", Value: "a cat without pictures"}}})
	e.waitMessage(it, "queued", func(m discordtest.Message) bool { return m.Content != "" })
	e.mem.Advance(1)
	m := e.waitMessage(it, "progress as text", func(m discordtest.Message) bool { return strings.Contains(m.Content, "step 1/") })
	if len(m.Attachments) != 0 {
		t.Errorf("progress message has %d files, want none", len(m.Attachments))
	}
	refused := 0
	for _, c := range e.srv.Calls() {
		if c.Code == discordtest.CodeMissingPermissions {
			refused++
		}
	}
	if refused != 1 {
		t.Errorf("%d uploads refused with 50013, want one preview refused (then text only)", refused)
	}
	e.mem.Advance(1 << 20)
	if m := e.waitFinal(it); !strings.HasPrefix(m.Content, texts.NotAttached.In("en")[:20]) {
		t.Errorf("job ends with %q, want the text that says the image could not be attached", m.Content)
	}
}
