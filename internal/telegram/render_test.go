package telegram

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

func TestParseCommand(t *testing.T) {
	cmdEntity := func(n int) []entity { return []entity{{Type: "bot_command", Offset: 0, Length: n}} }
	tests := []struct {
		text     string
		entities []entity
		name     string
		args     string
		ok       bool
	}{
		{"/imagine a cat", cmdEntity(8), "imagine", "a cat", true},
		{"/Imagine@Imagine_Test_Bot  a cat ", cmdEntity(25), "imagine", "a cat", true},
		{"/imagine@other_bot a cat", cmdEntity(18), "", "", false},
		{"/imagine", cmdEntity(8), "imagine", "", true},
		{"/imagine 🐱 and 猫", cmdEntity(8), "imagine", "🐱 and 猫", true},
		{"hello /imagine", []entity{{Type: "bot_command", Offset: 6, Length: 8}}, "", "", false},
		{"/imagine a cat", nil, "", "", false},
		{"/imagine a cat", cmdEntity(99), "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			c, ok := parseCommand(&message{Text: tt.text, Entities: tt.entities}, "imagine_test_bot")
			if ok != tt.ok || c.name != tt.name || c.args != tt.args {
				t.Errorf("parseCommand = %q %q %v, want %q %q %v", c.name, c.args, ok, tt.name, tt.args, tt.ok)
			}
		})
	}
}

func TestClip(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"hello", 5, "hello"},
		{"hello!", 5, "hell…"},
		{"🐱🐱🐱", 6, "🐱🐱🐱"}, // 6 UTF-16 units
		{"🐱🐱🐱", 5, "🐱🐱…"},
		{"a<b>&c", 4, "a<b…"},
	}
	for _, tt := range tests {
		if got := clip(tt.in, tt.n); got != tt.want || utf16Len(got) > tt.n {
			t.Errorf("clip(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestCaptionFits(t *testing.T) {
	st := imagine.Status{State: imagine.Done, Result: &imagine.Result{Seeds: []int64{1, 2, 3, 4}, Model: "m"},
		Params: imagine.Params{Width: 512, Height: 512, Steps: 20}}
	for _, p := range []string{"short", strings.Repeat("🐱x", 1000), strings.Repeat("&<>", 600)} {
		st.Params.UserPrompt = p
		c := caption("en", st, "Alice")
		if n := utf16Len(c); n > maxCaption {
			t.Errorf("caption of %d units, want ≤ %d", n, maxCaption)
		}
		if !strings.Contains(c, "Seed 1, 2, 3, 4") || !strings.HasSuffix(c, "by Alice") {
			t.Errorf("caption %q lost its details", c)
		}
		if !utf8.ValidString(c) {
			t.Errorf("caption %q is not valid UTF-8", c)
		}
	}
}

// pngOf returns the start of a PNG file of w×h pixels: the signature and
// the IHDR chunk, all that image.DecodeConfig reads.
func pngOf(w, h int) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(w))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(h))
	ihdr = append(ihdr, 8, 0, 0, 0, 0) // 8-bit greyscale
	chunk := append([]byte("IHDR"), ihdr...)
	b := []byte("\x89PNG\r\n\x1a\n")
	b = binary.BigEndian.AppendUint32(b, uint32(len(ihdr)))
	b = append(b, chunk...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(chunk))
}

func TestPhotoFits(t *testing.T) {
	tests := []struct {
		name string
		img  []byte
		want bool
	}{
		{"square", pngOf(512, 512), true},
		{"20:1", pngOf(1000, 50), true},
		{"21:1", pngOf(1050, 50), false},
		{"sides over 10000", pngOf(5001, 5000), false},
		{"over 10 MB", append(pngOf(8, 8), make([]byte, 10<<20)...), false},
		{"not an image", []byte("hello"), false},
	}
	for _, tt := range tests {
		if got := photoFits(tt.img); got != tt.want {
			t.Errorf("%s: photoFits = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestBuildRequest(t *testing.T) {
	who := imagine.Requester{Platform: imagine.Telegram, UserID: "1", Name: "A"}
	botMsg := &message{Caption: "a fox\nSeed 1 · 64x64", From: &botUser{IsBot: true}}
	tests := []struct {
		name    string
		args    string
		replied *message
		want    string // prompt, steps, aspect, seed
		err     bool
	}{
		{"plain", "a cat --steps 5", nil, "a cat 5 0:0 -1", false},
		{"reply text", "--steps 5", &message{Text: "a dog --ar 3:2 --seed 9"}, "a dog 5 3:2 9", false},
		{"command options win", "--ar 1:1", &message{Text: "a dog --ar 3:2"}, "a dog 0 1:1 -1", false},
		{"size replaces the reply's ratio", "--size 64x96", &message{Text: "a dog --ar 3:2"}, "a dog 0 0:0 -1", false},
		{"caption of a photo", "", &message{Caption: "sunset"}, "sunset 0 0:0 -1", false},
		{"someone's command", "", &message{Text: "/imagine a bird --steps 3"}, "a bird 3 0:0 -1", false},
		{"someone's bad option is text", "", &message{Text: "a bird --wat"}, "a bird --wat 0 0:0 -1", false},
		{"a bot's caption", "", botMsg, "a fox 0 0:0 -1", false},
		{"own prompt wins", "a moon", &message{Text: "a dog"}, "a moon 0 0:0 -1", false},
		{"own bad option", "--steps x", &message{Text: "a dog"}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := buildRequest(tt.args, tt.replied, who)
			if (err != nil) != tt.err {
				t.Fatalf("err = %v, want error %v", err, tt.err)
			}
			if err != nil {
				return
			}
			got := fmt.Sprintf("%s %d %d:%d %d", r.Prompt, r.Steps, r.Aspect.W, r.Aspect.H, r.Seed)
			if got != tt.want || r.Requester != who {
				t.Errorf("request = %q (by %+v), want %q", got, r.Requester, tt.want)
			}
		})
	}
}

func TestStoreBounds(t *testing.T) {
	s := newStore()
	for i := range storeMaxLists + 2 {
		s.putModels([]modelChoice{{Model: imagine.Model{Title: fmt.Sprint(i)}}})
	}
	if _, ok := s.models(1); ok {
		t.Error("the oldest model list was kept")
	}
	if l, ok := s.models(storeMaxLists + 2); !ok || l[0].Title != fmt.Sprint(storeMaxLists+1) {
		t.Errorf("newest model list = %v, %v", l, ok)
	}
}

func TestErrorKinds(t *testing.T) {
	tests := []struct {
		err                                 error
		notModified, gone, transient, flood bool
	}{
		{&apiError{Code: 400, Description: "Bad Request: message is not modified: specified new message content"}, true, false, false, false},
		{&apiError{Code: 400, Description: "Bad Request: message to edit not found"}, false, true, false, false},
		{&apiError{Code: 403, Description: "Forbidden: bot was blocked by the user"}, false, true, false, false},
		{&apiError{Code: 400, Description: "Bad Request: not enough rights to send text messages to the chat"}, false, true, false, false},
		{&apiError{Code: 400, Description: "Bad Request: not enough rights to send photos to the chat"}, false, false, false, false},
		{&apiError{Code: 429, Description: "Too Many Requests: retry after 3", RetryAfter: 3}, false, false, false, true},
		{&apiError{Code: 502, Description: "Bad Gateway"}, false, false, true, false},
		{&redactedError{msg: "telegram: sendMessage: connection refused", err: errors.New("x")}, false, false, true, false},
		{fmt.Errorf("x: %w", errors.Join(errors.New("y"), contextCanceled())), false, false, false, false},
	}
	for _, tt := range tests {
		if isNotModified(tt.err) != tt.notModified || isGone(tt.err) != tt.gone || isTransient(tt.err) != tt.transient || (retryAfter(tt.err) > 0) != tt.flood {
			t.Errorf("%v: notModified %v gone %v transient %v flood %v; want %v %v %v %v", tt.err,
				isNotModified(tt.err), isGone(tt.err), isTransient(tt.err), retryAfter(tt.err) > 0,
				tt.notModified, tt.gone, tt.transient, tt.flood)
		}
	}
}

func TestTransportErrorsAreRedacted(t *testing.T) {
	c := &tgClient{token: "123:SECRET"}
	err := c.wrap("sendMessage", &url.Error{Op: "Post", URL: "https://api.telegram.org/bot123:SECRET/sendMessage", Err: errors.New("connection refused")}, 0)
	if strings.Contains(err.Error(), "SECRET") {
		t.Errorf("error %q contains the token", err)
	}
	var ue *url.Error
	if !errors.As(err, &ue) || strings.Contains(ue.URL, "SECRET") {
		t.Errorf("wrapped url.Error %v still holds the token", ue)
	}
}

func contextCanceled() error { return context.Canceled }

func TestPreviewPhoto(t *testing.T) {
	big := image.NewNRGBA(image.Rect(0, 0, 700, 500))
	rng := rand.New(rand.NewPCG(1, 2)) // noise: a PNG as big as a real preview
	for i := 0; i+8 <= len(big.Pix); i += 8 {
		binary.LittleEndian.PutUint64(big.Pix[i:], rng.Uint64())
	}
	var b bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.NoCompression}).Encode(&b, big); err != nil {
		t.Fatal(err)
	}
	data, name, ok := previewPhoto(b.Bytes())
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if !ok || err != nil || format != "jpeg" || name != "preview.jpg" || cfg.Width != 350 || cfg.Height != 250 {
		t.Errorf("preview: ok %v, %s %dx%d (%v), name %q; want a 350x250 JPEG", ok, format, cfg.Width, cfg.Height, err, name)
	}
	if len(data) >= b.Len() {
		t.Errorf("preview of %d bytes, want it smaller than the %d-byte PNG", len(data), b.Len())
	}
	if _, _, ok := previewPhoto([]byte("not an image")); ok {
		t.Error("garbage accepted as a preview")
	}
}
