package discordtest_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
)

// get fetches a URL with the standard client and returns the status and body.
func get(t *testing.T, ctx context.Context, url string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func registerImagine(t *testing.T, b *bot, srv *discordtest.Server) {
	t.Helper()
	cmds := []*discordgo.ApplicationCommand{
		{Name: "imagine", Description: "Draw", Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionString, Name: "prompt", Description: "What", Required: true},
			{Type: discordgo.ApplicationCommandOptionAttachment, Name: "image", Description: "From"},
		}},
		{Name: "Imagine from this image", Type: discordgo.MessageApplicationCommand},
	}
	if _, err := b.s.ApplicationCommandBulkOverwrite(srv.AppID(), "", cmds); err != nil {
		t.Fatalf("register: %v", err)
	}
}

func TestAttachmentOptionIsServed(t *testing.T) {
	t.Parallel()
	clock := newClock()
	srv, _, ch := newFake(t, discordtest.Options{Now: clock.Now})
	b := openBot(t, srv)
	registerImagine(t, b, srv)
	data := pngFile(t, 3, 2)
	_, i := b.interact(t, srv, discordtest.InteractSpec{ChannelID: ch.ID, Name: "imagine", Options: []discordtest.Option{
		{Name: "prompt", Value: "a cat"}, {Name: "image", Value: discordtest.Upload{Filename: "cat.png", Data: data}}}})
	d := i.ApplicationCommandData()
	id, _ := d.GetOption("image").Value.(string)
	a := d.Resolved.Attachments[id]
	if a == nil || a.Filename != "cat.png" || a.ContentType != "image/png" || a.Size != len(data) || a.Width != 3 || a.Height != 2 {
		t.Fatalf("resolved attachment = %+v", a)
	}
	if !strings.HasPrefix(a.URL, srv.URL+"/ephemeral-attachments/") || !strings.HasPrefix(a.ProxyURL, srv.URL+"/media/") {
		t.Fatalf("urls %q %q: want the fake's file server", a.URL, a.ProxyURL)
	}
	ctx := ctxT(t)
	for _, u := range []string{a.URL, a.ProxyURL} {
		if status, body := get(t, ctx, u); status != http.StatusOK || !bytes.Equal(body, data) {
			t.Errorf("GET %s = %d, %d bytes; want 200 and the upload", u, status, len(body))
		}
	}
	// A tampered expiry is refused; an expired link is gone.
	if status, _ := get(t, ctx, strings.Replace(a.URL, "ex=", "ex=f", 1)); status != http.StatusForbidden {
		t.Errorf("tampered link: %d, want 403", status)
	}
	clock.Advance(discordtest.AttachmentLifetime)
	if status, _ := get(t, ctx, a.URL); status != http.StatusNotFound {
		t.Errorf("expired link: %d, want 404", status)
	}
	fetches := srv.FileFetches()
	if len(fetches) != 4 || fetches[0].AttachmentID != id || fetches[0].Proxy || !fetches[1].Proxy {
		t.Errorf("fetches = %+v", fetches)
	}
}

func TestFileFaults(t *testing.T) {
	t.Parallel()
	srv, _, ch := newFake(t, discordtest.Options{})
	data := pngFile(t, 4, 4)
	m, err := srv.PostUserMessage(discordtest.UserMessageSpec{ChannelID: ch.ID, Content: "look",
		Files: []discordtest.Upload{{Filename: "a.png", Data: data}, {Filename: "b.txt", Data: []byte("hello")}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Attachments) != 2 || m.Attachments[1].ContentType != "text/plain; charset=utf-8" || m.AuthorID == srv.BotUserID() {
		t.Fatalf("message = %+v", m)
	}
	a := m.Attachments[0]
	ctx := ctxT(t)
	srv.SetFileFault(a.ID, discordtest.FileFault{Status: http.StatusNotFound})
	if status, _ := get(t, ctx, a.URL); status != http.StatusNotFound {
		t.Errorf("404 fault: got %d", status)
	}
	srv.SetFileFault(a.ID, discordtest.FileFault{Body: []byte("<html>")})
	if status, body := get(t, ctx, a.URL); status != http.StatusOK || string(body) != "<html>" {
		t.Errorf("wrong content fault: got %d %q", status, body)
	}
	srv.SetFileFault("", discordtest.FileFault{Delay: time.Hour})
	srv.SetFileFault(a.ID, discordtest.FileFault{})
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if status, _ := get(t, short, a.URL); status != 0 {
		t.Errorf("slow fault: got %d, want the client to give up", status)
	}
	srv.SetFileFault("", discordtest.FileFault{})
	if status, body := get(t, ctx, a.URL); status != http.StatusOK || !bytes.Equal(body, data) {
		t.Errorf("faults lifted: got %d", status)
	}
}

func TestMessageCommandModalAndReply(t *testing.T) {
	t.Parallel()
	srv, _, ch := newFake(t, discordtest.Options{})
	b := openBot(t, srv)
	registerImagine(t, b, srv)
	target, err := srv.PostUserMessage(discordtest.UserMessageSpec{ChannelID: ch.ID,
		Files: []discordtest.Upload{{Filename: "a.png", Data: pngFile(t, 5, 6)}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Interact(discordtest.InteractSpec{ChannelID: ch.ID, Name: "imagine", TargetID: target.ID}); err == nil {
		t.Error("a slash command name dispatched as a message command")
	}
	it, i := b.interact(t, srv, discordtest.InteractSpec{ChannelID: ch.ID, Name: "Imagine from this image", TargetID: target.ID})
	d := i.ApplicationCommandData()
	if d.CommandType != discordgo.MessageApplicationCommand || d.TargetID != target.ID {
		t.Fatalf("data = %+v", d)
	}
	if m := d.Resolved.Messages[target.ID]; m == nil || len(m.Attachments) != 1 || m.Attachments[0].Width != 5 {
		t.Fatalf("resolved message = %+v", d.Resolved.Messages)
	}

	// A modal that breaks Discord's rules is refused; a valid one opens.
	bad := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseModal, Data: &discordgo.InteractionResponseData{
		CustomID: "m", Title: strings.Repeat("t", 46), Components: []discordgo.MessageComponent{discordgo.ActionsRow{
			Components: []discordgo.MessageComponent{discordgo.TextInput{CustomID: "p", Label: "Prompt", Style: discordgo.TextInputShort}}}}}}
	if err := b.s.InteractionRespond(i, bad); err == nil {
		t.Error("a 46-character modal title was accepted")
	}
	good := *bad
	good.Data = &discordgo.InteractionResponseData{CustomID: "m:1", Title: "Imagine", Components: []discordgo.MessageComponent{
		discordgo.ActionsRow{Components: []discordgo.MessageComponent{discordgo.TextInput{CustomID: "prompt", Label: "Prompt", Style: discordgo.TextInputParagraph, Required: true, MaxLength: 10}}},
		discordgo.ActionsRow{Components: []discordgo.MessageComponent{discordgo.TextInput{CustomID: "strength", Label: "Strength", Style: discordgo.TextInputShort}}}}}
	if err := b.s.InteractionRespond(i, &good); err != nil {
		t.Fatalf("modal: %v", err)
	}
	if m, ok := it.Modal(); !ok || m.CustomID != "m:1" || len(m.Inputs) != 2 {
		t.Fatalf("modal = %+v %v", m, ok)
	}
	if _, err := srv.SubmitModal(it, discordtest.ModalSubmitSpec{Values: map[string]string{"strength": "0.5"}}); err == nil {
		t.Error("a modal without its required prompt was submitted")
	}
	if _, err := srv.SubmitModal(it, discordtest.ModalSubmitSpec{Values: map[string]string{"prompt": "far too long a prompt"}}); err == nil {
		t.Error("a prompt over max_length was submitted")
	}
	sub, err := srv.SubmitModal(it, discordtest.ModalSubmitSpec{Values: map[string]string{"prompt": "a dog"}})
	if err != nil {
		t.Fatal(err)
	}
	si := b.next(t)
	md := si.ModalSubmitData()
	if si.ID != sub.ID || md.CustomID != "m:1" {
		t.Fatalf("modal submit = %+v", md)
	}
	if v := md.Components[0].(*discordgo.ActionsRow).Components[0].(*discordgo.TextInput).Value; v != "a dog" {
		t.Errorf("prompt = %q", v)
	}
	if _, err := srv.SubmitModal(it, discordtest.ModalSubmitSpec{Values: map[string]string{"prompt": "again"}}); err == nil {
		t.Error("a modal was submitted twice")
	}
	if err := b.s.InteractionRespond(si, &good); err == nil {
		t.Error("a modal submit was answered with a modal")
	}

	// A reply names its message; a reply to an unknown message fails unless told not to.
	reply, err := b.s.ChannelMessageSendComplex(ch.ID, &discordgo.MessageSend{Content: "here",
		Reference: &discordgo.MessageReference{MessageID: target.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if reply.MessageReference == nil || reply.MessageReference.MessageID != target.ID || reply.Type != discordgo.MessageTypeReply ||
		reply.ReferencedMessage == nil || reply.ReferencedMessage.ID != target.ID {
		t.Errorf("reply = %+v", reply)
	}
	if got, _ := srv.Message(ch.ID, reply.ID); got.ReplyTo != target.ID {
		t.Errorf("recorded reply to %q", got.ReplyTo)
	}
	_, err = b.s.ChannelMessageSendComplex(ch.ID, &discordgo.MessageSend{Content: "x", Reference: &discordgo.MessageReference{MessageID: "123"}})
	if status, _ := restCode(err); status != http.StatusBadRequest {
		t.Errorf("reply to an unknown message: %v, want 400", err)
	}
	no := false
	m, err := b.s.ChannelMessageSendComplex(ch.ID, &discordgo.MessageSend{Content: "x",
		Reference: &discordgo.MessageReference{MessageID: "123", FailIfNotExists: &no}})
	if err != nil || m.MessageReference != nil {
		t.Errorf("fail_if_not_exists false: %v %+v", err, m)
	}
}
