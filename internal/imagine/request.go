package imagine

import "fmt"

// Platform names where a request came from. Its value prefixes user keys
// ("tg:123"), so it is short and stable.
type Platform string

// The platforms imaginebot serves.
const (
	Telegram Platform = "tg"
	Discord  Platform = "dc"
	CLI      Platform = "cli"
	// Web is the web front end; its UserID is the browser session's id.
	Web Platform = "web"
)

// Requester is who asked for a job.
type Requester struct {
	Platform Platform
	UserID   string // the platform's user id, as text
	Name     string // display name, for captions and logs
	Locale   string // e.g. "en-US", "zh-CN", "zh-hans"; chooses the language of every reply
	// Admin is set by the front end for the bot's admins, who have no
	// daily quota.
	Admin bool `json:",omitempty"`
}

// Key identifies the requester across platforms, e.g. "tg:42". The queue
// uses it for fairness and per-user caps.
func (r Requester) Key() string { return string(r.Platform) + ":" + r.UserID }

// Request is one generation request as a user gave it, before defaults and
// limits are applied. Zero values mean "use the default"; Seed -1 means
// random. Both platforms fill this one type.
type Request struct {
	Prompt         string // the user's prompt, without inline options
	NegativePrompt string // extra negative terms (--no); added to the configured default
	Width, Height  int
	Aspect         Ratio // instead of Width and Height: a shape of about the default area
	Steps          int
	Seed           int64
	BatchSize      int
	Style          string
	HiresFix       bool
	// Model is the checkpoint the user chose for this request (--model);
	// "" runs on the default model. Submit checks it and the names below
	// against the backends' lists and keeps them as the backends spell them.
	Model string `json:",omitempty"`
	// Sampler, Scheduler and CFGScale are the sampler, noise schedule and
	// CFG scale the user chose (--sampler, --scheduler, --cfg); "" and 0
	// leave them to the model's profile and the configured defaults.
	Sampler   string  `json:",omitempty"`
	Scheduler string  `json:",omitempty"`
	CFGScale  float64 `json:",omitempty"`
	// Lora is a LoRA the user chose (--lora, Discord's lora option) as
	// "NAME" or "NAME:WEIGHT"; it is appended to the prompt as
	// <lora:NAME:WEIGHT>, weight 1 when not given.
	Lora string `json:",omitempty"`
	// Kind is KindImg2Img or KindUpscale for a job from an image; Submit
	// sets KindImg2Img when Init is given. It is stored, Init is not.
	Kind JobKind `json:",omitempty"`
	// Init is the user's image an img2img starts from, or the image an
	// upscale enlarges. It is never stored (json:"-"): a restored img2img
	// gets it again from its front end (InputSource), else fails saying
	// the image must be sent again; a restored upscale reads its image
	// again from the store (From).
	Init *InputImage `json:"-"`
	// Strength is how far an img2img may move from its image (--strength,
	// 0–1; 0: defaults.strength). It is A1111's denoising_strength of the
	// img2img, not the hires fix's.
	Strength float64 `json:",omitempty"`
	// Variation asks for a variation of the image of Seed (🎨 Vary): a new
	// random subseed at defaults.vary_strength.
	Variation bool `json:",omitempty"`
	// From is the result image an upscale enlarges.
	From      *ImageRef `json:",omitempty"`
	Requester Requester
	// Source is the platform's id of the message or button press that
	// asked, e.g. "tg:CHAT:MSG". A request whose Source the store already
	// has is refused with ErrDuplicate: platforms deliver some updates
	// again after a crash. Empty means unknown.
	Source string `json:",omitempty"`
}

// NewRequest returns a Request for prompt with every option unset.
func NewRequest(prompt string, who Requester) Request {
	return Request{Prompt: prompt, Seed: -1, Requester: who}
}

// Ratio is an aspect ratio such as 16:9. The zero Ratio means unset.
type Ratio struct{ W, H int }

// IsZero reports whether the ratio is unset.
func (r Ratio) IsZero() bool { return r.W == 0 || r.H == 0 }

func (r Ratio) String() string { return fmt.Sprintf("%d:%d", r.W, r.H) }

// The buttons under a result ask for the same request again. Every front
// end means the same by them; who is the user who pressed, whose caps and
// quota the new job counts against.

// Reroll returns r asked again by who with a new random seed (🎲 Reroll).
func (r Request) Reroll(who Requester) Request {
	r.Requester, r.Seed, r.Source = who, -1, ""
	return r
}

// Retry returns r asked again by who with the same seed (🔄 Try again,
// after a failure): the same image, if the server is deterministic.
func (r Request) Retry(who Requester) Request {
	r.Requester, r.Source = who, ""
	return r
}

// The buttons' requests have no Source: the front end sets the button
// press's. ⬆ Upscale and 🎨 Vary are Record.UpscaleImage and Record.Vary
// (input.go).
