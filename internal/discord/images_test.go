package discord

import (
	"bytes"
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
