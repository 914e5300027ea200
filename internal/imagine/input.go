package imagine

import (
	"errors"
	"math"

	"github.com/imaginebot/imaginebot/internal/catalog"
)

// JobKind is what a job does with the server. The zero kind is txt2img.
// It is kept in the store with the request (as text), so that a restored
// job runs as what it was.
type JobKind string

// The kinds of job.
const (
	// KindTxt2Img makes images from the prompt alone.
	KindTxt2Img JobKind = ""
	// KindImg2Img makes images from the prompt and a user's image
	// (Request.Init), changed by Strength.
	KindImg2Img JobKind = "img2img"
	// KindUpscale enlarges one image of a result (Request.Init, from
	// Request.From) with the configured upscaler; nothing is sampled.
	KindUpscale JobKind = "upscale"
	// KindVary is a txt2img with the seed of an image and a small random
	// variation (Params.Subseed, Params.SubseedStrength). It is a Params
	// kind: a Request asks for it with Variation.
	KindVary JobKind = "vary"
)

// String names the kind for logs: "txt2img" for the zero kind.
func (k JobKind) String() string {
	if k == KindTxt2Img {
		return "txt2img"
	}
	return string(k)
}

// InputImage is an image a user gave: an img2img's starting point or the
// image an upscale enlarges. Data is a PNG, JPEG or WebP file; Format,
// Width and Height are read from its header by the checker
// (imagefile.CheckInput), which Settings.CheckInput runs again on Submit.
// It is never logged and never stored: see Request.Init.
type InputImage struct {
	Data          []byte
	Format        string // "png", "jpeg" or "webp"
	Width, Height int
}

// ImageRef names one image of a finished job: the image an upscale
// enlarges, which a restored upscale reads again from the store.
type ImageRef struct {
	Job   JobID
	Index int
}

// InputLimits bound the images users give (limits.max_input_bytes,
// limits.max_input_pixels).
type InputLimits struct {
	MaxBytes  int64
	MaxPixels int64
}

// The defaults of the image input settings.
const (
	DefaultStrength       = 0.6
	DefaultUpscaleBy      = 2.0
	DefaultVaryStrength   = 0.15
	DefaultMaxInputBytes  = 10 << 20
	DefaultMaxInputPixels = 4096 * 4096
	// MaxUpscaleBy is the largest upscale factor (defaults.upscale_by).
	MaxUpscaleBy = 4.0
	// MaxUpscalePixels bounds what ⬆ Upscale makes: the input's pixels
	// times upscale_by². 8192×8192 (67 Mpx, 256 MB as RGBA in the
	// upscaler) takes a 4096×4096 result at 2×, or a 2048×2048 one at 4×;
	// a larger output strains the image server and is more than any chat
	// shows.
	MaxUpscalePixels = 8192 * 8192
)

// ErrBadImage refuses an image a user gave: not an image, too large, too
// many pixels, animated, an unsupported format, or no longer kept.
var ErrBadImage = errors.New("imagine: unusable input image")

// Vary returns r asked again by who with seed (that of one image of its
// result) and a new random variation (🎨 Vary): the same picture, a little
// changed, by subseed_strength defaults.vary_strength. The batch size stays:
// a batch gives that many variations. An img2img request stays one (the
// front end gives its image again, as Init is not stored).
func (r Request) Vary(who Requester, seed int64) Request {
	r.Requester, r.Seed, r.Source, r.Variation = who, seed, "", true
	return r
}

// UpscaleImage returns the request that enlarges image index of the
// record's result, asked by who (⬆ Upscale on one image): img is that
// image (ResultStore.Image). It counts one image against who's quota and
// waits in the same fair queue as any job.
func (r Record) UpscaleImage(who Requester, index int, img []byte) Request {
	req := r.Request.Retry(who)
	req.Kind, req.Init, req.From = KindUpscale, &InputImage{Data: img}, &ImageRef{Job: r.ID, Index: index}
	req.BatchSize, req.Variation, req.HiresFix = 1, false, false
	if index >= 0 && index < len(r.Seeds) {
		req.Seed = r.Seeds[index]
	}
	return req
}

// Vary returns the request for variations of image index of the record's
// result, asked by who (🎨 Vary). See Request.Vary; a record of an img2img
// needs its image again (CanRunAgain).
func (r Record) Vary(who Requester, index int) Request {
	seed := r.Request.Seed
	if index >= 0 && index < len(r.Seeds) {
		seed = r.Seeds[index]
	}
	return r.Request.Vary(who, seed)
}

// NeedsInput reports whether running the record's request again (Reroll,
// Vary, Try again, /history) needs the user's image, which the store does
// not keep: the front end must give it again as Init (say, from the
// platform's file id in its Ref) or not offer the button.
func (r Record) NeedsInput() bool {
	return r.Request.Kind == KindImg2Img || r.Request.Kind == KindUpscale
}

// kindOf is the kind of job r asks for.
func kindOf(r Request) JobKind {
	switch {
	case r.Kind == KindUpscale:
		return KindUpscale
	case r.Kind == KindImg2Img || r.Init != nil:
		return KindImg2Img
	case r.Variation:
		return KindVary
	}
	return KindTxt2Img
}

// input checks r's image with the configured checker (the header only: no
// decoding), or refuses an image that is not there (a restored img2img
// whose front end could not give it again: init images are not stored).
func (s Settings) input(r Request) (*InputImage, error) {
	if r.Init == nil || len(r.Init.Data) == 0 {
		return nil, userErr(ErrBadImage, catalog.MsgInputGone)
	}
	if s.CheckInput == nil {
		if r.Init.Width > 0 && r.Init.Height > 0 {
			return r.Init, nil
		}
		return nil, userErr(ErrBadImage, catalog.MsgInputNotImage)
	}
	return s.CheckInput(r.Init.Data)
}

// upscaleInput reads the image an upscale enlarges: one of the bot's own
// results (r.From) by its header alone (Settings.ImageHeader), as the
// user limits do not apply to it; any other as a user's image.
func (s Settings) upscaleInput(r Request) (*InputImage, error) {
	switch {
	case r.From == nil:
		return s.input(r)
	case r.Init == nil || len(r.Init.Data) == 0:
		return nil, userErr(ErrBadImage, catalog.MsgInputGone)
	case s.ImageHeader != nil:
		return s.ImageHeader(r.Init.Data)
	case r.Init.Width > 0 && r.Init.Height > 0:
		return r.Init, nil
	}
	return s.input(r)
}

// resolveUpscale returns the parameters of an upscale: the image, the
// factor and the upscaler; the output is the input's size times the
// factor, at most MaxUpscalePixels. The generation limits (max_width...)
// do not apply: the upscaler does not sample.
func (s Settings) resolveUpscale(r Request) (Params, error) {
	in, err := s.upscaleInput(r)
	if err != nil {
		return Params{}, err
	}
	by := s.Defaults.UpscaleBy
	if by <= 0 {
		by = DefaultUpscaleBy
	}
	w, h := int(math.Round(float64(in.Width)*by)), int(math.Round(float64(in.Height)*by))
	if int64(w)*int64(h) > MaxUpscalePixels {
		return Params{}, userErr(ErrBadImage, catalog.MsgUpscaleTooLarge, in.Width, in.Height, w, h, MaxUpscalePixels/1_000_000)
	}
	return Params{
		Kind:       KindUpscale,
		Init:       in,
		UserPrompt: r.Prompt,
		Prompt:     r.Prompt,
		Seed:       r.Seed,
		BatchSize:  1,
		Steps:      1,
		Width:      w,
		Height:     h,
		UpscaleBy:  by,
		Upscaler:   s.Defaults.Upscaler,
		Model:      r.Model,
	}, nil
}

// inputSize is the output size of an img2img without --size or --ar: the
// input's shape at about the default area, within the limits (an input
// more extreme than 1:4 is cut to 1:4, which A1111 crops to).
func (s Settings) inputSize(in *InputImage) (w, h int) {
	ratio := float64(in.Width) / float64(in.Height)
	ratio = min(max(ratio, 1/maxAspect), maxAspect)
	return s.shape(ratio)
}

// resolveKind sets the kind and its parameters: an img2img's checked image
// and strength (no hires pass: A1111's img2img has none), a variation's
// subseed. --strength without an image is refused.
func (s Settings) resolveKind(r Request, p *Params) error {
	p.Kind = kindOf(r)
	if r.Variation {
		p.Subseed, p.SubseedStrength = -1, s.Defaults.VaryStrength
		if p.SubseedStrength <= 0 {
			p.SubseedStrength = DefaultVaryStrength
		}
	}
	if p.Kind != KindImg2Img {
		if r.Strength != 0 {
			return userErr(ErrBadOption, catalog.MsgStrengthNoImage)
		}
		return nil
	}
	in, err := s.input(r)
	if err != nil {
		return err
	}
	p.Init = in
	p.Strength = s.Defaults.Strength
	if p.Strength <= 0 {
		p.Strength = DefaultStrength
	}
	if r.Strength != 0 {
		if r.Strength < 0 || r.Strength > 1 || math.IsNaN(r.Strength) {
			return userErr(ErrBadOption, catalog.MsgCFGRange, "--strength", 0.0, 1.0, r.Strength)
		}
		p.Strength = r.Strength
	}
	p.EnableHR = false
	return nil
}
