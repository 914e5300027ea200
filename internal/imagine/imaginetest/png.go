package imaginetest

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"slices"
	"sync"
)

// previewPNG is a 16×16 preview whose brightness grows with the step.
func previewPNG(step, steps int) []byte {
	v := uint8(255 * step / max(steps, 1))
	previews.Lock()
	defer previews.Unlock()
	data, ok := previews.m[v]
	if !ok {
		data = encode(image.Rect(0, 0, 16, 16), color.RGBA{v, v, v, 255}, color.RGBA{v, v, v, 255}, 0)
		previews.m[v] = data
	}
	return slices.Clone(data)
}

// previews are the encoded previews by brightness: a step costs no encoding.
var previews = struct {
	sync.Mutex
	m map[uint8][]byte
}{m: make(map[uint8][]byte)}

// finalPNG is a w×h image whose colours and stripe position depend on the
// seed, so that images of different seeds differ.
func finalPNG(w, h int, seed int64) []byte {
	x := uint64(seed)*0x9E3779B97F4A7C15 + 1
	bg := color.RGBA{uint8(x >> 8), uint8(x >> 16), uint8(x >> 24), 255}
	fg := color.RGBA{^bg.R, ^bg.G, ^bg.B, 255}
	return encode(image.Rect(0, 0, w, h), bg, fg, int(x>>32%uint64(h)))
}

// encode draws a background with one horizontal stripe of fg at row y, as
// a two-colour paletted PNG (small and quick to encode at any size).
func encode(r image.Rectangle, bg, fg color.Color, y int) []byte {
	img := image.NewPaletted(r, color.Palette{bg, fg})
	for x := r.Min.X; x < r.Max.X; x++ {
		img.SetColorIndex(x, y, 1)
	}
	var buf bytes.Buffer
	if err := encoder.Encode(&buf, img); err != nil {
		panic("imaginetest: png encode: " + err.Error()) // only fails on invalid images or writers
	}
	return buf.Bytes()
}

// encoder reuses its compressors: allocating one per image made a step's
// preview cost milliseconds under the race detector.
var encoder = png.Encoder{BufferPool: &bufferPool{}}

// bufferPool is a png.EncoderBufferPool on a sync.Pool.
type bufferPool struct{ p sync.Pool }

func (b *bufferPool) Get() *png.EncoderBuffer {
	buf, _ := b.p.Get().(*png.EncoderBuffer)
	return buf
}

func (b *bufferPool) Put(buf *png.EncoderBuffer) { b.p.Put(buf) }

// NoisePNG returns a w×h PNG of random pixels, the same for every call
// (incompressible, so it is as large as a PNG of its size gets), with a
// transparent top-left pixel: for tests of image sizes, re-encoding and
// flattening.
func NoisePNG(w, h int) []byte {
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
	_ = png.Encode(&buf, img) // writing to a bytes.Buffer cannot fail
	return buf.Bytes()
}
