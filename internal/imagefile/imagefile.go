// Package imagefile handles generated images as files: it names their
// format (for the SD client, which checks what the server sent, and for the
// front ends), checks the images users give before anything decodes them
// (CheckInput), flattens transparency for JPEG, shrinks previews and fits a
// file under an upload limit. Every front end uses it, so that an image
// looks the same and obeys the same rules everywhere.
package imagefile

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

// Format names an image's format by its first bytes: "png", "jpeg", "webp"
// or "gif", or "" for anything else. It reads only the header.
func Format(data []byte) string {
	switch http.DetectContentType(data) {
	case "image/png":
		return "png"
	case "image/jpeg":
		return "jpeg"
	case "image/webp":
		return "webp"
	case "image/gif":
		return "gif"
	}
	return ""
}

// Ext returns the file extension (without a dot) and the content type of
// an image; anything Format does not recognise is taken as PNG, which is
// what SD servers send.
func Ext(data []byte) (ext, contentType string) {
	switch f := Format(data); f {
	case "jpeg":
		return "jpg", "image/jpeg"
	case "webp", "gif":
		return f, "image/" + f
	default:
		return "png", "image/png"
	}
}

// ErrTooLarge means an image could not be made small enough.
var ErrTooLarge = errors.New("imagefile: image too large")

// Fit returns data unchanged if it has at most budget bytes, else the
// image re-encoded to fit: a better compressed PNG (when that could be
// enough), then JPEG at falling qualities, then downscaled JPEGs. It
// returns the extension of the result.
func Fit(data []byte, budget int64) ([]byte, string, error) {
	ext, _ := Ext(data)
	if int64(len(data)) <= budget {
		return data, ext, nil
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, "", fmt.Errorf("imagefile: fit: %w", err)
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
			return nil, "", fmt.Errorf("imagefile: fit: %w", err)
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
			return nil, "", fmt.Errorf("imagefile: fit: %w", err)
		}
		if int64(buf.Len()) <= budget {
			return buf.Bytes(), "jpg", nil
		}
		size = buf.Len()
	}
	return nil, "", fmt.Errorf("%w: %d bytes, budget %d", ErrTooLarge, len(data), budget)
}

// flatten draws img over white into a new RGBA image whose bounds start at
// the origin.
func flatten(img image.Image) *image.RGBA {
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(out, out.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(out, out.Bounds(), img, b.Min, draw.Over)
	return out
}

// Shrink flattens img over white and scales it down by a whole factor so
// that its long side is at most side, averaging each block of pixels. A
// whole factor keeps every output pixel an equal average, which previews
// shown small need more than an exact size.
func Shrink(img image.Image, side int) *image.RGBA {
	flat := flatten(img)
	r := flat.Bounds()
	f := (max(r.Dx(), r.Dy()) + side - 1) / side
	if f <= 1 {
		return flat
	}
	return downscale(flat, max(r.Dx()/f, 1), max(r.Dy()/f, 1))
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
