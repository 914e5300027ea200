package discord

import (
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
)

// TestFirstImageNilAttachment: a message whose attachments hold a null
// (as a crafted or damaged payload may) is read past it, without a panic.
func TestFirstImageNilAttachment(t *testing.T) {
	a := &Adapter{}
	for _, tt := range []struct {
		name   string
		atts   []*discordgo.MessageAttachment
		wantID string
	}{
		{"only a null", []*discordgo.MessageAttachment{nil}, ""},
		{"a null, then a picture", []*discordgo.MessageAttachment{nil,
			{ID: "7", URL: "https://cdn.discordapp.com/attachments/1/7/cat.png", Filename: "cat.png", ContentType: "image/png"}}, "7"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src, ok := a.firstImage(&discordgo.Message{Attachments: tt.atts})
			if ok != (tt.wantID != "") || src.ID != tt.wantID {
				t.Errorf("firstImage = %+v, %v; want attachment %q", src, ok, tt.wantID)
			}
		})
	}
}

// TestPictureShutdownDuringDownload: a picture still downloading when the
// shutdown grace ends is abandoned, and the "thinking…" answer becomes
// "the bot is restarting" (on a context of its own: the work's has ended).
func TestPictureShutdownDuringDownload(t *testing.T) {
	s := pictureSettings()
	e := newEnv(t, envOptions{settings: &s, cfg: Config{ShutdownGrace: 100 * time.Millisecond}})
	e.srv.SetFileFault("", discordtest.FileFault{Delay: time.Minute})
	it := e.imagineWith("9301", "a castle", discordtest.Upload{Filename: "castle.png", Data: picturePNG(t, 48, 32, 0)})
	if cb := e.ack(it); cb.Type != discordtest.CallbackDeferredChannelMessage {
		t.Fatalf("callback type %d, want a deferred message (5)", cb.Type)
	}
	e.stop()
	m, _ := it.Original()
	if want := catalog.T("en", catalog.MsgShuttingDown); m.Content != want || m.Flags&discordtest.FlagLoading != 0 {
		t.Errorf("after shutdown:\n%s\nwant %q", describe(m), want)
	}
	if n := e.jobsRun(); n != 0 {
		t.Errorf("%d jobs ran, want none", n)
	}
}
