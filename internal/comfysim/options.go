package comfysim

import (
	"log/slog"
	"time"
)

// Options configure a Sim. The zero value is usable.
type Options struct {
	// StepDelay is the time one sampling step takes; 0 means 5ms.
	StepDelay time.Duration
	// ModelLoadDelay is how long loading a checkpoint takes when a prompt
	// needs another one than the loaded one.
	ModelLoadDelay time.Duration
	// Checkpoints are the checkpoint file names CheckpointLoaderSimple
	// lists, possibly in subfolders ("sdxl/juggernaut.safetensors").
	// Default: two.
	Checkpoints []string
	// LoRAs are the names LoraLoader lists. Default: two.
	LoRAs []string
	// Samplers and Schedulers are the KSampler lists. Default: a subset of
	// ComfyUI's.
	Samplers, Schedulers []string
	// UpscaleModels are the files UpscaleModelLoader lists (ComfyUI's
	// models/upscale_models); a name with "2x", "x2", "3x" or "x3" in it
	// enlarges by that factor, any other by 4. Default: three;
	// NoUpscaleModels lists none, as a server without upscale models.
	UpscaleModels   []string
	NoUpscaleModels bool
	// MaxUploadBytes bounds the body of POST /upload/image, as ComfyUI's
	// --max-upload-size does (an HTTP 413 beyond it); 0 means 100 MB, its
	// default.
	MaxUploadBytes int64
	// PreviewPNG sends previews as PNG (format 2) instead of JPEG (1).
	PreviewPNG bool
	// Username and Password, when Username != "", protect every endpoint
	// (the websocket too) with HTTP basic auth, as a reverse proxy in front
	// of ComfyUI would.
	Username, Password string
	// Logger receives the Sim's logs; nil discards them.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.StepDelay <= 0 {
		o.StepDelay = 5 * time.Millisecond
	}
	if len(o.Checkpoints) == 0 {
		o.Checkpoints = []string{"v1-5-pruned-emaonly.safetensors", "sdxl/juggernautXL.safetensors"}
	}
	if len(o.LoRAs) == 0 {
		o.LoRAs = []string{"add_detail.safetensors", "styles/pixel-art.safetensors"}
	}
	if len(o.Samplers) == 0 {
		o.Samplers = []string{"euler", "euler_ancestral", "heun", "dpm_2", "dpm_2_ancestral", "lms", "dpmpp_2s_ancestral", "dpmpp_sde", "dpmpp_2m", "dpmpp_2m_sde", "dpmpp_3m_sde", "ddim", "uni_pc", "lcm"}
	}
	if len(o.Schedulers) == 0 {
		o.Schedulers = []string{"normal", "karras", "exponential", "sgm_uniform", "simple", "ddim_uniform", "beta"}
	}
	switch {
	case o.NoUpscaleModels:
		o.UpscaleModels = []string{}
	case len(o.UpscaleModels) == 0:
		o.UpscaleModels = []string{"RealESRGAN_x4plus.pth", "4x-UltraSharp.pth", "RealESRGAN_x2.pth"}
	}
	if o.MaxUploadBytes <= 0 {
		o.MaxUploadBytes = 100 << 20
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}
