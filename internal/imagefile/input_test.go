package imagefile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

func encoded(t testing.TB, enc func(*bytes.Buffer, image.Image) error, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := enc(&buf, image.NewRGBA(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func pngOf(t testing.TB, w, h int) []byte {
	return encoded(t, func(b *bytes.Buffer, m image.Image) error { return png.Encode(b, m) }, w, h)
}

func jpegOf(t testing.TB, w, h int) []byte {
	return encoded(t, func(b *bytes.Buffer, m image.Image) error { return jpeg.Encode(b, m, nil) }, w, h)
}

// pngChunk encodes one PNG chunk with its CRC.
func pngChunk(typ string, data []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	out = append(out, typ...)
	out = append(out, data...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(append([]byte(typ), data...)))
}

// bombPNG is a 57-byte PNG whose header declares w×h pixels: decoding it
// would allocate them all.
func bombPNG(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0) // 8-bit RGBA
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, pngChunk("IHDR", ihdr)...)
	out = append(out, pngChunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...)
	return append(out, pngChunk("IEND", nil)...)
}

// apng inserts an acTL chunk after a PNG's IHDR.
func apng(t testing.TB) []byte {
	p := pngOf(t, 16, 16)
	const afterIHDR = 8 + 12 + 13
	actl := pngChunk("acTL", []byte{0, 0, 0, 2, 0, 0, 0, 0})
	return append(append(append([]byte{}, p[:afterIHDR]...), actl...), p[afterIHDR:]...)
}

// webp builds a RIFF WebP with one chunk.
func webp(chunk string, body []byte) []byte {
	for len(body) < 12 {
		body = append(body, 0)
	}
	out := []byte("RIFF")
	out = binary.LittleEndian.AppendUint32(out, uint32(4+8+len(body)))
	out = append(out, "WEBP"+chunk...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(body)))
	return append(out, body...)
}

func webpLossless(w, h int) []byte {
	bits := uint32(w-1) | uint32(h-1)<<14
	return webp("VP8L", binary.LittleEndian.AppendUint32([]byte{0x2f}, bits))
}

func webpLossy(w, h int) []byte {
	body := []byte{0, 0, 0, 0x9d, 0x01, 0x2a}
	body = binary.LittleEndian.AppendUint16(body, uint16(w))
	body = binary.LittleEndian.AppendUint16(body, uint16(h))
	return webp("VP8 ", body)
}

func webpExtended(w, h int, flags byte) []byte {
	body := []byte{flags, 0, 0, 0, byte(w - 1), byte((w - 1) >> 8), byte((w - 1) >> 16), byte(h - 1), byte((h - 1) >> 8), byte((h - 1) >> 16)}
	return webp("VP8X", body)
}

func TestCheckInput(t *testing.T) {
	small := pngOf(t, 64, 64)
	photo := jpegOf(t, 300, 200)
	var gifBuf bytes.Buffer
	if err := gif.Encode(&gifBuf, image.NewPaletted(image.Rect(0, 0, 8, 8), color.Palette{color.Black, color.White}), nil); err != nil {
		t.Fatal(err)
	}
	heic := append([]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), make([]byte, 32)...)
	tests := []struct {
		name       string
		data       []byte
		lim        imagine.InputLimits
		wantFormat string
		wantW      int
		wantH      int
		wantErr    catalog.MsgID
	}{
		{"png", small, imagine.InputLimits{}, "png", 64, 64, -1},
		{"jpeg", photo, imagine.InputLimits{}, "jpeg", 300, 200, -1},
		{"webp lossless", webpLossless(1000, 700), imagine.InputLimits{}, "webp", 1000, 700, -1},
		{"webp lossy", webpLossy(640, 480), imagine.InputLimits{}, "webp", 640, 480, -1},
		{"webp extended, still", webpExtended(3000, 2000, 0x10), imagine.InputLimits{}, "webp", 3000, 2000, -1},
		{"bytes exactly at the limit", small, imagine.InputLimits{MaxBytes: int64(len(small))}, "png", 64, 64, -1},
		{"bytes just over the limit", small, imagine.InputLimits{MaxBytes: int64(len(small)) - 1}, "", 0, 0, catalog.MsgInputTooBig},
		{"pixels exactly at the limit", small, imagine.InputLimits{MaxPixels: 64 * 64}, "png", 64, 64, -1},
		{"pixels just over the limit", small, imagine.InputLimits{MaxPixels: 64*64 - 1}, "", 0, 0, catalog.MsgInputTooManyPixels},
		{"default pixels: exactly 4096×4096", bombPNG(4096, 4096), imagine.InputLimits{}, "png", 4096, 4096, -1},
		{"default pixels: 4096×4097", bombPNG(4096, 4097), imagine.InputLimits{}, "", 0, 0, catalog.MsgInputTooManyPixels},
		{"decompression bomb: 57 bytes declaring 100000×100000", bombPNG(100000, 100000), imagine.InputLimits{}, "", 0, 0, catalog.MsgInputTooManyPixels},
		{"webp bomb", webpExtended(16000, 16000, 0), imagine.InputLimits{}, "", 0, 0, catalog.MsgInputTooManyPixels},
		{"apng", apng(t), imagine.InputLimits{}, "", 0, 0, catalog.MsgInputAnimated},
		{"animated webp", webpExtended(100, 100, 0x02|0x10), imagine.InputLimits{}, "", 0, 0, catalog.MsgInputAnimated},
		{"gif", gifBuf.Bytes(), imagine.InputLimits{}, "", 0, 0, catalog.MsgInputFormat},
		{"heic", heic, imagine.InputLimits{}, "", 0, 0, catalog.MsgInputFormat},
		{"bmp", append([]byte("BM"), make([]byte, 60)...), imagine.InputLimits{}, "", 0, 0, catalog.MsgInputFormat},
		{"text", []byte("hello, this is not a picture"), imagine.InputLimits{}, "", 0, 0, catalog.MsgInputNotImage},
		{"empty", nil, imagine.InputLimits{}, "", 0, 0, catalog.MsgInputNotImage},
		{"png signature only", []byte("\x89PNG\r\n\x1a\n"), imagine.InputLimits{}, "", 0, 0, catalog.MsgInputNotImage},
		{"png with a broken header", append(bombPNG(10, 10)[:20], 0, 0), imagine.InputLimits{}, "", 0, 0, catalog.MsgInputNotImage},
		{"truncated jpeg", photo[:4], imagine.InputLimits{}, "", 0, 0, catalog.MsgInputNotImage},
		{"riff but not webp", append([]byte("RIFF\x00\x00\x00\x00WAVEfmt "), make([]byte, 30)...), imagine.InputLimits{}, "", 0, 0, catalog.MsgInputNotImage},
		{"webp lossy without a key frame", webp("VP8 ", []byte{0, 0, 0, 1, 2, 3, 0, 0, 0, 0}), imagine.InputLimits{}, "", 0, 0, catalog.MsgInputNotImage},
		{"webp with an unknown first chunk", webp("ALPH", nil), imagine.InputLimits{}, "", 0, 0, catalog.MsgInputNotImage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := CheckInput(tt.data, tt.lim)
			if tt.wantErr >= 0 {
				var ue *imagine.UserError
				if !errors.As(err, &ue) || ue.ID != tt.wantErr || !errors.Is(err, imagine.ErrBadImage) {
					t.Fatalf("CheckInput = %+v, %v; want message %d of kind ErrBadImage", in, err, tt.wantErr)
				}
				for _, loc := range []string{"en", "zh"} {
					if s := imagine.Describe(err, loc); s == "" || bytes.ContainsAny([]byte(s), "\n") || bytes.Contains([]byte(s), []byte("%!")) {
						t.Errorf("the refusal in %s is %q; want one clean line", loc, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("CheckInput: %v", err)
			}
			if in.Format != tt.wantFormat || in.Width != tt.wantW || in.Height != tt.wantH || !bytes.Equal(in.Data, tt.data) {
				t.Errorf("CheckInput = %s %dx%d; want %s %dx%d", in.Format, in.Width, in.Height, tt.wantFormat, tt.wantW, tt.wantH)
			}
		})
	}
}

func TestByteSize(t *testing.T) {
	for n, want := range map[int64]string{10 << 20: "10 MB", 10<<20 + 1<<19: "10.5 MB", 2048: "2 KB", 5: "5 bytes"} {
		if got := ByteSize(n); got != want {
			t.Errorf("ByteSize(%d) = %q, want %q", n, got, want)
		}
	}
}

// BenchmarkCheckInput5MB checks a 5 MB photo's header, as every img2img
// does before its image goes to the server.
func BenchmarkCheckInput5MB(b *testing.B) {
	photo := append(jpegOf(b, 4000, 3000), make([]byte, 5<<20)...) // padded to about 5 MB
	b.SetBytes(int64(len(photo)))
	for b.Loop() {
		if _, err := CheckInput(photo, imagine.InputLimits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestHeader: Header reads a result's format and size with no limits (a
// bomb's declared size too: nothing is allocated), and refuses what is no
// image.
func TestHeader(t *testing.T) {
	in, err := Header(bombPNG(50000, 50000))
	if err != nil || in.Format != "png" || in.Width != 50000 || in.Height != 50000 {
		t.Errorf("Header of a 50000² PNG header = %+v, %v; want png 50000x50000", in, err)
	}
	if _, err := CheckInput(bombPNG(50000, 50000), imagine.InputLimits{}); err == nil {
		t.Error("CheckInput took a 50000² PNG")
	}
	for _, data := range [][]byte{[]byte("text"), apng(t)} {
		if _, err := Header(data); !errors.Is(err, imagine.ErrBadImage) {
			t.Errorf("Header(%.8q) = %v, want ErrBadImage", data, err)
		}
	}
}
