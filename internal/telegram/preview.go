package telegram

import (
	"bytes"
	"image"
	"image/draw"
	"image/jpeg"
)

// Live previews are shrunk to a JPEG of at most previewSide pixels on the
// long side before upload: an A1111 preview is a full-size PNG of up to a
// few MB, sent about once a second per running job, while Telegram shows it
// small and re-encodes it anyway.
const (
	previewSide    = 640
	previewQuality = 80
)

// previewPhoto returns the preview to upload as a photo and its file name,
// or ok false if it cannot be shown.
func previewPhoto(b []byte) (data []byte, name string, ok bool) {
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return b, "preview" + extension(b), photoFits(b)
	}
	var out bytes.Buffer
	if err := jpeg.Encode(&out, shrink(img, previewSide), &jpeg.Options{Quality: previewQuality}); err != nil {
		return b, "preview" + extension(b), photoFits(b)
	}
	if out.Len() >= len(b) && photoFits(b) {
		return b, "preview" + extension(b), true // already small
	}
	return out.Bytes(), "preview.jpg", photoFits(out.Bytes())
}

// shrink scales img down by a whole factor so that its long side is at most
// side, averaging each block of pixels, over a white background (JPEG has
// no transparency).
func shrink(img image.Image, side int) image.Image {
	r := img.Bounds()
	f := (max(r.Dx(), r.Dy()) + side - 1) / side
	// Flatten onto white first; image/draw has fast paths for the
	// decoders' image types.
	src := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	draw.Draw(src, src.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(src, src.Bounds(), img, r.Min, draw.Over)
	if f <= 1 {
		return src
	}
	w, h := max(r.Dx()/f, 1), max(r.Dy()/f, 1)
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	n := f * f
	for y := range h {
		for x := range w {
			var sum [3]int
			for dy := range f {
				row := src.Pix[(y*f+dy)*src.Stride+x*f*4:]
				for dx := range f {
					p := row[dx*4 : dx*4+3]
					sum[0] += int(p[0])
					sum[1] += int(p[1])
					sum[2] += int(p[2])
				}
			}
			i := y*dst.Stride + x*4
			dst.Pix[i], dst.Pix[i+1], dst.Pix[i+2], dst.Pix[i+3] = uint8(sum[0]/n), uint8(sum[1]/n), uint8(sum[2]/n), 0xff
		}
	}
	return dst
}
