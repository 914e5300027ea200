package comfysim

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"regexp"
	"slices"
	"strconv"
)

// Run is what one prompt that ran was given, for tests to check.
type Run struct {
	PromptID string
	// Loaded are the files its LoadImage nodes read: the name as given and
	// the bytes.
	Loaded []Upload
	// Denoise is each KSampler's denoise, in the order they ran.
	Denoise []float64
	// UpscaleModels are the files its UpscaleModelLoader nodes loaded.
	UpscaleModels []string
	// Saved are the sizes of the images its SaveImage and PreviewImage
	// nodes stored.
	Saved []image.Point
}

// Runs returns what each prompt that ran (or began to) was given, oldest
// first.
func (s *Sim) Runs() []Run {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Run, len(s.runs))
	for i, r := range s.runs {
		out[i] = *r
		out[i].Loaded = slices.Clone(r.Loaded)
	}
	return out
}

// RunOf returns what the prompt id ran with, once it ended.
func (s *Sim) RunOf(id string) (Run, bool) {
	for _, r := range s.Runs() {
		if r.PromptID == id {
			return r, true
		}
	}
	return Run{}, false
}

// maxPixels bounds one simulated image; more is the GPU running out of
// memory, as it would on a real server.
const maxPixels = 8192 * 8192

// imageNode runs the nodes of img2img and upscaling.
func (r *runState) imageNode(n *node, in map[string]value) ([]value, error) {
	oom := func(w, h int) error {
		return &execError{node: n.ID, class: n.Class, excType: "torch.OutOfMemoryError",
			msg: fmt.Sprintf("Allocation on device 0 would exceed allowed memory. (out of memory)\nRequested: an image of %dx%d", w, h)}
	}
	switch n.Class {
	case "LoadImage":
		name := str(n, "image")
		data, ok := r.sim.inputFile(name)
		if !ok {
			return nil, &execError{node: n.ID, class: n.Class, excType: "FileNotFoundError", msg: fmt.Sprintf("[Errno 2] No such file or directory: '/ComfyUI/input/%s'", name)}
		}
		img, err := decodeInput(data)
		if err != nil {
			return nil, &execError{node: n.ID, class: n.Class, excType: "PIL.UnidentifiedImageError", msg: fmt.Sprintf("cannot identify image file '/ComfyUI/input/%s'", name)}
		}
		r.sim.mu.Lock()
		r.run.Loaded = append(r.run.Loaded, Upload{Name: name, Type: "input", Data: data})
		r.sim.mu.Unlock()
		return []value{{images: []*image.RGBA{img}}, {}}, nil
	case "VAEEncode":
		// Like ComfyUI, the pixels are cropped (centred) to multiples of 8.
		var crops []*image.RGBA
		for _, img := range in["pixels"].images {
			b := img.Bounds()
			w, h := b.Dx()/8*8, b.Dy()/8*8
			if w == 0 || h == 0 {
				return nil, &execError{node: n.ID, class: n.Class, excType: "RuntimeError", msg: fmt.Sprintf("an image of %dx%d is too small to encode", b.Dx(), b.Dy())}
			}
			crops = append(crops, crop(img, image.Rect(0, 0, w, h).Add(image.Pt((b.Dx()-w)/2, (b.Dy()-h)/2))))
		}
		if len(crops) == 0 {
			return nil, &execError{node: n.ID, class: n.Class, excType: "RuntimeError", msg: "no pixels to encode"}
		}
		size := crops[0].Bounds().Size()
		return []value{{w: size.X, h: size.Y, batch: len(crops), init: crops}}, nil
	case "RepeatLatentBatch":
		lat := in["samples"]
		amount := int(num(n, "amount"))
		lat.batch *= amount
		var init []*image.RGBA
		for range amount {
			init = append(init, lat.init...)
		}
		lat.init = init
		return []value{lat}, nil
	case "ImageScale", "ImageScaleBy", "ImageUpscaleWithModel":
		var out []*image.RGBA
		for _, img := range in["image"].images {
			b := img.Bounds()
			var w, h int
			src := img
			switch n.Class {
			case "ImageScale":
				w, h = int(num(n, "width")), int(num(n, "height"))
				switch {
				case w == 0 && h == 0:
					w, h = b.Dx(), b.Dy()
				case w == 0:
					w = max(int(math.Round(float64(b.Dx())*float64(h)/float64(b.Dy()))), 1)
				case h == 0:
					h = max(int(math.Round(float64(b.Dy())*float64(w)/float64(b.Dx()))), 1)
				}
				if str(n, "crop") == "center" {
					src = cropToAspect(img, w, h)
				}
			case "ImageScaleBy":
				by := num(n, "scale_by")
				w, h = max(int(math.Round(float64(b.Dx())*by)), 1), max(int(math.Round(float64(b.Dy())*by)), 1)
			default:
				f := in["upscale_model"].scale
				w, h = b.Dx()*f, b.Dy()*f
			}
			if w*h > maxPixels {
				return nil, oom(w, h)
			}
			out = append(out, resize(src, w, h))
		}
		return []value{{images: out}}, nil
	case "UpscaleModelLoader":
		name := str(n, "model_name")
		r.sim.mu.Lock()
		r.run.UpscaleModels = append(r.run.UpscaleModels, name)
		r.sim.mu.Unlock()
		return []value{{model: name, scale: modelScale(name)}}, nil
	}
	return nil, fmt.Errorf("comfysim: class %s has no simulation", n.Class)
}

var scaleInName = regexp.MustCompile(`(?i)(?:^|[^0-9])([1-8])x|x([1-8])(?:[^0-9]|$)`)

// modelScale is the factor an upscale model's file name gives, else 4
// (most upscale models are 4x).
func modelScale(name string) int {
	m := scaleInName.FindStringSubmatch(name)
	if m == nil {
		return 4
	}
	f, _ := strconv.Atoi(m[1] + m[2])
	return f
}

// decodeInput reads an uploaded image as PIL would: PNG, JPEG or GIF
// decoded; a WebP (which the standard library does not decode) becomes a
// grey image of its size.
func decodeInput(data []byte) (*image.RGBA, error) {
	if w, h, ok := webpSize(data); ok && w > 0 && h > 0 {
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		draw.Draw(img, img.Bounds(), image.NewUniform(color.RGBA{128, 128, 128, 255}), image.Point{}, draw.Src)
		return img, nil
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	b := img.Bounds()
	if b.Dx()*b.Dy() > maxPixels {
		return nil, fmt.Errorf("decompression bomb: %dx%d", b.Dx(), b.Dy())
	}
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(out, out.Bounds(), img, b.Min, draw.Src)
	return out, nil
}

// webpSize reads a WebP's size from its header.
func webpSize(d []byte) (int, int, bool) {
	if len(d) < 30 || string(d[0:4]) != "RIFF" || string(d[8:12]) != "WEBP" {
		return 0, 0, false
	}
	b := d[20:]
	switch string(d[12:16]) {
	case "VP8L":
		bits := uint32(b[1]) | uint32(b[2])<<8 | uint32(b[3])<<16 | uint32(b[4])<<24
		return int(bits&0x3fff) + 1, int(bits>>14&0x3fff) + 1, true
	case "VP8X":
		return int(uint32(b[4])|uint32(b[5])<<8|uint32(b[6])<<16) + 1, int(uint32(b[7])|uint32(b[8])<<8|uint32(b[9])<<16) + 1, true
	case "VP8 ":
		return int(uint16(b[6])|uint16(b[7])<<8) & 0x3fff, int(uint16(b[8])|uint16(b[9])<<8) & 0x3fff, true
	}
	return 0, 0, false
}

// resize scales img to w×h (nearest neighbour: the sim's images only need
// the right size and to come from their input).
func resize(img *image.RGBA, w, h int) *image.RGBA {
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		sy := b.Min.Y + y*b.Dy()/h
		for x := range w {
			sx := b.Min.X + x*b.Dx()/w
			i, o := img.PixOffset(sx, sy), out.PixOffset(x, y)
			copy(out.Pix[o:o+4], img.Pix[i:i+4])
		}
	}
	return out
}

// crop returns the part r of img as a new image at the origin.
func crop(img *image.RGBA, r image.Rectangle) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	draw.Draw(out, out.Bounds(), img, r.Min, draw.Src)
	return out
}

// cropToAspect cuts img's centre to the aspect of w×h (ImageScale's crop
// "center").
func cropToAspect(img *image.RGBA, w, h int) *image.RGBA {
	b := img.Bounds()
	cw, ch := b.Dx(), b.Dy()
	if cw*h > ch*w {
		cw = max(ch*w/h, 1)
	} else {
		ch = max(cw*h/w, 1)
	}
	return crop(img, image.Rect(0, 0, cw, ch).Add(b.Min).Add(image.Pt((b.Dx()-cw)/2, (b.Dy()-ch)/2)))
}

// blend mixes the pixels a latent was encoded from into a decoded image:
// denoise 1 keeps none of them, 0 all (init has the same size).
func blend(img, init *image.RGBA, denoise float64) {
	if init.Bounds().Size() != img.Bounds().Size() {
		return
	}
	for i := range img.Pix {
		img.Pix[i] = lerp8(init.Pix[i], img.Pix[i], denoise)
	}
}
