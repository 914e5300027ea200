package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"strings"
	"testing"

	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
	"github.com/imaginebot/imaginebot/internal/imagine/imaginetest"
	"github.com/imaginebot/imaginebot/internal/sdsim"
)

// TestE2EDiscordImages runs the real program with the simulated SD server
// and the fake Discord: a user's attachment reaches /sdapi/v1/img2img as
// init_images[0], and ⬆ Upscale on one image of a batch posts a larger
// image through /sdapi/v1/extra-single-image, as a reply to the result.
func TestE2EDiscordImages(t *testing.T) {
	checkNoLeaks(t)
	b := startBot(t, e2eOptions{discord: true, noTelegram: true})
	sim := b.sd.Sim()

	// img2img from an attachment.
	pic := imaginetest.NoisePNG(96, 64)
	it, err := b.dc.Interact(discordtest.InteractSpec{Name: "imagine", ChannelID: b.channel.ID, UserID: fmt.Sprint(b.newUserID()),
		Options: []discordtest.Option{{Name: "prompt", Value: "a lighthouse from my photo --strength 0.45"},
			{Name: "image", Value: discordtest.Upload{Filename: "photo.png", Data: pic}}}})
	if err != nil {
		t.Fatal(err)
	}
	m := b.dcWaitImage(it)
	rec, ok := dcImgRecord(sim, "/sdapi/v1/img2img")
	if !ok || !bytes.Equal(rec.InitImage, pic) {
		t.Fatalf("img2img got init image %v (%d bytes), want the user's %d-byte photo", ok, len(rec.InitImage), len(pic))
	}
	var body struct {
		Strength      float64 `json:"denoising_strength"`
		Width, Height int
	}
	if err := json.Unmarshal(rec.Body, &body); err != nil || body.Strength != 0.45 || body.Width <= body.Height {
		t.Errorf("img2img body strength %v size %dx%d (%v), want 0.45 and the photo's landscape shape", body.Strength, body.Width, body.Height, err)
	}
	if !strings.Contains(dcImgCaption(m), "Started from your image · strength 0.45") {
		t.Errorf("caption %q, want it to say it started from the photo", dcImgCaption(m))
	}

	// ⬆ Upscale on the second image of a batch: a larger image, as a reply.
	batch, err := b.dc.Interact(discordtest.InteractSpec{Name: "imagine", ChannelID: b.channel.ID, UserID: fmt.Sprint(b.newUserID()),
		Options: []discordtest.Option{{Name: "prompt", Value: "two boats"}, {Name: "count", Value: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	res := b.dcWaitImage(batch)
	if len(res.Attachments) != 2 {
		t.Fatalf("the batch has %d images, want 2", len(res.Attachments))
	}
	presser := fmt.Sprint(b.newUserID())
	click, err := b.dc.Interact(discordtest.InteractSpec{Type: discordtest.InteractionMessageComponent, MessageID: res.ID,
		UserID: presser, CustomID: dcImgButton(t, res, "u", 1)})
	if err != nil {
		t.Fatal(err)
	}
	var reply discordtest.Message
	b.waitDC("the upscale's reply", func() bool {
		for _, r := range b.dc.ChannelMessages(b.channel.ID) {
			if r.ReplyTo == res.ID && len(r.Attachments) == 1 && !strings.Contains(string(dcImgRaw(r.Components)), `"custom_id"`) {
				reply = r
				return true
			}
		}
		return false
	})
	up, ok := dcImgRecord(sim, "/sdapi/v1/extra-single-image")
	if !ok || !bytes.Equal(up.InitImage, res.Attachments[1].Data) {
		t.Errorf("extra-single-image got %d bytes, want the batch's second image", len(up.InitImage))
	}
	got, want := dcImgSize(t, reply.Attachments[0].Data), dcImgSize(t, res.Attachments[1].Data)
	if got.X != 2*want.X || got.Y != 2*want.Y {
		t.Errorf("the upscaled image is %v, want twice %v", got, want)
	}
	if !strings.Contains(dcImgCaption(reply), "by <@"+presser+">") {
		t.Errorf("the reply's caption %q, want the presser", dcImgCaption(reply))
	}
	if cb, _ := click.Acknowledgement(); cb.Type != discordtest.CallbackDeferredUpdateMessage {
		t.Errorf("the click was answered with type %d, want 6", cb.Type)
	}
	if after, _ := b.dc.Message(b.channel.ID, res.ID); len(after.History) != len(res.History) {
		t.Error("the result changed after the upscale")
	}
	if n := sim.Img2ImgCount() + sim.UpscaleCount(); n != 2 {
		t.Errorf("%d image jobs reached the server, want 2", n)
	}
}

// dcImgRecord returns the last successful request to path.
func dcImgRecord(sim *sdsim.Sim, path string) (sdsim.Record, bool) {
	recs := sim.Records()
	for i := len(recs) - 1; i >= 0; i-- {
		if recs[i].Path == path && recs[i].Status == 200 {
			return recs[i], true
		}
	}
	return sdsim.Record{}, false
}

// dcImgButton returns the custom id of a result's button: action act ("u"
// for ⬆ Upscale) on image idx.
func dcImgButton(t *testing.T, m discordtest.Message, act string, idx int) string {
	t.Helper()
	var rows []struct {
		Components []struct {
			CustomID string `json:"custom_id"`
		} `json:"components"`
	}
	if err := json.Unmarshal(dcImgRaw(m.Components), &rows); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		for _, c := range r.Components {
			f := strings.Split(c.CustomID, ":")
			if len(f) == 5 && f[2] == act && f[4] == fmt.Sprint(idx) {
				return c.CustomID
			}
		}
	}
	t.Fatalf("no button %s%d under the result: %s", act, idx, dcImgRaw(m.Components))
	return ""
}

func dcImgRaw(parts []json.RawMessage) []byte {
	out, _ := json.Marshal(parts)
	return out
}

// dcImgCaption returns the description of a message's first embed.
func dcImgCaption(m discordtest.Message) string {
	var e struct {
		Description string `json:"description"`
	}
	if len(m.Embeds) > 0 {
		_ = json.Unmarshal(m.Embeds[0], &e)
	}
	return e.Description
}

func dcImgSize(t *testing.T, data []byte) image.Point {
	t.Helper()
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	return image.Pt(cfg.Width, cfg.Height)
}
