package sdsim

import (
	"log/slog"
	"time"
)

// Options configure a Sim. The zero value is usable.
type Options struct {
	// Flavor selects the per-task progress mechanism; the default is FlavorSeed.
	Flavor Flavor
	// StepDelay is the time one sampling step takes; 0 means 5ms. Use a tiny
	// positive value (1ns) for "instant".
	StepDelay time.Duration
	// ModelLoadDelay is how long loading a checkpoint takes, holding the job
	// lock: on a switch through POST /sdapi/v1/options, and inside a job whose
	// override_settings (or the restored selection after one) needs another
	// checkpoint.
	ModelLoadDelay time.Duration
	// Models are checkpoint file names such as "v1-5-pruned-emaonly.safetensors",
	// possibly in a subfolder ("sdxl/foo.safetensors"). The first is loaded at
	// start. Default: two models.
	Models []string
	// LoRAs are the LoRA names GET /sdapi/v1/loras lists. Default: three.
	LoRAs []string
	// Username and Password, when Username != "", protect /sdapi/v1/* except
	// /sdapi/v1/loras and /sdapi/v1/refresh-loras with HTTP basic auth, like
	// A1111's --api-auth. /internal/* is never protected.
	Username, Password string
	// ReturnGrid makes every txt2img with more than one image put a grid first
	// and answer index_of_first_image = 1. Without it the Sim does so only when
	// the request sets save_images, as A1111 does.
	ReturnGrid bool
	// PreviewEvery is show_progress_every_n_steps: a new live preview is decoded
	// when a poll arrives at least N sampling steps after the last one. 0 means 1.
	PreviewEvery int
	// NoSchedulers makes GET /sdapi/v1/schedulers answer 404, as A1111
	// before 1.9 does.
	NoSchedulers bool
	// Logger receives the Sim's logs; nil discards them.
	Logger *slog.Logger
}

// Defaults used when Options leave a field zero.
var (
	defaultModels = []string{"v1-5-pruned-emaonly.safetensors", "sd_xl_base_1.0.safetensors"}
	defaultLoRAs  = []string{"add_detail", "more_details", "lcm-lora-sdv1-5"}
)

const defaultStepDelay = 5 * time.Millisecond

// withDefaults returns o with every zero field that has a default filled in.
func (o Options) withDefaults() Options {
	if o.StepDelay <= 0 {
		o.StepDelay = defaultStepDelay
	}
	if o.ModelLoadDelay < 0 {
		o.ModelLoadDelay = 0
	}
	if len(o.Models) == 0 {
		o.Models = defaultModels
	}
	if len(o.LoRAs) == 0 {
		o.LoRAs = defaultLoRAs
	}
	if o.PreviewEvery == 0 {
		o.PreviewEvery = 1
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}
