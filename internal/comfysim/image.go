package comfysim

import (
	"bytes"
	"hash/fnv"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
)

func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// render draws the image of batch index idx for seed and prompt: two
// gradients and a disc chosen by a seeded stream. done in [0,1] blends in
// per-pixel noise as a partly denoised latent would show.
func render(seed uint64, idx int, prompt string, w, h int, done float64) *image.RGBA {
	hf := fnv.New64a()
	hf.Write([]byte(prompt))
	key := mix64(seed ^ mix64(uint64(idx)+1) ^ hf.Sum64())
	c := func(shift uint) uint8 { return uint8(key >> shift) }
	top := color.RGBA{c(0), c(8), c(16), 255}
	bottom := color.RGBA{c(24), c(32), c(40), 255}
	cx, cy := int(c(48))%max(w, 1), int(c(56))%max(h, 1)
	r := max(w, h)/6 + 1
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		t := float64(y) / float64(max(h-1, 1))
		for x := range w {
			px := color.RGBA{lerp8(top.R, bottom.R, t), lerp8(top.G, bottom.G, t), lerp8(top.B, bottom.B, t), 255}
			if dx, dy := x-cx, y-cy; dx*dx+dy*dy < r*r {
				px = color.RGBA{255 - px.R, 255 - px.G, 255 - px.B, 255}
			}
			if done < 1 {
				n := uint8(mix64(key ^ uint64(y*w+x)))
				px = color.RGBA{lerp8(n, px.R, done), lerp8(n>>1, px.G, done), lerp8(n>>2, px.B, done), 255}
			}
			img.SetRGBA(x, y, px)
		}
	}
	return img
}

func lerp8(a, b uint8, t float64) uint8 { return uint8(float64(a) + (float64(b)-float64(a))*t) }

// maxPreview is ComfyUI's default preview size bound (--preview-size 512).
const maxPreview = 512

// previewImage encodes the first image of lat, done parts denoised, as
// format (1 JPEG, 2 PNG), its longer side at most maxPreview.
func previewImage(lat value, done float64, format uint32) []byte {
	w, h := lat.w, lat.h
	if side := max(w, h); side > maxPreview {
		w, h = max(w*maxPreview/side, 1), max(h*maxPreview/side, 1)
	}
	img := render(lat.seed, 0, lat.prompt, w, h, done)
	var buf bytes.Buffer
	if format == 2 {
		_ = png.Encode(&buf, img)
	} else {
		_ = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85})
	}
	return buf.Bytes()
}
