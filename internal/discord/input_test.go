package discord

import (
	"testing"

	"github.com/bwmarrin/discordgo"
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
