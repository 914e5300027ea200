package comfyui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

// errNoNode is a node class the server does not have.
var errNoNode = errors.New("comfyui: node class missing")

// comboList reads the choices of a node input from /object_info/{class}:
// [[choices...], {...}] or, in newer servers, ["COMBO", {"options": [...]}].
func (b *Backend) comboList(ctx context.Context, class, input string) ([]string, error) {
	var info map[string]struct {
		Input map[string]map[string][]json.RawMessage `json:"input"`
	}
	if err := b.getJSON(ctx, "/object_info/"+class, &info); err != nil {
		return nil, err
	}
	node, ok := info[class]
	if !ok {
		return nil, fmt.Errorf("%w: %w: the server has no %s node", imagine.ErrBackend, errNoNode, class)
	}
	for _, section := range []string{"required", "optional"} {
		spec, ok := node.Input[section][input]
		if !ok || len(spec) == 0 {
			continue
		}
		var list []string
		if json.Unmarshal(spec[0], &list) == nil {
			return list, nil
		}
		var opts struct {
			Options []string `json:"options"`
		}
		if len(spec) > 1 && json.Unmarshal(spec[1], &opts) == nil && opts.Options != nil {
			return opts.Options, nil
		}
	}
	return nil, fmt.Errorf("%w: comfyui: /object_info/%s has no list for %s", imagine.ErrBackend, class, input)
}

// Models lists the checkpoints CheckpointLoaderSimple offers. Title is the
// file name as listed (e.g. "sdxl/juggernaut.safetensors"), Name the same
// without its extension.
func (b *Backend) Models(ctx context.Context) ([]imagine.Model, error) {
	files, err := b.comboList(ctx, "CheckpointLoaderSimple", "ckpt_name")
	if err != nil {
		return nil, err
	}
	out := make([]imagine.Model, len(files))
	for i, f := range files {
		out[i] = imagine.Model{Title: f, Name: strings.TrimSuffix(f, path.Ext(f))}
	}
	return out, nil
}

// CurrentModel returns the checkpoint this backend's jobs use now: the one
// SwitchModel selected, else the workflow's ckpt_name, else the first
// listed. ComfyUI loads it with the next prompt.
func (b *Backend) CurrentModel(ctx context.Context) (string, error) {
	b.mu.Lock()
	sel := b.selected
	b.mu.Unlock()
	if sel != "" {
		return sel, nil
	}
	if b.workflow.Ckpt != "" {
		return b.workflow.Ckpt, nil
	}
	models, err := b.Models(ctx)
	if err != nil {
		return "", err
	}
	if len(models) == 0 {
		return "", fmt.Errorf("%w: comfyui: the server lists no checkpoints; put one into ComfyUI's models/checkpoints", imagine.ErrModelNotFound)
	}
	return models[0].Title, nil
}

// SwitchModel selects the checkpoint called name for later jobs (ComfyUI
// loads it with the next prompt) and returns its title.
func (b *Backend) SwitchModel(ctx context.Context, name string) (string, error) {
	m, err := b.findModel(ctx, name)
	if err != nil {
		return "", err
	}
	b.mu.Lock()
	b.selected = m.Title
	b.mu.Unlock()
	b.log.Info("checkpoint selected", "model", m.Title)
	return m.Title, nil
}

var hashSuffix = regexp.MustCompile(`\s*\[[0-9a-fA-F]+\]$`)

// findModel matches name against the listed checkpoints: title or name,
// any case, with or without extension or an A1111-style hash.
func (b *Backend) findModel(ctx context.Context, name string) (imagine.Model, error) {
	models, err := b.Models(ctx)
	if err != nil {
		return imagine.Model{}, err
	}
	if m, ok := matchModel(models, name); ok {
		return m, nil
	}
	var titles []string
	for _, m := range models {
		titles = append(titles, m.Title)
	}
	if len(titles) > 10 {
		titles = append(titles[:10], "…")
	}
	return imagine.Model{}, fmt.Errorf("%w: comfyui: no checkpoint %q; the server has %s", imagine.ErrModelNotFound, name, strings.Join(titles, ", "))
}

func matchModel(models []imagine.Model, name string) (imagine.Model, bool) {
	name = hashSuffix.ReplaceAllString(strings.TrimSpace(name), "")
	if name == "" {
		return imagine.Model{}, false
	}
	for _, m := range models {
		if m.Title == name {
			return m, true
		}
	}
	for _, m := range models {
		if strings.EqualFold(m.Title, name) || strings.EqualFold(m.Name, name) {
			return m, true
		}
	}
	// The file name without its folder, if only one matches.
	var found []imagine.Model
	for _, m := range models {
		if strings.EqualFold(path.Base(m.Title), name) || strings.EqualFold(path.Base(m.Name), name) {
			found = append(found, m)
		}
	}
	if len(found) == 1 {
		return found[0], true
	}
	return imagine.Model{}, false
}

// checkpointFor returns the ckpt_name a job runs with.
func (b *Backend) checkpointFor(ctx context.Context, model string) (string, error) {
	if model == "" {
		return b.CurrentModel(ctx)
	}
	m, err := b.findModel(ctx, model)
	if err != nil {
		return "", err
	}
	return m.Title, nil
}

// Samplers lists KSampler's sampler names.
func (b *Backend) Samplers(ctx context.Context) ([]string, error) {
	return b.comboList(ctx, "KSampler", "sampler_name")
}

// Schedulers lists KSampler's schedulers.
func (b *Backend) Schedulers(ctx context.Context) ([]string, error) {
	return b.comboList(ctx, "KSampler", "scheduler")
}

// Loras lists the LoRA files LoraLoader offers.
func (b *Backend) Loras(ctx context.Context) ([]string, error) {
	return b.comboList(ctx, "LoraLoader", "lora_name")
}
