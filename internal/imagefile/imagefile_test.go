package imagefile

import (
	"bytes"
	"errors"
	"image"
	"testing"

	"github.com/imaginebot/imaginebot/internal/imagine/imaginetest"
)

func TestFitImage(t *testing.T) {
	big := imaginetest.NoisePNG(256, 256) // about 260 kB
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
			out, ext, err := Fit(big, tt.budget)
			if tt.err {
				if !errors.Is(err, ErrTooLarge) {
					t.Fatalf("Fit = %d bytes, %v; want ErrTooLarge", len(out), err)
				}
				return
			}
			if err != nil || ext != tt.wantExt || int64(len(out)) > tt.budget {
				t.Fatalf("Fit = %d bytes %s, %v; want at most %d bytes of %s", len(out), ext, err, tt.budget, tt.wantExt)
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

func TestShrink(t *testing.T) {
	tests := []struct {
		w, h, side   int
		wantW, wantH int
	}{
		{4, 4, 2, 2, 2},
		{700, 500, 350, 350, 250},
		{100, 60, 640, 100, 60},
		{1000, 10, 300, 250, 2},
	}
	for _, tt := range tests {
		img := Shrink(image.NewNRGBA(image.Rect(0, 0, tt.w, tt.h)), tt.side)
		if b := img.Bounds(); b.Dx() != tt.wantW || b.Dy() != tt.wantH {
			t.Errorf("Shrink(%dx%d, %d) = %v, want %dx%d", tt.w, tt.h, tt.side, b, tt.wantW, tt.wantH)
		}
		// A transparent pixel becomes white, not black.
		if r, g, bl, a := img.At(0, 0).RGBA(); r>>8 != 0xff || g>>8 != 0xff || bl>>8 != 0xff || a>>8 != 0xff {
			t.Errorf("transparent pixel shrank to %v, want opaque white", img.At(0, 0))
		}
	}
}

func TestFormatAndExt(t *testing.T) {
	tests := []struct {
		data              []byte
		format, ext, ctyp string
	}{
		{[]byte("\x89PNG\r\n\x1a\n0000"), "png", "png", "image/png"},
		{[]byte("\xff\xd8\xff\xe0"), "jpeg", "jpg", "image/jpeg"},
		{[]byte("RIFF0000WEBPVP8 "), "webp", "webp", "image/webp"},
		{[]byte("GIF89a"), "gif", "gif", "image/gif"},
		{[]byte("not an image"), "", "png", "image/png"},
		{nil, "", "png", "image/png"},
	}
	for _, tt := range tests {
		if f := Format(tt.data); f != tt.format {
			t.Errorf("Format(%q) = %q, want %q", tt.data, f, tt.format)
		}
		if ext, ct := Ext(tt.data); ext != tt.ext || ct != tt.ctyp {
			t.Errorf("Ext(%q) = %s, %s; want %s, %s", tt.data, ext, ct, tt.ext, tt.ctyp)
		}
	}
}
