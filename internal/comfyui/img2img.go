package comfyui

import (
	"encoding/json"
	"strings"
)

// Img2ImgPath is a workflow's own img2img path: LoadImage → (nodes) →
// VAEEncode → KSampler's latent_image. For an img2img job the bot sets
// the LoadImage's image to the user's uploaded picture, the KSampler's
// denoise to the strength (and its seed, steps... as for txt2img), the
// text encoders and the checkpoint; it scales the pixels to the job's
// size just before the VAEEncode (filling an ImageScale there, or adding
// one).
type Img2ImgPath struct {
	Sampler, Positive, Negative, Checkpoint string
	Load, Encode                            string
	// Scale is the ImageScale node linked to the VAEEncode's pixels; ""
	// when the bot adds one.
	Scale string
}

// generators are the classes whose output is a generated picture or
// latent: a VAEEncode below one is a refining pass (a pixel-space hires
// fix), not a path from the user's picture.
var generators = map[string]bool{"KSampler": true, "KSamplerAdvanced": true, "SamplerCustom": true, "SamplerCustomAdvanced": true, "VAEDecode": true, "VAEDecodeTiled": true}

// mapImg2Img finds the workflow's img2img path. A workflow claims one when a VAEEncode encodes a picture that no
// sampler made: one with a LoadImage above it, or one a KSampler's
// latent_image takes. Such a path must be mappable, else the error names
// what is missing; a workflow that claims none returns nil (img2img jobs
// then run the built-in graph).
func mapImg2Img(nodes map[string]rawNode, ids []string, fail func(string, ...any) error) (*Img2ImgPath, error) {
	byClass := func(class string, ids []string) []string {
		var out []string
		for _, id := range ids {
			if nodes[id].ClassType == class {
				out = append(out, id)
			}
		}
		return out
	}
	keys := func(set map[string]bool) []string {
		var out []string
		for _, id := range ids {
			if set[id] {
				out = append(out, id)
			}
		}
		return out
	}
	samplersOf := func(enc string) []string {
		var out []string
		for _, id := range byClass("KSampler", ids) {
			if from, ok := parseLink(nodes[id].Inputs["latent_image"]); ok && from == enc {
				out = append(out, id)
			}
		}
		return out
	}
	var claimed []string
	for _, enc := range byClass("VAEEncode", ids) {
		above := map[string]bool{}
		if from, ok := parseLink(nodes[enc].Inputs["pixels"]); ok {
			above = upstream(nodes, from)
		}
		generated := false
		for id := range above {
			generated = generated || generators[nodes[id].ClassType]
		}
		if !generated && (len(byClass("LoadImage", keys(above))) > 0 || len(samplersOf(enc)) > 0) {
			claimed = append(claimed, enc)
		}
	}
	switch len(claimed) {
	case 0:
		return nil, nil
	case 1:
	default:
		return nil, fail("its VAEEncode nodes %s all encode a picture; the bot fills one img2img path (LoadImage → VAEEncode → KSampler)", strings.Join(claimed, ", "))
	}
	p := &Img2ImgPath{Encode: claimed[0]}
	switch s := samplersOf(p.Encode); len(s) {
	case 1:
		p.Sampler = s[0]
	case 0:
		return nil, fail("VAEEncode node %s encodes a picture but is not linked to a KSampler's latent_image; the bot's img2img path is LoadImage → VAEEncode → KSampler", p.Encode)
	default:
		return nil, fail("KSampler nodes %s all start from VAEEncode node %s; the bot fills one img2img sampler", strings.Join(s, ", "), p.Encode)
	}
	var above map[string]bool
	if from, ok := parseLink(nodes[p.Encode].Inputs["pixels"]); ok {
		above = upstream(nodes, from)
		if nodes[from].ClassType == "ImageScale" {
			p.Scale = from
		}
	}
	switch loads := byClass("LoadImage", keys(above)); len(loads) {
	case 1:
		p.Load = loads[0]
	case 0:
		return nil, fail("the pixels of VAEEncode node %s, which KSampler node %s samples, do not come from a LoadImage node, which the bot fills with the user's picture", p.Encode, p.Sampler)
	default:
		return nil, fail("the pixels of VAEEncode node %s come from %d LoadImage nodes (%s); the bot fills one with the user's picture", p.Encode, len(loads), strings.Join(loads, ", "))
	}
	linkedTo := func(id, input, class string) (string, bool) {
		from, ok := parseLink(nodes[id].Inputs[input])
		return from, ok && nodes[from].ClassType == class
	}
	var ok bool
	if p.Positive, ok = linkedTo(p.Sampler, "positive", "CLIPTextEncode"); !ok {
		return nil, fail("the positive input of img2img KSampler node %s is not linked to a CLIPTextEncode node, whose text the bot sets to the prompt", p.Sampler)
	}
	if p.Negative, ok = linkedTo(p.Sampler, "negative", "CLIPTextEncode"); !ok {
		return nil, fail("the negative input of img2img KSampler node %s is not linked to a CLIPTextEncode node, whose text the bot sets to the negative prompt", p.Sampler)
	}
	if p.Positive == p.Negative {
		return nil, fail("the positive and negative inputs of img2img KSampler node %s are linked to the same CLIPTextEncode node %s", p.Sampler, p.Positive)
	}
	if p.Checkpoint, ok = linkedTo(p.Sampler, "model", "CheckpointLoaderSimple"); !ok {
		loaders := byClass("CheckpointLoaderSimple", ids)
		if len(loaders) != 1 {
			return nil, fail("the model of img2img KSampler node %s is not linked to a CheckpointLoaderSimple node (and the workflow has %d), whose ckpt_name the bot sets to the model", p.Sampler, len(loaders))
		}
		p.Checkpoint = loaders[0]
	}
	return p, nil
}

// outputsBySampler splits the output nodes for the two paths: those a
// txt2img job leaves out (they only follow the img2img sampler) and those
// an img2img job leaves out (they only follow the txt2img sampler). It
// fails when a path would keep no output.
func outputsBySampler(nodes map[string]rawNode, ids []string, txt, img string, fail func(string, ...any) error) (dropTxt, dropImg []string, err error) {
	var keptTxt, keptImg int
	for _, id := range ids {
		if c := nodes[id].ClassType; c != "SaveImage" && c != "PreviewImage" {
			continue
		}
		up := ancestors(nodes, id)
		switch {
		case up[img] && !up[txt]:
			dropTxt = append(dropTxt, id)
			keptImg++
		case up[txt] && !up[img]:
			dropImg = append(dropImg, id)
			keptTxt++
		default:
			keptTxt++
			keptImg++
		}
	}
	if keptImg == 0 {
		return nil, nil, fail("no SaveImage (or PreviewImage) node follows img2img KSampler node %s, so its img2img path would make no image", img)
	}
	if keptTxt == 0 {
		return nil, nil, fail("no SaveImage (or PreviewImage) node follows txt2img KSampler node %s, so text prompts would make no image", txt)
	}
	return dropTxt, dropImg, nil
}

// builtinImg2ImgGraph is the img2img graph jobs run when the workflow
// has no img2img path: the user's picture, scaled to the job's size,
// encoded, sampled with the strength as denoise, decoded and saved.
const builtinImg2ImgGraph = `{
  "3": {"class_type": "KSampler", "inputs": {"seed": 0, "steps": 20, "cfg": 7, "sampler_name": "euler", "scheduler": "normal", "denoise": 0.6, "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["11", 0]}, "_meta": {"title": "KSampler"}},
  "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": ""}, "_meta": {"title": "Load Checkpoint"}},
  "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "", "clip": ["4", 1]}, "_meta": {"title": "CLIP Text Encode (Prompt)"}},
  "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "", "clip": ["4", 1]}, "_meta": {"title": "CLIP Text Encode (Negative)"}},
  "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}, "_meta": {"title": "VAE Decode"}},
  "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "imaginebot", "images": ["8", 0]}, "_meta": {"title": "Save Image"}},
  "10": {"class_type": "LoadImage", "inputs": {"image": ""}, "_meta": {"title": "Load Image"}},
  "11": {"class_type": "VAEEncode", "inputs": {"pixels": ["12", 0], "vae": ["4", 2]}, "_meta": {"title": "VAE Encode"}},
  "12": {"class_type": "ImageScale", "inputs": {"image": ["10", 0], "upscale_method": "lanczos", "width": 512, "height": 512, "crop": "center"}, "_meta": {"title": "Scale to the job's size"}}
}`

// builtinImg2Img is the built-in img2img graph as a Workflow.
var builtinImg2Img = func() *Workflow {
	var nodes map[string]json.RawMessage
	if err := json.Unmarshal([]byte(builtinImg2ImgGraph), &nodes); err != nil {
		panic(err) // the constant is wrong
	}
	return &Workflow{nodes: nodes, Img2Img: &Img2ImgPath{
		Sampler: "3", Positive: "6", Negative: "7", Checkpoint: "4", Load: "10", Encode: "11", Scale: "12",
	}}
}()

// scaleMethod is how an img2img's picture is scaled to the job's size.
const scaleMethod = "lanczos"

// buildImg2Img returns the graph of an img2img job on the workflow's
// img2img path (the built-in graph's when it has none): the picture f.Image
// scaled to f.Width×f.Height and cropped about its centre to that shape,
// as A1111 does (resize_mode 1), not stretched: --ar, --size or a picture
// beyond 1:4 give the job another shape than the picture's. It is repeated
// f.Batch times and sampled with denoise f.Denoise. The outputs only the
// txt2img path leads to are left out.
func (w *Workflow) buildImg2Img(f fill) (json.RawMessage, error) {
	if w.Img2Img == nil {
		return builtinImg2Img.buildImg2Img(f)
	}
	p := w.Img2Img
	g := newGraph(w.nodes)
	g.drop(w.dropImg)
	ks := samplerValues(f)
	ks["denoise"] = f.Denoise
	if f.Batch > 1 {
		rep, err := g.add("RepeatLatentBatch", "Batch of the picture", map[string]any{"samples": link(p.Encode, 0), "amount": f.Batch})
		if err != nil {
			return nil, err
		}
		ks["latent_image"] = link(rep, 0)
	}
	size := map[string]any{"width": f.Width, "height": f.Height}
	scale := p.Scale
	if scale == "" {
		pixels := rawLink(w.parsed, p.Encode, "pixels")
		id, err := g.add("ImageScale", "Scale to the job's size", map[string]any{
			"image": pixels, "upscale_method": scaleMethod, "width": f.Width, "height": f.Height, "crop": "center",
		})
		if err != nil {
			return nil, err
		}
		if err := g.set(p.Encode, map[string]any{"pixels": link(id, 0)}); err != nil {
			return nil, err
		}
		scale = id
	}
	for _, s := range []struct {
		id     string
		values map[string]any
	}{
		{p.Sampler, ks},
		{p.Positive, map[string]any{"text": f.Positive}},
		{p.Negative, map[string]any{"text": f.Negative}},
		{p.Checkpoint, map[string]any{"ckpt_name": f.Ckpt}},
		{p.Load, map[string]any{"image": f.Image}},
		{scale, size},
	} {
		if err := g.set(s.id, s.values); err != nil {
			return nil, err
		}
	}
	return g.marshal()
}
