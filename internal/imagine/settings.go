package imagine

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/imaginebot/imaginebot/internal/catalog"
)

// Settings are the configured defaults, limits and styles that turn a
// Request into Params.
type Settings struct {
	Defaults Defaults
	Limits   Limits
	Styles   []Style
	// Profiles are per-model defaults; the first whose glob matches the
	// job's model applies (see Profile).
	Profiles []Profile
	// ForcedNegative is appended to every negative prompt (moderation).
	ForcedNegative string
	// DefaultModel returns the model a request without --model runs on,
	// which chooses its profile; nil or "" means unknown (no profile). The
	// Service sets it.
	DefaultModel func() string
	// CheckInput checks a user's image by its header before anything
	// decodes it (imagefile.CheckInput with Limits.Input); its refusals are
	// *UserError values of kind ErrBadImage. Nil trusts an InputImage
	// whose size is set and refuses one without.
	CheckInput func(data []byte) (*InputImage, error)
	// ImageHeader reads the format and size of an image the bot made
	// itself, the one ⬆ Upscale enlarges, from its header with no limits
	// (imagefile.Header): limits.max_input_* bound what users give, and
	// a result can be larger (a --hr 3072×3072 PNG). Nil trusts an
	// InputImage whose size is set and checks one without with
	// CheckInput.
	ImageHeader func(data []byte) (*InputImage, error)
}

// Defaults are the parameters a request gets when it does not set them.
type Defaults struct {
	Width, Height     int
	Steps             int
	BatchSize         int
	NegativePrompt    string
	EnableHR          bool
	HRUpscaler        string
	HRScale           float64
	DenoisingStrength float64
	Sampler           string
	CFGScale          float64
	// Strength is an img2img's denoising strength (defaults.strength).
	Strength float64
	// UpscaleBy and Upscaler are what ⬆ Upscale runs (defaults.upscale_by,
	// defaults.upscaler: a name from /sdapi/v1/upscalers; "" lets the
	// backend choose).
	UpscaleBy float64
	Upscaler  string
	// VaryStrength is a variation's subseed strength
	// (defaults.vary_strength).
	VaryStrength float64
}

// Limits bound what a user may ask for.
type Limits struct {
	MaxWidth, MaxHeight int
	MaxSteps            int
	MaxBatch            int
	MaxPromptLength     int
	// Models are globs of the models users may choose per request
	// (--model); empty allows any model a backend lists. Admins are not
	// restricted.
	Models []string
	// Input bounds the images users give.
	Input InputLimits
}

// Style is a named prompt template: Prompt contains {prompt}; Lora is an
// optional "name:weight" appended as " <lora:name:weight>".
type Style struct {
	Name   string
	Prompt string
	Lora   string
}

// Params are fully resolved generation parameters, what a Backend runs.
type Params struct {
	Prompt            string // final prompt, style applied
	NegativePrompt    string // final negative prompt
	Width, Height     int
	Steps             int
	Seed              int64 // -1 = random
	BatchSize         int
	Sampler           string
	CFGScale          float64
	EnableHR          bool
	HRUpscaler        string
	HRScale           float64
	DenoisingStrength float64

	UserPrompt string // the prompt as the user typed it, for captions
	Style      string // the style's configured name, or ""

	// Model is the checkpoint the job must run on (a title or name as the
	// backends list it); "" runs on the default model: the one /model
	// last chose, or, before that, whatever a backend has loaded.
	Model string
	// Scheduler is the noise schedule ("" = the server's default), beside
	// Sampler, as current A1111, Forge and ComfyUI take it.
	Scheduler string
	// DistilledCFG is Forge's distilled_cfg_scale for Flux (0 = unset).
	DistilledCFG float64
	// ClipSkip is the CLIP layers skipped (0 = unset).
	ClipSkip int
	// Override is A1111 override_settings from a per-model profile.
	Override map[string]any

	// Kind is what the job does; txt2img when zero.
	Kind JobKind
	// Init is the image of an img2img or an upscale.
	Init *InputImage
	// Strength is an img2img's denoising strength.
	Strength float64
	// Subseed (-1: random) and SubseedStrength make a variation (KindVary,
	// or an img2img asked with Variation); SubseedStrength 0 is none.
	Subseed         int64
	SubseedStrength float64
	// UpscaleBy and Upscaler are an upscale's factor and upscaler.
	UpscaleBy float64
	Upscaler  string
}

// The smallest side and the most extreme aspect ratio accepted.
const (
	minSide   = 64
	maxAspect = 4.0
)

// MaxSeed is the largest seed a request may set (A1111 seeds are 32-bit
// unsigned); -1 asks for a random one.
const MaxSeed = math.MaxUint32

// Resolve validates r against the settings and returns the parameters to
// run. Refusals are *UserError values; a prompt that shows nothing (see
// IsBlank) is ErrEmptyPrompt. Otherwise the prompt is kept as typed, less
// surrounding whitespace: invisible characters inside it (a zero-width
// joiner in an emoji or a Persian word, a variation selector) are part of
// what the user wrote.
//
// The job's model chooses a per-model profile: r.Model, else the default
// model (Settings.DefaultModel). See ResolveFor.
func (s Settings) Resolve(r Request) (Params, error) {
	return s.ResolveFor(r, s.jobModel(r))
}

// jobModel is the model r runs on, as far as settings know it.
func (s Settings) jobModel(r Request) string {
	if r.Model != "" {
		return r.Model
	}
	if s.DefaultModel != nil {
		return s.DefaultModel()
	}
	return ""
}

// ResolveFor is Resolve with the profile of model (a checkpoint's title or
// name, "" for none). Each parameter comes from the first that sets it:
// the request's options (with the user's settings already applied, see
// Prefs.Apply), the profile, the configured defaults. Params.Model is
// r.Model. The values the request chose are checked here against the
// limits; the names (model, sampler, scheduler, LoRA) are checked by the
// Service against what the backends list.
func (s Settings) ResolveFor(r Request, model string) (Params, error) {
	if kindOf(r) == KindUpscale {
		return s.resolveUpscale(r)
	}
	pr := s.ProfileFor(model)
	s.Defaults = pr.defaults(s.Defaults)
	d, l := s.Defaults, s.Limits
	prompt := strings.TrimSpace(r.Prompt)
	if IsBlank(prompt) {
		return Params{}, userErr(ErrEmptyPrompt, catalog.MsgEmptyPrompt)
	}
	if n := utf8.RuneCountInString(prompt); l.MaxPromptLength > 0 && n > l.MaxPromptLength {
		return Params{}, userErr(ErrPromptTooLong, catalog.MsgPromptTooLong, n, l.MaxPromptLength)
	}
	p := Params{
		UserPrompt:        prompt,
		Prompt:            prompt,
		Steps:             or(r.Steps, d.Steps),
		Seed:              r.Seed,
		BatchSize:         or(r.BatchSize, d.BatchSize),
		Sampler:           orStr(r.Sampler, d.Sampler),
		Scheduler:         r.Scheduler,
		CFGScale:          d.CFGScale,
		Model:             r.Model,
		EnableHR:          r.HiresFix || d.EnableHR,
		HRUpscaler:        d.HRUpscaler,
		HRScale:           d.HRScale,
		DenoisingStrength: d.DenoisingStrength,
	}
	if r.Style != "" {
		st, err := s.style(r.Style)
		if err != nil {
			return Params{}, err
		}
		p.Style, p.Prompt = st.Name, ComposePrompt(st, prompt)
	}
	pr.apply(&p)
	if r.Lora != "" {
		tag, err := loraTag(r.Lora)
		if err != nil {
			return Params{}, err
		}
		p.Prompt += " " + tag
	}
	if r.CFGScale != 0 {
		if r.CFGScale < MinCFG || r.CFGScale > MaxCFG {
			return Params{}, userErr(ErrBadOption, catalog.MsgCFGRange, "--cfg", float64(MinCFG), float64(MaxCFG), r.CFGScale)
		}
		p.CFGScale = r.CFGScale
	}
	if err := s.resolveKind(r, &p); err != nil {
		return Params{}, err
	}
	var err error
	if p.Width, p.Height, err = s.size(r); err != nil {
		return Params{}, err
	}
	if p.Kind == KindImg2Img && r.Width == 0 && r.Height == 0 && r.Aspect.IsZero() {
		p.Width, p.Height = s.inputSize(p.Init)
	}
	if p.Steps < 1 || p.Steps > l.MaxSteps {
		return Params{}, userErr(ErrBadOption, catalog.MsgOutOfRange, "--steps", 1, l.MaxSteps, p.Steps)
	}
	if p.BatchSize < 1 || p.BatchSize > l.MaxBatch {
		return Params{}, userErr(ErrBadOption, catalog.MsgOutOfRange, "--n", 1, l.MaxBatch, p.BatchSize)
	}
	if p.Seed < -1 || p.Seed > MaxSeed {
		return Params{}, userErr(ErrBadOption, catalog.MsgOutOfRange, "--seed", -1, int64(MaxSeed), p.Seed)
	}
	p.NegativePrompt = s.negativeWith(r, d.NegativePrompt)
	return p, nil
}

// The CFG scale a request may set (--cfg).
const (
	MinCFG = 1
	MaxCFG = 30
)

// negative composes the final negative prompt: the user's terms first, then
// the profile's negative prompt or else the configured default, then the
// forced terms. The profile is the job model's (see Resolve).
func (s Settings) negative(r Request) string {
	return s.negativeWith(r, s.ProfileFor(s.jobModel(r)).defaults(s.Defaults).NegativePrompt)
}

func (s Settings) negativeWith(r Request, base string) string {
	return joinTerms(strings.TrimSpace(r.NegativePrompt), base, s.ForcedNegative)
}

// loraTag turns a request's "NAME" or "NAME:WEIGHT" into <lora:NAME:WEIGHT>
// (weight 1 when not given).
func loraTag(v string) (string, error) {
	name, weight, hasWeight := strings.Cut(strings.TrimSpace(v), ":")
	name = strings.TrimSpace(name)
	if !hasWeight {
		weight = "1"
	}
	w, err := strconv.ParseFloat(strings.TrimSpace(weight), 64)
	if name == "" || strings.ContainsAny(name, "<>") || err != nil || math.IsNaN(w) || w < -5 || w > 5 {
		return "", userErr(ErrBadOption, catalog.MsgBadLora, v)
	}
	return "<lora:" + name + ":" + strconv.FormatFloat(w, 'f', -1, 64) + ">", nil
}

// loraName is the name part of a request's Lora.
func loraName(v string) string {
	name, _, _ := strings.Cut(strings.TrimSpace(v), ":")
	return strings.TrimSpace(name)
}

// ComposePrompt applies a style to a prompt exactly as the seed document
// says: the template with {prompt} replaced, then " <lora:NAME:WEIGHT>" when
// the style has a LoRA. For the seed's style that is
// "((best quality)), ((masterpiece)), " + prompt + " <lora:NAME:0.5>".
func ComposePrompt(st Style, prompt string) string {
	out := strings.Replace(st.Prompt, "{prompt}", prompt, 1)
	if st.Lora != "" {
		out += " <lora:" + st.Lora + ">"
	}
	return out
}

func (s Settings) style(name string) (Style, error) {
	for _, st := range s.Styles {
		if strings.EqualFold(st.Name, name) {
			return st, nil
		}
	}
	if len(s.Styles) == 0 {
		return Style{}, userErr(ErrUnknownStyle, catalog.MsgNoStyles, name)
	}
	return Style{}, userErr(ErrUnknownStyle, catalog.MsgUnknownStyle, name, strings.Join(s.StyleNames(), ", "))
}

// StyleNames lists the configured styles in order.
func (s Settings) StyleNames() []string {
	names := make([]string, len(s.Styles))
	for i, st := range s.Styles {
		names[i] = st.Name
	}
	return names
}

// size picks width and height from an explicit size, an aspect ratio or the
// defaults, rounded to multiples of 8 and checked against the limits.
func (s Settings) size(r Request) (w, h int, err error) {
	d, l := s.Defaults, s.Limits
	explicit := r.Width != 0 || r.Height != 0
	switch {
	case explicit && !r.Aspect.IsZero():
		return 0, 0, userErr(ErrBadOption, catalog.MsgSizeAndAspect)
	case explicit:
		w, h = roundTo8(float64(or(r.Width, d.Width))), roundTo8(float64(or(r.Height, d.Height)))
		if w < minSide || h < minSide || w > l.MaxWidth || h > l.MaxHeight {
			return 0, 0, userErr(ErrBadOption, catalog.MsgSizeRange, l.MaxWidth, l.MaxHeight, or(r.Width, d.Width), or(r.Height, d.Height))
		}
		return w, h, nil
	case !r.Aspect.IsZero():
		ratio := float64(r.Aspect.W) / float64(r.Aspect.H)
		if ratio > maxAspect || ratio < 1/maxAspect {
			return 0, 0, userErr(ErrBadOption, catalog.MsgAspectRange, r.Aspect.String())
		}
		w, h = s.shape(ratio)
		return w, h, nil
	default:
		return d.Width, d.Height, nil
	}
}

// shape is the size of about the default area with the aspect ratio
// width/height, within the limits, in multiples of 8.
func (s Settings) shape(ratio float64) (w, h int) {
	d, l := s.Defaults, s.Limits
	area := float64(d.Width * d.Height)
	fw := math.Sqrt(area * ratio)
	fh := fw / ratio
	if f := min(float64(l.MaxWidth)/fw, float64(l.MaxHeight)/fh, 1); f < 1 {
		fw, fh = fw*f, fh*f
	}
	w, h = roundTo8(fw), roundTo8(fh)
	return min(max(w, minSide), l.MaxWidth/8*8), min(max(h, minSide), l.MaxHeight/8*8)
}

func roundTo8(x float64) int { return int(math.Round(x/8)) * 8 }

func or(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// joinTerms joins non-empty comma-separated prompt parts.
func joinTerms(parts ...string) string {
	parts = slices.DeleteFunc(parts, func(s string) bool { return strings.TrimSpace(s) == "" })
	return strings.Join(parts, ", ")
}
