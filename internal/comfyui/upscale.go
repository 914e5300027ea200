package comfyui

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// UpscaleModels lists the upscale model files UpscaleModelLoader offers
// (ComfyUI's models/upscale_models). A server without that node lists
// none.
func (b *Backend) UpscaleModels(ctx context.Context) ([]string, error) {
	list, err := b.comboList(ctx, "UpscaleModelLoader", "model_name")
	if errors.Is(err, errNoNode) {
		return nil, nil
	}
	return list, err
}

// a1111Upscalers maps the names of A1111's upscalers (defaults.upscaler
// of a config written for A1111) to the model files ComfyUI users keep.
var a1111Upscalers = map[string]string{
	"r-esrgan 4x+":         "realesrgan_x4plus",
	"r-esrgan 4x+ anime6b": "realesrgan_x4plus_anime_6b",
	"r-esrgan 2x+":         "realesrgan_x2plus",
}

// stem is a model file's name in lower case without folder and extension.
func stem(name string) string {
	base := path.Base(strings.ReplaceAll(strings.TrimSpace(name), `\`, "/"))
	return strings.ToLower(strings.TrimSuffix(base, path.Ext(base)))
}

// MatchUpscaler returns the model file of models that name (a configured
// upscaler) means: the file as listed, the same in any case or without
// its folder or extension, or the usual file of an A1111 upscaler name
// ("R-ESRGAN 4x+" is RealESRGAN_x4plus.pth).
func MatchUpscaler(models []string, name string) (string, bool) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", false
	}
	for _, m := range models {
		if m == name {
			return m, true
		}
	}
	want := stem(name)
	if alias, ok := a1111Upscalers[strings.ToLower(name)]; ok {
		want = alias
	}
	var found []string
	for _, m := range models {
		if stem(m) == want {
			found = append(found, m)
		}
	}
	if len(found) == 1 {
		return found[0], true
	}
	return "", false
}

// upscaleModel returns the model file an upscale job runs with, or
// refuses the job: a server without upscale models cannot upscale, and a
// name it does not list is named.
func (b *Backend) upscaleModel(ctx context.Context, name string) (string, error) {
	models, err := b.UpscaleModels(ctx)
	if err != nil {
		return "", err
	}
	if len(models) == 0 {
		return "", rejected(catalog.MsgUpscaleUnsupported, imagine.KindUpscale)
	}
	m, ok := MatchUpscaler(models, name)
	if !ok {
		return "", fmt.Errorf("comfyui: upscaler %q is not among the server's upscale models (%s): %w",
			name, strings.Join(models, ", "), &imagine.UserError{Kind: imagine.ErrRejected, ID: catalog.MsgUpscalerMissing, Args: []any{name}})
	}
	return m, nil
}

// upscaleGraph enlarges the uploaded picture with an upscale model, then
// scales the model's result (often 4×) to exactly w×h, the picture's size
// times the factor.
func upscaleGraph(image, model string, w, h int) (*graph, error) {
	g := newGraph(nil)
	load, err := g.add("LoadImage", "The picture", map[string]any{"image": image})
	if err != nil {
		return nil, err
	}
	loader, err := g.add("UpscaleModelLoader", "Upscale model", map[string]any{"model_name": model})
	if err != nil {
		return nil, err
	}
	up, err := g.add("ImageUpscaleWithModel", "Upscale", map[string]any{"upscale_model": link(loader, 0), "image": link(load, 0)})
	if err != nil {
		return nil, err
	}
	scale, err := g.add("ImageScale", "To the asked size", map[string]any{"image": link(up, 0), "upscale_method": scaleMethod, "width": w, "height": h, "crop": "disabled"})
	if err != nil {
		return nil, err
	}
	if _, err := g.add("SaveImage", "Save", map[string]any{"filename_prefix": "imaginebot_upscale", "images": link(scale, 0)}); err != nil {
		return nil, err
	}
	return g, nil
}
