package discord

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"math"
	"net/http"
)

// Discord's upload limits: 10 MiB per file unless the interaction says more
// (attachment_size_limit), 25 MiB per request, 10 files per message.
const (
	defaultFileLimit = 10 << 20
	requestLimit     = 25 << 20
	maxFiles         = 10
	// requestOverhead leaves room for the JSON part and multipart framing.
	requestOverhead = 64 << 10
)

// fileBudget is the most bytes each of n files may have in one message.
func fileBudget(limit int64, n int) int64 {
	if limit <= 0 {
		limit = defaultFileLimit
	}
	if n < 1 {
		n = 1
	}
	return min(limit, (requestLimit-requestOverhead)/int64(n))
}

// imageExt returns the file extension and content type of an image.
func imageExt(data []byte) (ext, ctype string) {
	switch ct := http.DetectContentType(data); ct {
	case "image/jpeg":
		return "jpg", ct
	case "image/webp":
		return "webp", ct
	case "image/gif":
		return "gif", ct
	default:
		return "png", "image/png"
	}
}

// errTooLarge means an image could not be made small enough.
var errTooLarge = errors.New("image too large")

// fitImage returns data unchanged if it has at most budget bytes, else the
// image re-encoded to fit: a better compressed PNG (when that could be
// enough), then JPEG at falling qualities, then downscaled JPEGs. It returns
// the extension of the result.
func fitImage(data []byte, budget int64) ([]byte, string, error) {
	ext, _ := imageExt(data)
	if int64(len(data)) <= budget {
		return data, ext, nil
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, "", fmt.Errorf("fit image: %w", err)
	}
	var buf bytes.Buffer
	// Better compression rarely saves more than a third, and it is slow:
	// try it only when that could be enough.
	if int64(len(data)) <= 2*budget {
		enc := png.Encoder{CompressionLevel: png.BestCompression}
		if err := enc.Encode(&buf, img); err == nil && int64(buf.Len()) <= budget {
			return buf.Bytes(), "png", nil
		}
	}
	flat := flatten(img) // JPEG has no alpha: composite on white
	for _, q := range []int{90, 80, 70} {
		buf.Reset()
		if err := jpeg.Encode(&buf, flat, &jpeg.Options{Quality: q}); err != nil {
			return nil, "", fmt.Errorf("fit image: %w", err)
		}
		if int64(buf.Len()) <= budget {
			return buf.Bytes(), "jpg", nil
		}
	}
	// Shrink the area in proportion to the bytes still too many, a little
	// more each round.
	cur := flat
	size := buf.Len()
	for range 8 {
		f := math.Sqrt(float64(budget)/float64(size)) * 0.9
		w, h := int(float64(cur.Bounds().Dx())*f), int(float64(cur.Bounds().Dy())*f)
		if w < 16 || h < 16 {
			break
		}
		cur = downscale(cur, w, h)
		buf.Reset()
		if err := jpeg.Encode(&buf, cur, &jpeg.Options{Quality: 80}); err != nil {
			return nil, "", fmt.Errorf("fit image: %w", err)
		}
		if int64(buf.Len()) <= budget {
			return buf.Bytes(), "jpg", nil
		}
		size = buf.Len()
	}
	return nil, "", fmt.Errorf("fit image: %w: %d bytes, budget %d", errTooLarge, len(data), budget)
}

// flatten draws img over white into an RGBA image.
func flatten(img image.Image) *image.RGBA {
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(out, out.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(out, out.Bounds(), img, b.Min, draw.Over)
	return out
}

// downscale resizes src to w×h (smaller) by averaging the source pixels
// each target pixel covers.
func downscale(src *image.RGBA, w, h int) *image.RGBA {
	sw, sh := src.Bounds().Dx(), src.Bounds().Dy()
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		y0, y1 := y*sh/h, max((y+1)*sh/h, y*sh/h+1)
		for x := range w {
			x0, x1 := x*sw/w, max((x+1)*sw/w, x*sw/w+1)
			var r, g, b, a, n uint32
			for sy := y0; sy < y1; sy++ {
				row := src.Pix[sy*src.Stride:]
				for sx := x0; sx < x1; sx++ {
					p := row[sx*4 : sx*4+4]
					r, g, b, a = r+uint32(p[0]), g+uint32(p[1]), b+uint32(p[2]), a+uint32(p[3])
					n++
				}
			}
			o := dst.Pix[y*dst.Stride+x*4:]
			o[0], o[1], o[2], o[3] = uint8(r/n), uint8(g/n), uint8(b/n), uint8(a/n)
		}
	}
	return dst
}
