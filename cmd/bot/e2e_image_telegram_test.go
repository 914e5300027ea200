package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"slices"
	"strings"
	"testing"

	"github.com/imaginebot/imaginebot/internal/sdsim"
	"github.com/imaginebot/imaginebot/internal/telegram/telegramtest"
)

// TestE2EImageTelegram runs the program with sdsim and the fake Bot API:
// a photo sent with /imagine reaches /sdapi/v1/img2img as init_images[0]
// (its largest size, fetched through getFile and the file route of
// telegram.api_url), and ⬆ Upscale under one image of a batch posts that
// image to /sdapi/v1/extra-single-image and delivers the larger image as
// a new message replying to the result.
func TestE2EImageTelegram(t *testing.T) {
	checkNoLeaks(t)
	b := startBot(t, e2eOptions{})
	u := telegramtest.User{ID: b.newUserID(), FirstName: "Pia", LanguageCode: "en"}
	chat := telegramtest.Chat{ID: u.ID, Type: telegramtest.ChatPrivate}

	photo := gradientPNG(t, 480, 320)
	cmd := b.tg.SendMessage(chat, u, "/imagine a red fox in snow --strength 0.5", telegramtest.WithPhoto("fox.png", photo))
	res := b.tgWaitImage(tgRequest{user: u, chat: chat, cmd: cmd.ID})
	if !strings.HasPrefix(res.Caption, "🖼 Started from your image · strength 0.5\na red fox in snow\n") {
		t.Errorf("caption %q, want it to say it started from the picture", res.Caption)
	}
	recs := sdRecords(b.sd.Sim(), "/sdapi/v1/img2img")
	if len(recs) != 1 || !bytes.Equal(recs[0].InitImage, photo) {
		t.Fatalf("%d img2img requests; want one whose init_images[0] is the photo's largest size", len(recs))
	}
	var body struct {
		Strength float64 `json:"denoising_strength"`
		Width    int     `json:"width"`
		Height   int     `json:"height"`
	}
	if err := json.Unmarshal(recs[0].Body, &body); err != nil || body.Strength != 0.5 || body.Width <= body.Height {
		t.Errorf("img2img request %+v (%v), want denoising_strength 0.5 and the photo's landscape shape", body, err)
	}

	batch := b.tg.SendMessage(chat, u, "/imagine two cats --n 2")
	var album []telegramtest.Message
	var capMsg telegramtest.Message
	b.waitTG("the batch's result", func() bool {
		album = nil
		for _, m := range b.tgReplies(tgRequest{user: u, chat: chat, cmd: batch.ID}) {
			switch {
			case m.Photo != nil && m.MediaGroupID != "":
				album = append(album, m)
			case strings.Contains(m.Text, "\nSeed ") && m.Keyboard != nil:
				capMsg = m
			}
		}
		return len(album) == 2 && capMsg.ID != 0
	})
	data := ""
	for _, row := range capMsg.Keyboard {
		for _, btn := range row {
			if btn.Text == "⬆2" {
				data = btn.CallbackData
			}
		}
	}
	if data == "" {
		t.Fatalf("the batch's keyboard %v has no ⬆2", capMsg.Keyboard)
	}
	b.tg.Click(chat, u, capMsg.ID, data)
	var up telegramtest.Message
	b.waitTG("the upscale", func() bool {
		for _, m := range b.tg.Messages(chat.ID) {
			if m.From.IsBot && m.ReplyTo == capMsg.ID && tgIsImage(m) && strings.HasPrefix(m.Caption, "⬆ Upscaled ×2\n") {
				up = m
				return true
			}
		}
		return false
	})
	ups := sdRecords(b.sd.Sim(), "/sdapi/v1/extra-single-image")
	if len(ups) != 1 || !bytes.Equal(ups[0].InitImage, album[1].Photo.Bytes) {
		t.Fatalf("%d extra-single-image requests; want one with the batch's second image", len(ups))
	}
	in, _, err1 := image.DecodeConfig(bytes.NewReader(album[1].Photo.Bytes))
	out, _, err2 := image.DecodeConfig(bytes.NewReader(up.Photo.Bytes))
	if err1 != nil || err2 != nil || out.Width != 2*in.Width || out.Height != 2*in.Height {
		t.Errorf("upscaled %dx%d to %dx%d (%v, %v), want twice the size", in.Width, in.Height, out.Width, out.Height, err1, err2)
	}
	if m, ok := b.tg.Message(chat.ID, capMsg.ID); !ok || m.Deleted {
		t.Error("the batch's result did not stay")
	}
}

// sdRecords returns the simulator's requests to path. (Their Status is
// set only after the answer went out, so it is not looked at.)
func sdRecords(sim *sdsim.Sim, path string) []sdsim.Record {
	return slices.DeleteFunc(sim.Records(), func(r sdsim.Record) bool { return r.Path != path })
}

// gradientPNG is a w×h PNG picture.
func gradientPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 90, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
