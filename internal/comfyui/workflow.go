package comfyui

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

// Workflow is an API-format ComfyUI graph with the nodes the bot fills
// found: the KSampler, the CLIPTextEncode nodes directly linked to its
// positive and negative inputs, its EmptyLatentImage and the
// CheckpointLoaderSimple; and, when it has one, its img2img path
// (Img2ImgPath). Every other node and input is sent as given.
type Workflow struct {
	nodes  map[string]json.RawMessage
	parsed map[string]rawNode

	// The ids of the nodes the bot fills.
	Sampler, Positive, Negative, Latent, Checkpoint string
	// Img2Img is the workflow's own img2img path; nil when it has none,
	// and img2img jobs run the built-in img2img graph.
	Img2Img *Img2ImgPath
	// dropTxt and dropImg are the output nodes a txt2img and an img2img
	// job leave out: those only the other path leads to.
	dropTxt, dropImg []string
	// Ckpt is the workflow's own ckpt_name ("" when it names none).
	Ckpt string
	// Source is the file it was loaded from ("" for the built-in graph).
	Source string
}

// ErrWorkflow matches every *WorkflowError.
var ErrWorkflow = errors.New("comfyui: unusable workflow")

// WorkflowError says why a workflow cannot be used.
type WorkflowError struct {
	Source string // the file, or "" for inline data
	Reason string
}

func (e *WorkflowError) Error() string {
	if e.Source == "" {
		return "comfyui: workflow: " + e.Reason
	}
	return fmt.Sprintf("comfyui: workflow %s: %s", e.Source, e.Reason)
}

// Is reports whether target is ErrWorkflow.
func (e *WorkflowError) Is(target error) bool { return target == ErrWorkflow }

// defaultGraph is ComfyUI's default txt2img graph in API format.
const defaultGraph = `{
  "3": {"class_type": "KSampler", "inputs": {"seed": 0, "steps": 20, "cfg": 7, "sampler_name": "euler", "scheduler": "normal", "denoise": 1, "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0]}, "_meta": {"title": "KSampler"}},
  "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": ""}, "_meta": {"title": "Load Checkpoint"}},
  "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 512, "batch_size": 1}, "_meta": {"title": "Empty Latent Image"}},
  "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "", "clip": ["4", 1]}, "_meta": {"title": "CLIP Text Encode (Prompt)"}},
  "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "", "clip": ["4", 1]}, "_meta": {"title": "CLIP Text Encode (Negative)"}},
  "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}, "_meta": {"title": "VAE Decode"}},
  "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "imaginebot", "images": ["8", 0]}, "_meta": {"title": "Save Image"}}
}`

// DefaultWorkflow returns the built-in txt2img graph: checkpoint loader,
// two text encoders, empty latent, KSampler, VAE decode, save.
func DefaultWorkflow() *Workflow {
	w, err := ParseWorkflow([]byte(defaultGraph), "")
	if err != nil {
		panic(err) // the constant is wrong
	}
	return w
}

// LoadWorkflow reads an API-format workflow file; path "" is the built-in
// graph.
func LoadWorkflow(path string) (*Workflow, error) {
	if path == "" {
		return DefaultWorkflow(), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &WorkflowError{Source: path, Reason: fmt.Sprintf("cannot read it: %v", errors.Unwrap(err))}
	}
	return ParseWorkflow(data, path)
}

type rawNode struct {
	ClassType string                     `json:"class_type"`
	Inputs    map[string]json.RawMessage `json:"inputs"`
}

// ParseWorkflow maps an API-format graph; source names it in errors.
func ParseWorkflow(data []byte, source string) (*Workflow, error) {
	fail := func(format string, args ...any) error {
		return &WorkflowError{Source: source, Reason: fmt.Sprintf(format, args...)}
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fail("not a JSON object (%v)", err)
	}
	if _, ui := probe["nodes"]; ui {
		if _, links := probe["links"]; links {
			return nil, fail(`this is the UI format ("nodes" and "links"); in ComfyUI use Workflow → Export (API) and point workflow at that file`)
		}
	}
	nodes := map[string]rawNode{}
	w := &Workflow{nodes: probe, parsed: nodes, Source: source}
	for _, id := range sortedIDs(probe) {
		var n rawNode
		if err := json.Unmarshal(probe[id], &n); err != nil || n.ClassType == "" {
			return nil, fail("node %s is not an API-format node with class_type and inputs; export the workflow with Export (API)", id)
		}
		nodes[id] = n
	}
	byClass := func(class string) []string {
		var ids []string
		for _, id := range sortedIDs(probe) {
			if nodes[id].ClassType == class {
				ids = append(ids, id)
			}
		}
		return ids
	}
	linkedTo := func(id, input, class string) (string, bool) {
		from, ok := parseLink(nodes[id].Inputs[input])
		return from, ok && nodes[from].ClassType == class
	}

	samplers := byClass("KSampler")
	switch len(samplers) {
	case 0:
		return nil, fail("it has no KSampler node, whose seed, steps, cfg, sampler and scheduler the bot sets")
	case 1:
		w.Sampler = samplers[0]
	default:
		// Several samplers (e.g. a second pass): the bot fills the one
		// that starts from the empty latent.
		var fromEmpty []string
		for _, id := range samplers {
			if _, ok := linkedTo(id, "latent_image", "EmptyLatentImage"); ok {
				fromEmpty = append(fromEmpty, id)
			}
		}
		if len(fromEmpty) != 1 {
			return nil, fail("it has %d KSampler nodes (%s) and not exactly one whose latent_image comes from an EmptyLatentImage; the bot fills one sampler", len(samplers), strings.Join(samplers, ", "))
		}
		w.Sampler = fromEmpty[0]
	}
	var ok bool
	if w.Positive, ok = linkedTo(w.Sampler, "positive", "CLIPTextEncode"); !ok {
		return nil, fail("the positive input of KSampler node %s is not linked to a CLIPTextEncode node, whose text the bot sets to the prompt", w.Sampler)
	}
	if w.Negative, ok = linkedTo(w.Sampler, "negative", "CLIPTextEncode"); !ok {
		return nil, fail("the negative input of KSampler node %s is not linked to a CLIPTextEncode node, whose text the bot sets to the negative prompt", w.Sampler)
	}
	if w.Positive == w.Negative {
		return nil, fail("the positive and negative inputs of KSampler node %s are linked to the same CLIPTextEncode node %s", w.Sampler, w.Positive)
	}
	if w.Latent, ok = linkedTo(w.Sampler, "latent_image", "EmptyLatentImage"); !ok {
		if enc, isEnc := linkedTo(w.Sampler, "latent_image", "VAEEncode"); isEnc {
			return nil, fail("the latent_image of KSampler node %s comes from VAEEncode node %s: this is an img2img workflow; the bot needs a txt2img path (EmptyLatentImage → KSampler), beside which an img2img path (LoadImage → VAEEncode → KSampler) may stand", w.Sampler, enc)
		}
		latents := byClass("EmptyLatentImage")
		if len(latents) != 1 {
			return nil, fail("the latent_image of KSampler node %s is not linked to an EmptyLatentImage node (and the workflow has %d), whose width, height and batch_size the bot sets", w.Sampler, len(latents))
		}
		w.Latent = latents[0]
	}
	if w.Checkpoint, ok = linkedTo(w.Sampler, "model", "CheckpointLoaderSimple"); !ok {
		loaders := byClass("CheckpointLoaderSimple")
		if len(loaders) != 1 {
			return nil, fail("it has %d CheckpointLoaderSimple nodes, want exactly one, whose ckpt_name the bot sets to the model", len(loaders))
		}
		w.Checkpoint = loaders[0]
	}
	if len(byClass("SaveImage"))+len(byClass("PreviewImage")) == 0 {
		return nil, fail("it has no SaveImage (or PreviewImage) node, so it would make no image the bot can fetch")
	}
	if raw, ok := nodes[w.Checkpoint].Inputs["ckpt_name"]; ok {
		_ = json.Unmarshal(raw, &w.Ckpt) // a link or a number leaves it ""
	}
	ids := sortedIDs(probe)
	img, err := mapImg2Img(nodes, ids, fail)
	if err != nil {
		return nil, err
	}
	if img != nil {
		w.Img2Img = img
		if w.dropTxt, w.dropImg, err = outputsBySampler(nodes, ids, w.Sampler, img.Sampler, fail); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// Describe names the nodes the bot fills, for "bot check".
func (w *Workflow) Describe() string {
	src := "built-in txt2img graph"
	if w.Source != "" {
		src = w.Source
	}
	img := "img2img: built-in graph"
	if p := w.Img2Img; p != nil {
		scale := "an ImageScale the bot adds"
		if p.Scale != "" {
			scale = "ImageScale " + p.Scale
		}
		img = fmt.Sprintf("img2img: LoadImage %s → %s → VAEEncode %s → KSampler %s", p.Load, scale, p.Encode, p.Sampler)
	}
	return fmt.Sprintf("%s (%d nodes): KSampler %s, prompt %s, negative %s, EmptyLatentImage %s, CheckpointLoaderSimple %s; %s",
		src, len(w.nodes), w.Sampler, w.Positive, w.Negative, w.Latent, w.Checkpoint, img)
}

// fill are the values the bot sets in one graph.
type fill struct {
	Seed                 int64
	Steps                int
	CFG                  float64 // 0 keeps the workflow's
	Sampler, Scheduler   string  // "" keeps the workflow's
	Positive, Negative   string
	Width, Height, Batch int
	Ckpt                 string
	// An img2img's: the sampler's denoise and the uploaded picture's name.
	Denoise float64
	Image   string
}

// samplerValues are the KSampler inputs the bot sets.
func samplerValues(f fill) map[string]any {
	ks := map[string]any{"seed": f.Seed, "steps": f.Steps}
	if f.CFG > 0 {
		ks["cfg"] = f.CFG
	}
	if f.Sampler != "" {
		ks["sampler_name"] = f.Sampler
	}
	if f.Scheduler != "" {
		ks["scheduler"] = f.Scheduler
	}
	return ks
}

// build returns the txt2img graph to submit: the workflow with the bot's
// fields set, less the outputs only its img2img path leads to.
func (w *Workflow) build(f fill) (json.RawMessage, error) {
	g := newGraph(w.nodes)
	g.drop(w.dropTxt)
	for _, s := range []struct {
		id     string
		values map[string]any
	}{
		{w.Sampler, samplerValues(f)},
		{w.Positive, map[string]any{"text": f.Positive}},
		{w.Negative, map[string]any{"text": f.Negative}},
		{w.Latent, map[string]any{"width": f.Width, "height": f.Height, "batch_size": f.Batch}},
		{w.Checkpoint, map[string]any{"ckpt_name": f.Ckpt}},
	} {
		if err := g.set(s.id, s.values); err != nil {
			return nil, err
		}
	}
	return g.marshal()
}

// parseLink reads a link input [node_id, output_index].
func parseLink(raw json.RawMessage) (string, bool) {
	var l []json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &l) != nil || len(l) != 2 {
		return "", false
	}
	var id string
	if err := json.Unmarshal(l[0], &id); err != nil {
		return "", false
	}
	var idx int
	if err := json.Unmarshal(l[1], &idx); err != nil {
		return "", false
	}
	return id, true
}

// sortedIDs orders node ids numerically where they are numbers.
func sortedIDs[V any](m map[string]V) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		a, errA := strconv.Atoi(ids[i])
		b, errB := strconv.Atoi(ids[j])
		if errA == nil && errB == nil {
			return a < b
		}
		return ids[i] < ids[j]
	})
	return ids
}
