package telegram

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/imagine/imaginetest"
	"github.com/imaginebot/imaginebot/internal/telegram/telegramtest"
)

// picturePNG is a w×h PNG with a gradient (so that its thumbnails are
// real pictures), padded after its end with zero bytes up to size bytes
// (which readers ignore) when size is larger.
func picturePNG(t testing.TB, w, h, size int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 128, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if b.Len() > size && size > 0 {
		t.Fatalf("a %dx%d PNG takes %d bytes, more than %d", w, h, b.Len(), size)
	}
	return append(b.Bytes(), make([]byte, max(size-b.Len(), 0))...)
}

// animatedPNG is an APNG: a PNG with an acTL chunk after its IHDR.
func animatedPNG(t testing.TB) []byte {
	p := picturePNG(t, 16, 16, 0)
	const afterIHDR = 8 + 12 + 13
	body := []byte{0, 0, 0, 2, 0, 0, 0, 0}
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	chunk = append(append(chunk, "acTL"...), body...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(append([]byte("acTL"), body...)))
	return append(append(append([]byte{}, p[:afterIHDR]...), chunk...), p[afterIHDR:]...)
}

func gifPicture(t testing.TB) []byte {
	var b bytes.Buffer
	img := image.NewPaletted(image.Rect(0, 0, 8, 8), color.Palette{color.Black, color.White})
	if err := gif.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// jobsOf returns the backend's jobs of one kind.
func (h *harness) jobsOf(kind imagine.JobKind) []imaginetest.Job {
	var out []imaginetest.Job
	for _, j := range h.be.Jobs() {
		if j.Params.Kind == kind {
			out = append(out, j)
		}
	}
	return out
}

const startedLine = "🖼 Started from your image · strength "

func TestImg2ImgFromPhotoCaption(t *testing.T) {
	photo := picturePNG(t, 900, 600, 0)
	for _, tt := range []struct {
		name string
		chat telegramtest.Chat
		cmd  string
	}{
		{"private", dm, "/imagine a red fox in snow --strength 0.4"},
		{"group", group, "/imagine" + botTag + " a red fox in snow --strength 0.4"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, options{backend: imaginetest.Options{Manual: true}})
			cmd := h.tg.SendMessage(tt.chat, alice, tt.cmd, telegramtest.WithPhoto("fox.png", photo))
			h.waitStatus("the queued status", tt.chat.ID, cmd.ID, func(m telegramtest.Message) bool {
				return strings.HasPrefix(text(m), startedLine+"0.4\n")
			})
			if st := h.running(tt.chat.ID, cmd.ID); !strings.HasPrefix(text(st), startedLine+"0.4\n") {
				t.Errorf("running status = %q, want it to say it started from the picture", text(st))
			}
			h.release()
			m := h.waitDone(tt.chat.ID, cmd.ID)
			if !strings.HasPrefix(m.Caption, startedLine+"0.4\na red fox in snow\nSeed ") {
				t.Errorf("caption = %q, want the picture line, then the prompt", m.Caption)
			}
			for _, prefix := range []string{"r:", "p:", "u:", "v:"} {
				if callbackData(m, prefix) == "" {
					t.Errorf("result keyboard %v has no %s button", m.Keyboard, prefix)
				}
			}
			jobs := h.be.Jobs()
			if len(jobs) != 1 {
				t.Fatalf("%d backend jobs, want 1", len(jobs))
			}
			p := jobs[0].Params
			if p.Kind != imagine.KindImg2Img || p.Init == nil || !bytes.Equal(p.Init.Data, photo) || p.Strength != 0.4 {
				t.Fatalf("backend got kind %s, strength %g, init of %d bytes; want img2img at 0.4 from the photo's %d bytes (its largest size)",
					p.Kind, p.Strength, initLen(p), len(photo))
			}
			if p.Width <= p.Height {
				t.Errorf("output %dx%d, want the input's 3:2 landscape shape", p.Width, p.Height)
			}
			gets := h.tg.CallsTo("getFile")
			if len(gets) != 1 || gets[0].Params["file_id"] != cmd.Photo.FileID {
				t.Errorf("getFile calls %+v, want one for the largest size %s", gets, cmd.Photo.FileID)
			}
			if ds := h.tg.Downloads(); len(ds) != 1 || ds[0].Size != len(photo) {
				t.Errorf("downloads %+v, want one of %d bytes", ds, len(photo))
			}
		})
	}
}

func initLen(p imagine.Params) int {
	if p.Init == nil {
		return 0
	}
	return len(p.Init.Data)
}

func TestImg2ImgFromReplyAndDocument(t *testing.T) {
	h := newHarness(t, options{})
	photo := picturePNG(t, 400, 300, 0)
	doc := picturePNG(t, 200, 300, 0)
	captioned := picturePNG(t, 120, 80, 0)

	pm := h.tg.SendMessage(group, bob, "", telegramtest.WithPhoto("cat.png", photo))
	dm1 := h.tg.SendMessage(group, bob, "", telegramtest.WithDocument("drawing.png", doc))
	cases := []struct {
		name string
		cmd  telegramtest.Message
		want []byte
	}{
		{"reply to a photo", h.tg.SendMessage(group, alice, "/imagine"+botTag+" make it blue", telegramtest.ReplyTo(pm.ID)), photo},
		{"reply to a picture document", h.tg.SendMessage(group, alice, "/imagine"+botTag+" in watercolour", telegramtest.ReplyTo(dm1.ID)), doc},
		{"document's caption", h.tg.SendMessage(dm, alice, "/imagine a sketch", telegramtest.WithDocument("s.png", captioned)), captioned},
	}
	for _, c := range cases {
		h.waitDone(c.cmd.ChatID, c.cmd.ID)
	}
	jobs := h.jobsOf(imagine.KindImg2Img)
	if len(jobs) != len(cases) {
		t.Fatalf("%d img2img jobs, want %d", len(jobs), len(cases))
	}
	for _, c := range cases {
		found := false
		for _, j := range jobs {
			found = found || bytes.Equal(j.Params.Init.Data, c.want)
		}
		if !found {
			t.Errorf("%s: no backend job got its picture", c.name)
		}
	}
}

// TestImg2ImgBadInput sends every kind of unusable picture: each gets one
// clear line and no backend job; what Telegram says of the file refuses it
// before getFile.
func TestImg2ImgBadInput(t *testing.T) {
	const maxBytes, maxSide = 64 << 10, 100
	h := newHarness(t, options{
		settings: func(s *imagine.Settings) {
			s.Limits.Input = imagine.InputLimits{MaxBytes: maxBytes, MaxPixels: maxSide * maxSide}
		},
		cfg: Config{DownloadTimeout: 300 * time.Millisecond},
	})
	noSize := telegramtest.WithoutFileSize()
	doc := func(name string, data []byte) telegramtest.MsgOption { return telegramtest.WithDocument(name, data) }
	const (
		notImage  = "That file is not an image I can read; please send a PNG, JPEG or WebP picture."
		tooBig    = "That picture is too large (100 KB); the most I take is 64 KB."
		justOver  = "That picture is too large (64 KB); the most I take is 64 KB."
		fetchFail = "I could not fetch your picture from Telegram; please try again in a moment."
	)
	cases := []struct {
		name    string
		opts    []telegramtest.MsgOption
		prepare func()
		want    string
		fetched bool // getFile is called
	}{
		{"not an image, by its mime type", []telegramtest.MsgOption{doc("notes.txt", []byte("shopping list"))}, nil, notImage, false},
		{"not an image, by its bytes", []telegramtest.MsgOption{doc("photo.png", []byte("this is no PNG at all"))}, nil, notImage, true},
		{"over max_input_bytes by file_size", []telegramtest.MsgOption{doc("big.png", picturePNG(t, 32, 32, 100<<10))}, nil, tooBig, false},
		{"a photo over max_input_bytes by file_size", []telegramtest.MsgOption{telegramtest.WithPhoto("big.png", picturePNG(t, 32, 32, 100<<10))}, nil, tooBig, false},
		{"over max_input_bytes by its bytes", []telegramtest.MsgOption{doc("big.png", picturePNG(t, 32, 32, 100<<10)), noSize}, nil, tooBig, true},
		{"just over max_input_bytes by file_size", []telegramtest.MsgOption{doc("over.png", picturePNG(t, 32, 32, maxBytes+1))}, nil, justOver, false},
		{"just over max_input_bytes by its bytes", []telegramtest.MsgOption{doc("over.png", picturePNG(t, 32, 32, maxBytes+1)), noSize}, nil, justOver, true},
		{"just over max_input_pixels", []telegramtest.MsgOption{doc("wide.png", picturePNG(t, maxSide+1, maxSide, 0))}, nil,
			"That picture is too large (101×100 pixels); the most I take is 1 megapixels.", true},
		{"animated", []telegramtest.MsgOption{doc("moving.png", animatedPNG(t))}, nil,
			"Animated pictures can't be used; please send a still PNG, JPEG or WebP picture.", true},
		{"unsupported format", []telegramtest.MsgOption{doc("old.gif", gifPicture(t))}, nil,
			"GIF pictures can't be used; please send a PNG, JPEG or WebP picture.", true},
		{"getFile fails", []telegramtest.MsgOption{doc("a.png", picturePNG(t, 8, 8, 0))},
			func() { h.tg.FailNext("getFile", http.StatusInternalServerError, "Internal Server Error", 1) }, fetchFail, true},
		{"download fails", []telegramtest.MsgOption{doc("a.png", picturePNG(t, 8, 8, 0))},
			func() { h.tg.FailDownloads(telegramtest.DownloadFault{Status: http.StatusBadGateway}) }, fetchFail, true},
		{"download is an HTML page", []telegramtest.MsgOption{doc("a.png", picturePNG(t, 8, 8, 0))},
			func() { h.tg.FailDownloads(telegramtest.DownloadFault{HTML: true}) }, fetchFail, true},
		{"download too slow", []telegramtest.MsgOption{doc("a.png", picturePNG(t, 8, 8, 0))},
			func() { h.tg.FailDownloads(telegramtest.DownloadFault{Delay: 10 * time.Second}) }, fetchFail, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.prepare != nil {
				c.prepare()
			}
			gets := len(h.tg.CallsTo("getFile"))
			cmd := h.tg.SendMessage(dm, alice, "/imagine a cat", c.opts...)
			m := h.waitReply(dm.ID, cmd.ID, c.want)
			if text(m) != c.want {
				t.Errorf("reply %q, want exactly the one line %q", text(m), c.want)
			}
			if fetched := len(h.tg.CallsTo("getFile")) > gets; fetched != c.fetched {
				t.Errorf("getFile called: %v, want %v", fetched, c.fetched)
			}
		})
	}
	if n := len(h.be.Jobs()); n != 0 {
		t.Errorf("the backend ran %d jobs, want none", n)
	}
	for _, m := range h.tg.Messages(dm.ID) {
		if m.From.IsBot && strings.Count(text(m), "\n") > 0 {
			t.Errorf("reply %q is more than one line", text(m))
		}
	}
	// The slow download ended in the client's timeout, whose error names
	// the URL: the log has it without the token (the harness checks that
	// the token is nowhere in the log).
	if !strings.Contains(h.logs.String(), "/file/bot<token>/documents/") {
		t.Error("the log does not show the scrubbed URL of the failed download")
	}
}

// TestImg2ImgAtTheLimits: pictures exactly at each limit are taken.
func TestImg2ImgAtTheLimits(t *testing.T) {
	const maxBytes, maxSide = 64 << 10, 100
	h := newHarness(t, options{settings: func(s *imagine.Settings) {
		s.Limits.Input = imagine.InputLimits{MaxBytes: maxBytes, MaxPixels: maxSide * maxSide}
	}})
	atBytes := picturePNG(t, 32, 32, maxBytes)
	atPixels := picturePNG(t, maxSide, maxSide, 0)
	cmds := []telegramtest.Message{
		h.tg.SendMessage(dm, alice, "/imagine a cat", telegramtest.WithDocument("a.png", atBytes)),
		h.tg.SendMessage(dm, alice, "/imagine a cat", telegramtest.WithDocument("a.png", atBytes), telegramtest.WithoutFileSize()),
		h.tg.SendMessage(dm, alice, "/imagine a cat", telegramtest.WithDocument("b.png", atPixels)),
	}
	for _, c := range cmds {
		h.waitDone(dm.ID, c.ID)
	}
	var bySize, byPixels int // the pictures are fetched in parallel
	for _, j := range h.jobsOf(imagine.KindImg2Img) {
		switch {
		case bytes.Equal(j.Params.Init.Data, atBytes):
			bySize++
		case bytes.Equal(j.Params.Init.Data, atPixels):
			byPixels++
		}
	}
	if bySize != 2 || byPixels != 1 {
		t.Errorf("img2img jobs: %d at the byte limit and %d at the pixel limit, want 2 and 1", bySize, byPixels)
	}
}

// TestImg2ImgTelegramLimit: Telegram lets bots download 20 MB at most;
// over it, the user learns why, whether file_size says so or getFile.
func TestImg2ImgTelegramLimit(t *testing.T) {
	h := newHarness(t, options{settings: func(s *imagine.Settings) {
		s.Limits.Input = imagine.InputLimits{MaxBytes: 30 << 20}
	}})
	const want = "That file is over 20 MB, the most Telegram lets a bot download; please send a smaller picture (as a photo, Telegram makes it smaller for you)."
	over := picturePNG(t, 16, 16, telegramtest.MaxDownloadBytes+1)
	for _, tt := range []struct {
		name    string
		opts    []telegramtest.MsgOption
		fetched bool
	}{
		{"by file_size", []telegramtest.MsgOption{telegramtest.WithDocument("huge.png", over)}, false},
		{"by getFile", []telegramtest.MsgOption{telegramtest.WithDocument("huge.png", over), telegramtest.WithoutFileSize()}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			gets := len(h.tg.CallsTo("getFile"))
			cmd := h.tg.SendMessage(dm, alice, "/imagine a cat", tt.opts...)
			if m := h.waitReply(dm.ID, cmd.ID, "20 MB"); text(m) != want {
				t.Errorf("reply %q, want %q", text(m), want)
			}
			if fetched := len(h.tg.CallsTo("getFile")) > gets; fetched != tt.fetched {
				t.Errorf("getFile called: %v, want %v", fetched, tt.fetched)
			}
		})
	}
	if len(h.tg.Downloads()) != 0 || len(h.be.Jobs()) != 0 {
		t.Errorf("%d downloads and %d jobs, want none", len(h.tg.Downloads()), len(h.be.Jobs()))
	}
	at := picturePNG(t, 16, 16, telegramtest.MaxDownloadBytes)
	cmd := h.tg.SendMessage(dm, alice, "/imagine a cat", telegramtest.WithDocument("limit.png", at))
	h.waitDone(dm.ID, cmd.ID)
	if jobs := h.jobsOf(imagine.KindImg2Img); len(jobs) != 1 || initLen(jobs[0].Params) != len(at) {
		t.Errorf("a picture of exactly 20 MB: %d jobs, want one with all its bytes", len(jobs))
	}
}

// TestImg2ImgAdmittedBeforeDownload: a user the bot would refuse anyway (a
// block here) gets the reason at once, and their picture is not fetched:
// such users cannot keep the downloads busy.
func TestImg2ImgAdmittedBeforeDownload(t *testing.T) {
	h := newHarness(t, options{svc: imagine.Config{Moderation: imagine.Moderation{BlockedUsers: []string{fmt.Sprintf("tg:%d", alice.ID)}}}})
	cmd := h.tg.SendMessage(dm, alice, "/imagine a cat", telegramtest.WithPhoto("cat.png", picturePNG(t, 32, 32, 0)))
	want := catalog.T("en", catalog.MsgBlocked)
	if m := h.waitReply(dm.ID, cmd.ID, want); text(m) != want {
		t.Errorf("reply %q, want %q", text(m), want)
	}
	if n := len(h.tg.CallsTo("getFile")); n != 0 {
		t.Errorf("getFile called %d times for a blocked user's picture, want none", n)
	}
}
