package imagine

import (
	"context"
	"time"
)

// Generator runs one generation. Cancelling ctx must stop the job on the
// server too (for A1111: POST /sdapi/v1/interrupt). progress may be nil; it
// is called from one goroutine and never after Generate returns. Errors are
// wrapped in one of ErrBackendDown, ErrOutOfMemory, ErrRejected, ErrTimeout,
// ErrInterrupted, ErrNoImage or ErrBackend. A nil error comes with at least
// one image, and every image is an image file (PNG, JPEG or WebP).
type Generator interface {
	Generate(ctx context.Context, p Params, progress func(Progress)) (*Result, error)
}

// ModelSwitcher lists and switches a backend's checkpoints.
type ModelSwitcher interface {
	// Models lists the available checkpoints.
	Models(ctx context.Context) ([]Model, error)
	// CurrentModel returns the loaded checkpoint's title.
	CurrentModel(ctx context.Context) (string, error)
	// SwitchModel loads the checkpoint called name (a title or a model
	// name) and confirms it is loaded; it returns the loaded title. Errors
	// wrap ErrModelNotFound or ErrModelLoad when that is what happened.
	SwitchModel(ctx context.Context, name string) (string, error)
}

// Backend is one SD server as the core uses it.
type Backend interface {
	Generator
	ModelSwitcher
}

// Lister is what a backend may list besides its models, for checking
// options and for autocomplete. A Backend may implement it.
type Lister interface {
	Samplers(ctx context.Context) ([]string, error)
	Schedulers(ctx context.Context) ([]string, error)
	Loras(ctx context.Context) ([]string, error)
}

// Refuser is what a backend that cannot run every job implements (ComfyUI
// makes no variations). Refuses returns why it cannot run p, an error
// wrapping a *UserError, or nil. The dispatcher hands a job only to a
// backend that does not refuse it, so that beside a server that can, such
// a job still runs; when every backend that is up refuses it, the job
// fails with the first reason. A Backend without it runs every job.
type Refuser interface {
	Refuses(p Params) error
}

// NamedBackend is a Backend with the name the configuration gave it.
type NamedBackend struct {
	Name    string
	Backend Backend
	// Kind is the API the server speaks, as the configuration names it
	// (BackendA1111 or BackendComfyUI); "" reads as BackendA1111. Only
	// the admin's Overview shows it: the core drives every kind alike.
	Kind string
}

// The kinds of backend, as NamedBackend.Kind and BackendView.Kind name
// them (the configuration's sd.backends[].kind).
const (
	BackendA1111   = "a1111"
	BackendComfyUI = "comfyui"
)

// Progress is one progress sample of a running generation.
type Progress struct {
	Fraction    float64 // 0–1
	Step, Steps int
	ETA         time.Duration
	Preview     []byte // a new preview image, or nil if none arrived since the last sample
}

// Result is what a generation produced.
type Result struct {
	Images [][]byte // PNG files, in batch order
	Seeds  []int64  // the seed of each image
	Model  string   // the checkpoint that made them
}

// Model is one checkpoint a backend offers.
type Model struct {
	Title string // e.g. "v1-5-pruned-emaonly.safetensors [6ce0161689]"
	Name  string // e.g. "v1-5-pruned-emaonly"
}
