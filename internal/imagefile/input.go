package imagefile

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	_ "image/jpeg" // image.DecodeConfig reads JPEG headers
	_ "image/png"  // and PNG headers
	"net/http"
	"strings"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// CheckInput checks an image a user gave before anything decodes it: its
// size in bytes, then its format (PNG, JPEG or WebP; GIF, HEIC and others
// are refused by name), then whether it is animated (APNG, animated WebP),
// then its pixels as its header declares them, against lim (zero fields:
// the defaults, 10 MB and 4096×4096). Only the header is read, so a small
// file that declares huge dimensions (a decompression bomb) is refused
// without allocating them. Every refusal is an *imagine.UserError of kind
// imagine.ErrBadImage with a one-line reason.
func CheckInput(data []byte, lim imagine.InputLimits) (*imagine.InputImage, error) {
	if lim.MaxBytes <= 0 {
		lim.MaxBytes = imagine.DefaultMaxInputBytes
	}
	if lim.MaxPixels <= 0 {
		lim.MaxPixels = imagine.DefaultMaxInputPixels
	}
	if int64(len(data)) > lim.MaxBytes {
		return nil, refuse(catalog.MsgInputTooBig, ByteSize(int64(len(data))), ByteSize(lim.MaxBytes))
	}
	in, err := Header(data)
	if err != nil {
		return nil, err
	}
	if int64(in.Width)*int64(in.Height) > lim.MaxPixels {
		return nil, refuse(catalog.MsgInputTooManyPixels, in.Width, in.Height, max(lim.MaxPixels/1_000_000, 1))
	}
	return in, nil
}

// Header reads an image's format and size from its header, with no
// limits: for images the bot made itself (the one ⬆ Upscale enlarges, see
// imagine.Settings.ImageHeader). It refuses what CheckInput refuses for
// its format: no image, an unsupported format, an animation.
func Header(data []byte) (*imagine.InputImage, error) {
	in := &imagine.InputImage{Data: data}
	var err error
	switch f := Format(data); f {
	case "png":
		if animatedPNG(data) {
			return nil, refuse(catalog.MsgInputAnimated)
		}
		err = stdConfig(in, "png")
	case "jpeg":
		err = stdConfig(in, "jpeg")
	case "webp":
		err = webpConfig(in)
	default:
		if name := otherImage(data); name != "" {
			return nil, refuse(catalog.MsgInputFormat, name)
		}
		return nil, refuse(catalog.MsgInputNotImage)
	}
	if err != nil {
		return nil, err
	}
	if in.Width <= 0 || in.Height <= 0 {
		return nil, refuse(catalog.MsgInputNotImage)
	}
	return in, nil
}

// InputChecker returns CheckInput with lim, for imagine.Settings.CheckInput.
func InputChecker(lim imagine.InputLimits) func([]byte) (*imagine.InputImage, error) {
	return func(data []byte) (*imagine.InputImage, error) { return CheckInput(data, lim) }
}

func refuse(id catalog.MsgID, args ...any) error {
	return &imagine.UserError{Kind: imagine.ErrBadImage, ID: id, Args: args}
}

// ByteSize formats n bytes for users: "512 KB", "10 MB", "10.5 MB".
func ByteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/(1<<20)), ".0") + " MB"
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// stdConfig reads a PNG or JPEG header with the standard decoders'
// DecodeConfig, which reads no pixel data.
func stdConfig(in *imagine.InputImage, format string) error {
	cfg, got, err := image.DecodeConfig(bytes.NewReader(in.Data))
	if err != nil || got != format {
		return refuse(catalog.MsgInputNotImage)
	}
	in.Format, in.Width, in.Height = format, cfg.Width, cfg.Height
	return nil
}

// animatedPNG reports whether a PNG is an APNG: an acTL chunk before the
// first IDAT.
func animatedPNG(data []byte) bool {
	const sigLen = 8
	for off := sigLen; off+8 <= len(data); {
		n := int(binary.BigEndian.Uint32(data[off:]))
		switch string(data[off+4 : off+8]) {
		case "acTL":
			return true
		case "IDAT", "IEND":
			return false
		}
		if n < 0 || n > len(data) {
			return false
		}
		off += 12 + n // length, type, data, CRC
	}
	return false
}

// webpConfig reads a WebP's size from its first chunk: VP8 (lossy), VP8L
// (lossless) or VP8X (extended, whose flags say whether it is animated).
func webpConfig(in *imagine.InputImage) error {
	d := in.Data
	if len(d) < 30 || string(d[0:4]) != "RIFF" || string(d[8:12]) != "WEBP" {
		return refuse(catalog.MsgInputNotImage)
	}
	chunk, body := string(d[12:16]), d[20:]
	switch chunk {
	case "VP8 ":
		// A key frame: 3 bytes of frame tag, the start code, 14-bit sizes.
		if len(body) < 10 || body[3] != 0x9d || body[4] != 0x01 || body[5] != 0x2a {
			return refuse(catalog.MsgInputNotImage)
		}
		in.Width = int(binary.LittleEndian.Uint16(body[6:]) & 0x3fff)
		in.Height = int(binary.LittleEndian.Uint16(body[8:]) & 0x3fff)
	case "VP8L":
		if len(body) < 5 || body[0] != 0x2f {
			return refuse(catalog.MsgInputNotImage)
		}
		bits := binary.LittleEndian.Uint32(body[1:])
		in.Width, in.Height = int(bits&0x3fff)+1, int(bits>>14&0x3fff)+1
	case "VP8X":
		if len(body) < 10 {
			return refuse(catalog.MsgInputNotImage)
		}
		if body[0]&0x02 != 0 { // the animation flag
			return refuse(catalog.MsgInputAnimated)
		}
		in.Width = int(uint32(body[4])|uint32(body[5])<<8|uint32(body[6])<<16) + 1
		in.Height = int(uint32(body[7])|uint32(body[8])<<8|uint32(body[9])<<16) + 1
	default:
		return refuse(catalog.MsgInputNotImage)
	}
	in.Format = "webp"
	return nil
}

// otherImage names an image format users may send that is not taken
// ("GIF", "HEIC", "BMP"...), or "" for a file that is no image.
func otherImage(data []byte) string {
	if len(data) >= 12 && string(data[4:8]) == "ftyp" {
		switch string(data[8:12]) {
		case "heic", "heix", "mif1", "msf1", "hevc":
			return "HEIC"
		case "avif", "avis":
			return "AVIF"
		}
	}
	if len(data) >= 4 && (string(data[:4]) == "II*\x00" || string(data[:4]) == "MM\x00*") {
		return "TIFF"
	}
	ct := http.DetectContentType(data)
	if sub, ok := strings.CutPrefix(ct, "image/"); ok {
		sub = strings.TrimPrefix(sub, "x-")
		if sub == "icon" {
			sub = "ico"
		}
		return strings.ToUpper(sub)
	}
	return ""
}
