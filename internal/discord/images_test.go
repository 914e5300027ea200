package discord

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
)

// noisePNG returns a w×h PNG of random pixels (incompressible), with a
// transparent top-left pixel.
func noisePNG(t *testing.T, w, h int) []byte {
	t.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(r.IntN(256))
	}
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 255
	}
	img.SetNRGBA(0, 0, color.NRGBA{})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestFitImage(t *testing.T) {
	big := noisePNG(t, 256, 256) // about 260 kB
	tests := []struct {
		name    string
		budget  int64
		wantExt string
		smaller bool // downscaled
		err     bool
	}{
		{"fits", int64(len(big)), "png", false, false},
		{"jpeg", int64(len(big)) / 2, "jpg", false, false},
		{"downscaled", 10_000, "jpg", true, false},
		{"impossible", 100, "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, ext, err := fitImage(big, tt.budget)
			if tt.err {
				if !errors.Is(err, errTooLarge) {
					t.Fatalf("fitImage = %d bytes, %v; want errTooLarge", len(out), err)
				}
				return
			}
			if err != nil || ext != tt.wantExt || int64(len(out)) > tt.budget {
				t.Fatalf("fitImage = %d bytes %s, %v; want at most %d bytes of %s", len(out), ext, err, tt.budget, tt.wantExt)
			}
			img, _, err := image.Decode(bytes.NewReader(out))
			if err != nil {
				t.Fatalf("result does not decode: %v", err)
			}
			if got := img.Bounds().Dx() < 256; got != tt.smaller {
				t.Errorf("result is %v, downscaled = %v, want %v", img.Bounds(), got, tt.smaller)
			}
			if ext == "jpg" {
				// JPEG has no alpha: transparent pixels become white.
				r, g, b, _ := img.At(0, 0).RGBA()
				if !tt.smaller && (r < 0xc000 || g < 0xc000 || b < 0xc000) {
					t.Errorf("transparent pixel became %v, want white", img.At(0, 0))
				}
			}
		})
	}
}

func TestFileBudget(t *testing.T) {
	tests := []struct {
		limit int64
		n     int
		want  int64
	}{
		{0, 1, 10 << 20},
		{8 << 20, 1, 8 << 20},
		{50 << 20, 1, 25<<20 - 64<<10},
		{10 << 20, 10, (25<<20 - 64<<10) / 10},
		{10 << 20, 0, 10 << 20},
	}
	for _, tt := range tests {
		if got := fileBudget(tt.limit, tt.n); got != tt.want {
			t.Errorf("fileBudget(%d, %d) = %d, want %d", tt.limit, tt.n, got, tt.want)
		}
	}
}

// testFilesStayUnderTheLimit runs a job whose PNG is larger than the
// interaction's attachment_size_limit: the image arrives re-encoded.
// fileLimit is the attachment size limit of the strict environment; the
// simulated server's 256x256 PNGs have about 25 kB.
const fileLimit = 10_000

func testFilesStayUnderTheLimit(t *testing.T, e *env) {
	const limit = fileLimit
	m := e.waitFinal(e.imagine("1501", "large landscape --size 256x256"))
	if len(m.Attachments) != 1 {
		t.Fatalf("no image delivered:\n%s", describe(m))
	}
	a := m.Attachments[0]
	if !strings.HasSuffix(a.Filename, ".jpg") || a.Size > limit || a.Width == 0 {
		t.Errorf("attachment %s of %d bytes (%dx%d), want a JPEG of at most %d bytes", a.Filename, a.Size, a.Width, a.Height, limit)
	}
	for _, c := range e.srv.Calls() {
		if c.Code == discordtest.CodeEntityTooLarge {
			t.Errorf("a request was too large: %s", c.Route)
		}
	}
}
