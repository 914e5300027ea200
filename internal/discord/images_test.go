package discord

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

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

// grainyImages is a backend whose images are as large as a real server's:
// gradients with film grain of the same size, which PNG cannot compress to
// the few hundred bytes of the scripted backend's flat images.
type grainyImages struct{ imagine.Backend }

func (b grainyImages) Generate(ctx context.Context, p imagine.Params, progress func(imagine.Progress)) (*imagine.Result, error) {
	res, err := b.Backend.Generate(ctx, p, progress)
	if err != nil {
		return nil, err
	}
	for i, data := range res.Images {
		cfg, err := png.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return nil, err
		}
		if res.Images[i], err = grainyPNG(cfg.Width, cfg.Height); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// grainyPNG returns a w×h PNG of colour gradients with random grain.
func grainyPNG(w, h int) ([]byte, error) {
	r := rand.New(rand.NewPCG(3, 4))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			g := r.Uint32()
			i := img.PixOffset(x, y)
			img.Pix[i] = uint8(x*255/w) ^ uint8(g&15)
			img.Pix[i+1] = uint8(y*255/h) ^ uint8(g>>8&15)
			img.Pix[i+2] = uint8((x+y)*127/(w+h)) ^ uint8(g>>16&15)
			img.Pix[i+3] = 255
		}
	}
	var buf bytes.Buffer
	err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img)
	return buf.Bytes(), err
}

// testFilesStayUnderTheLimit runs a job whose PNG is larger than the
// interaction's attachment_size_limit: the image arrives re-encoded.
// fileLimit is the attachment size limit of the strict environment, whose
// backend draws grainy gradients (grainyImages), 256x256 in about 115 kB.
const fileLimit = 10_000

func testFilesStayUnderTheLimit(t *testing.T, e *env) {
	const limit = fileLimit
	m := e.waitFinal(e.imagine("1501", "large landscape --size 256x256"))
	if len(m.Attachments) != 1 {
		t.Fatalf("no image delivered:\n%s", describe(m))
	}
	if data, _ := grainyPNG(256, 256); len(data) <= limit {
		t.Fatalf("the backend's PNG has %d bytes, within the %d limit: the test proves nothing", len(data), limit)
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
