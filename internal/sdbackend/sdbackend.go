// Package sdbackend adapts the SD client (internal/sd) to the core's
// Backend interface (internal/imagine), translating parameters, progress and
// errors. It is the only package that knows both.
package sdbackend

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"strings"

	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/sd"
)

// Backend runs the core's jobs on one A1111-compatible server.
type Backend struct {
	client *sd.Client
}

var (
	_ imagine.Backend = (*Backend)(nil)
	_ imagine.Lister  = (*Backend)(nil)
)

// New returns a Backend that uses client.
func New(client *sd.Client) *Backend { return &Backend{client: client} }

// Generate runs p as its kind asks: a txt2img (a variation is one with a
// subseed), an img2img from p.Init, or an upscale of p.Init through
// extra-single-image; it reports progress (an upscale has none).
func (b *Backend) Generate(ctx context.Context, p imagine.Params, progress func(imagine.Progress)) (*imagine.Result, error) {
	var onProgress func(sd.Progress)
	if progress != nil {
		onProgress = func(sp sd.Progress) {
			progress(imagine.Progress{Fraction: sp.Fraction, Step: sp.Step, Steps: sp.Steps, ETA: sp.ETA, Preview: sp.Preview})
		}
	}
	switch p.Kind {
	case imagine.KindUpscale:
		return b.upscale(ctx, p)
	case imagine.KindImg2Img:
		return b.img2img(ctx, p, onProgress)
	}
	req := sd.Txt2ImgRequest{
		Prompt:            p.Prompt,
		NegativePrompt:    p.NegativePrompt,
		Width:             p.Width,
		Height:            p.Height,
		BatchSize:         p.BatchSize,
		NIter:             1,
		Steps:             p.Steps,
		Seed:              p.Seed,
		SamplerName:       p.Sampler,
		Scheduler:         p.Scheduler,
		CFGScale:          p.CFGScale,
		DistilledCFGScale: p.DistilledCFG,
		EnableHR:          p.EnableHR,
		OverrideSettings:  overrides(p),
	}
	if p.Model != "" {
		// The checkpoint stays loaded after the job: the next job for it
		// needs no switch, and the server's selection says what is loaded.
		keep := false
		req.OverrideSettingsRestoreAfterwards = &keep
	}
	if p.EnableHR {
		req.HRUpscaler, req.HRScale = p.HRUpscaler, p.HRScale
		ds := p.DenoisingStrength
		req.DenoisingStrength = &ds
	}
	req.Subseed, req.SubseedStrength = subseed(p)
	resp, err := b.client.Generate(ctx, req, onProgress)
	if err != nil {
		return nil, classify(err)
	}
	return result(p, resp)
}

// subseed returns a variation's subseed fields; none without one.
func subseed(p imagine.Params) (*int64, float64) {
	if p.SubseedStrength <= 0 {
		return nil, 0
	}
	sub := p.Subseed
	return &sub, p.SubseedStrength
}

// img2img runs p from its picture, cropped to p's size (resize_mode 1:
// the picture's shape is kept, not stretched).
func (b *Backend) img2img(ctx context.Context, p imagine.Params, onProgress func(sd.Progress)) (*imagine.Result, error) {
	if p.Init == nil || len(p.Init.Data) == 0 {
		return nil, fmt.Errorf("%w: img2img without a picture", imagine.ErrBackend)
	}
	req := sd.Img2ImgRequest{
		InitImage:         p.Init.Data,
		DenoisingStrength: p.Strength,
		ResizeMode:        1,
		Prompt:            p.Prompt,
		NegativePrompt:    p.NegativePrompt,
		Width:             p.Width,
		Height:            p.Height,
		BatchSize:         p.BatchSize,
		NIter:             1,
		Steps:             p.Steps,
		Seed:              p.Seed,
		SamplerName:       p.Sampler,
		Scheduler:         p.Scheduler,
		CFGScale:          p.CFGScale,
		DistilledCFGScale: p.DistilledCFG,
		OverrideSettings:  overrides(p),
	}
	req.Subseed, req.SubseedStrength = subseed(p)
	if p.Model != "" {
		keep := false
		req.OverrideSettingsRestoreAfterwards = &keep
	}
	resp, err := b.client.Img2Img(ctx, req, onProgress)
	if err != nil {
		return nil, classify(err)
	}
	return result(p, resp)
}

// upscale enlarges p's picture by p.UpscaleBy with p.Upscaler. The result
// keeps the seed of the image it came from.
func (b *Backend) upscale(ctx context.Context, p imagine.Params) (*imagine.Result, error) {
	if p.Init == nil || len(p.Init.Data) == 0 {
		return nil, fmt.Errorf("%w: upscale without a picture", imagine.ErrBackend)
	}
	img, err := b.client.ExtraSingleImage(ctx, sd.UpscaleRequest{Image: p.Init.Data, UpscalingResize: p.UpscaleBy, Upscaler1: cmp.Or(p.Upscaler, "None")})
	if err != nil {
		return nil, classify(err)
	}
	return &imagine.Result{Images: [][]byte{img}, Seeds: []int64{p.Seed}, Model: p.Model}, nil
}

// result turns a txt2img or img2img answer into the core's result, with
// each image's seed.
func result(p imagine.Params, resp *sd.Txt2ImgResponse) (*imagine.Result, error) {
	if len(resp.Images) == 0 { // the client reports this itself; never hand on an empty result
		return nil, fmt.Errorf("%w: %w", imagine.ErrNoImage, &sd.NoImageError{Index: -1})
	}
	res := &imagine.Result{Images: resp.Images, Model: resp.Info.SDModelName}
	for i := range resp.Images {
		switch {
		case i < len(resp.Info.AllSeeds):
			res.Seeds = append(res.Seeds, resp.Info.AllSeeds[i])
		case resp.Info.Seed > 0:
			res.Seeds = append(res.Seeds, resp.Info.Seed+int64(i))
		default:
			res.Seeds = append(res.Seeds, p.Seed)
		}
	}
	return res, nil
}

// overrides returns the job's override_settings: the profile's, then
// CLIP_stop_at_last_layers for a clip skip and sd_model_checkpoint for a
// job that names its model; nil when there are none.
func overrides(p imagine.Params) map[string]any {
	if len(p.Override) == 0 && p.ClipSkip == 0 && p.Model == "" {
		return nil
	}
	out := maps.Clone(p.Override)
	if out == nil {
		out = map[string]any{}
	}
	if p.ClipSkip > 0 {
		out["CLIP_stop_at_last_layers"] = p.ClipSkip
	}
	if p.Model != "" {
		out["sd_model_checkpoint"] = p.Model
	}
	return out
}

// Samplers lists the server's sampler names.
func (b *Backend) Samplers(ctx context.Context) ([]string, error) {
	ss, err := b.client.Samplers(ctx)
	if err != nil {
		return nil, classify(err)
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.Name
	}
	return out, nil
}

// Schedulers lists the server's schedulers by label ("Karras"; the
// server takes the name "karras" too). A server before A1111 1.9 has no
// list: the error says so and the core leaves --scheduler unchecked.
func (b *Backend) Schedulers(ctx context.Context) ([]string, error) {
	ss, err := b.client.Schedulers(ctx)
	if err != nil {
		return nil, classify(err)
	}
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if l := cmp.Or(s.Label, s.Name); l != "" {
			out = append(out, l)
		}
	}
	return out, nil
}

// Loras lists the server's LoRA names, as <lora:NAME:...> takes them.
func (b *Backend) Loras(ctx context.Context) ([]string, error) {
	ls, err := b.client.Loras(ctx)
	if err != nil {
		return nil, classify(err)
	}
	out := make([]string, 0, len(ls))
	for _, l := range ls {
		if l.Name != "" {
			out = append(out, l.Name)
		}
	}
	return out, nil
}

// Models lists the server's checkpoints.
func (b *Backend) Models(ctx context.Context) ([]imagine.Model, error) {
	ms, err := b.client.Models(ctx)
	if err != nil {
		return nil, classify(err)
	}
	out := make([]imagine.Model, len(ms))
	for i, m := range ms {
		out[i] = imagine.Model{Title: m.Title, Name: m.ModelName}
	}
	return out, nil
}

// CurrentModel returns the loaded checkpoint's title.
func (b *Backend) CurrentModel(ctx context.Context) (string, error) {
	m, err := b.client.CurrentModel(ctx)
	if err != nil {
		return "", classify(err)
	}
	return m, nil
}

// SwitchModel loads the checkpoint called name and confirms it.
func (b *Backend) SwitchModel(ctx context.Context, name string) (string, error) {
	m, err := b.client.SetModel(ctx, name)
	if err != nil {
		return "", classify(err)
	}
	return m.Title, nil
}

// classify wraps an SD client error in the core's kind of failure, keeping
// the original for the log.
func classify(err error) error {
	var api *sd.APIError
	var load *sd.ModelLoadError
	switch {
	case errors.Is(err, context.Canceled):
		return err
	case errors.Is(err, sd.ErrTimeout):
		return fmt.Errorf("%w: %w", imagine.ErrTimeout, err)
	case errors.Is(err, sd.ErrUnreachable):
		return fmt.Errorf("%w: %w", imagine.ErrBackendDown, err)
	case errors.Is(err, sd.ErrNoImage):
		return fmt.Errorf("%w: %w", imagine.ErrNoImage, err)
	case errors.Is(err, sd.ErrModelNotFound):
		return fmt.Errorf("%w: %w", imagine.ErrModelNotFound, err)
	case errors.As(err, &load):
		return fmt.Errorf("%w: %w", imagine.ErrModelLoad, err)
	case errors.As(err, &api) && api.IsOutOfMemory():
		return fmt.Errorf("%w: %w", imagine.ErrOutOfMemory, err)
	case errors.As(err, &api) && api.StatusCode == http.StatusUnprocessableEntity:
		return &imagine.RejectedError{Reason: rejectReason(api), Err: err}
	case errors.As(err, &api) && api.StatusCode == http.StatusBadGateway,
		errors.As(err, &api) && api.StatusCode == http.StatusServiceUnavailable,
		errors.As(err, &api) && api.StatusCode == http.StatusGatewayTimeout:
		// A reverse proxy in front of a WebUI that is down.
		return fmt.Errorf("%w: %w", imagine.ErrBackendDown, err)
	default:
		return fmt.Errorf("%w: %w", imagine.ErrBackend, err)
	}
}

// rejectReason words a 422 for users: the fields the server refused.
func rejectReason(api *sd.APIError) string {
	var parts []string
	for _, f := range api.Fields {
		parts = append(parts, strings.TrimSpace(f.Field+": "+f.Message))
	}
	if len(parts) == 0 {
		if api.Detail != "" {
			return api.Detail
		}
		return http.StatusText(api.StatusCode)
	}
	return strings.Join(parts, "; ")
}
