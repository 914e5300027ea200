package comfysim

import "math"

// inputSpec is one input of a node class. Typ is INT, FLOAT, STRING, COMBO
// or the type of a link (MODEL, CLIP, VAE, CONDITIONING, LATENT, IMAGE).
type inputSpec struct {
	name     string
	typ      string
	min, max float64
	step     float64
	def      any
	options  func(s *Sim) []string // for COMBO
	// upload marks a COMBO of the input folder's images, which ComfyUI
	// shows with an upload button ({"image_upload": true}) and checks with
	// the node's VALIDATE_INPUTS instead of the list: see validateImage.
	upload bool
}

// nodeSpec is one node class the Sim can run.
type nodeSpec struct {
	class      string
	category   string
	required   []inputSpec
	optional   []inputSpec
	outputs    []string
	outputNode bool
}

// linkTypes are the input types that only links can give.
var linkTypes = map[string]bool{"MODEL": true, "CLIP": true, "VAE": true, "CONDITIONING": true, "LATENT": true, "IMAGE": true, "MASK": true, "UPSCALE_MODEL": true}

// maxResolution is ComfyUI's MAX_RESOLUTION, the bound of image sizes.
const maxResolution = 16384

// upscaleMethods and cropMethods are ImageScale's choices.
var (
	upscaleMethods = []string{"nearest-exact", "bilinear", "area", "bicubic", "lanczos"}
	cropMethods    = []string{"disabled", "center"}
)

func fixed(list []string) func(*Sim) []string { return func(*Sim) []string { return list } }

const maxSeed = math.MaxUint64

// nodeSpecs are the classes the Sim knows, with ComfyUI's names, inputs,
// ranges and outputs.
var nodeSpecs = map[string]*nodeSpec{
	"CheckpointLoaderSimple": {
		class: "CheckpointLoaderSimple", category: "loaders",
		required: []inputSpec{{name: "ckpt_name", typ: "COMBO", options: func(s *Sim) []string { return s.opts.Checkpoints }}},
		outputs:  []string{"MODEL", "CLIP", "VAE"},
	},
	"LoraLoader": {
		class: "LoraLoader", category: "loaders",
		required: []inputSpec{
			{name: "model", typ: "MODEL"}, {name: "clip", typ: "CLIP"},
			{name: "lora_name", typ: "COMBO", options: func(s *Sim) []string { return s.opts.LoRAs }},
			{name: "strength_model", typ: "FLOAT", min: -100, max: 100, step: 0.01, def: 1.0},
			{name: "strength_clip", typ: "FLOAT", min: -100, max: 100, step: 0.01, def: 1.0},
		},
		outputs: []string{"MODEL", "CLIP"},
	},
	"CLIPSetLastLayer": {
		class: "CLIPSetLastLayer", category: "conditioning",
		required: []inputSpec{{name: "clip", typ: "CLIP"}, {name: "stop_at_clip_layer", typ: "INT", min: -24, max: -1, step: 1, def: -1}},
		outputs:  []string{"CLIP"},
	},
	"CLIPTextEncode": {
		class: "CLIPTextEncode", category: "conditioning",
		required: []inputSpec{{name: "text", typ: "STRING"}, {name: "clip", typ: "CLIP"}},
		outputs:  []string{"CONDITIONING"},
	},
	"EmptyLatentImage": {
		class: "EmptyLatentImage", category: "latent",
		required: []inputSpec{
			{name: "width", typ: "INT", min: 16, max: 16384, step: 8, def: 512},
			{name: "height", typ: "INT", min: 16, max: 16384, step: 8, def: 512},
			{name: "batch_size", typ: "INT", min: 1, max: 4096, step: 1, def: 1},
		},
		outputs: []string{"LATENT"},
	},
	"KSampler": {
		class: "KSampler", category: "sampling",
		required: []inputSpec{
			{name: "model", typ: "MODEL"},
			{name: "seed", typ: "INT", min: 0, max: maxSeed, step: 1, def: 0},
			{name: "steps", typ: "INT", min: 1, max: 10000, step: 1, def: 20},
			{name: "cfg", typ: "FLOAT", min: 0, max: 100, step: 0.1, def: 8.0},
			{name: "sampler_name", typ: "COMBO", options: func(s *Sim) []string { return s.opts.Samplers }},
			{name: "scheduler", typ: "COMBO", options: func(s *Sim) []string { return s.opts.Schedulers }},
			{name: "positive", typ: "CONDITIONING"},
			{name: "negative", typ: "CONDITIONING"},
			{name: "latent_image", typ: "LATENT"},
			{name: "denoise", typ: "FLOAT", min: 0, max: 1, step: 0.01, def: 1.0},
		},
		outputs: []string{"LATENT"},
	},
	"VAEDecode": {
		class: "VAEDecode", category: "latent",
		required: []inputSpec{{name: "samples", typ: "LATENT"}, {name: "vae", typ: "VAE"}},
		outputs:  []string{"IMAGE"},
	},
	"LoadImage": {
		class: "LoadImage", category: "image",
		required: []inputSpec{{name: "image", typ: "COMBO", options: (*Sim).inputImages, upload: true}},
		outputs:  []string{"IMAGE", "MASK"},
	},
	"VAEEncode": {
		class: "VAEEncode", category: "latent",
		required: []inputSpec{{name: "pixels", typ: "IMAGE"}, {name: "vae", typ: "VAE"}},
		outputs:  []string{"LATENT"},
	},
	"RepeatLatentBatch": {
		class: "RepeatLatentBatch", category: "latent/batch",
		required: []inputSpec{{name: "samples", typ: "LATENT"}, {name: "amount", typ: "INT", min: 1, max: 64, step: 1, def: 1}},
		outputs:  []string{"LATENT"},
	},
	"ImageScale": {
		class: "ImageScale", category: "image/upscaling",
		required: []inputSpec{
			{name: "image", typ: "IMAGE"},
			{name: "upscale_method", typ: "COMBO", options: fixed(upscaleMethods)},
			{name: "width", typ: "INT", min: 0, max: maxResolution, step: 1, def: 512},
			{name: "height", typ: "INT", min: 0, max: maxResolution, step: 1, def: 512},
			{name: "crop", typ: "COMBO", options: fixed(cropMethods)},
		},
		outputs: []string{"IMAGE"},
	},
	"ImageScaleBy": {
		class: "ImageScaleBy", category: "image/upscaling",
		required: []inputSpec{
			{name: "image", typ: "IMAGE"},
			{name: "upscale_method", typ: "COMBO", options: fixed(upscaleMethods)},
			{name: "scale_by", typ: "FLOAT", min: 0.01, max: 8, step: 0.01, def: 1.0},
		},
		outputs: []string{"IMAGE"},
	},
	"UpscaleModelLoader": {
		class: "UpscaleModelLoader", category: "loaders",
		required: []inputSpec{{name: "model_name", typ: "COMBO", options: func(s *Sim) []string { return s.opts.UpscaleModels }}},
		outputs:  []string{"UPSCALE_MODEL"},
	},
	"ImageUpscaleWithModel": {
		class: "ImageUpscaleWithModel", category: "image/upscaling",
		required: []inputSpec{{name: "upscale_model", typ: "UPSCALE_MODEL"}, {name: "image", typ: "IMAGE"}},
		outputs:  []string{"IMAGE"},
	},
	"SaveImage": {
		class: "SaveImage", category: "image", outputNode: true,
		required: []inputSpec{{name: "images", typ: "IMAGE"}, {name: "filename_prefix", typ: "STRING", def: "ComfyUI"}},
	},
	"PreviewImage": {
		class: "PreviewImage", category: "image", outputNode: true,
		required: []inputSpec{{name: "images", typ: "IMAGE"}},
	},
}

// objectInfo renders one class as GET /object_info does.
func (n *nodeSpec) objectInfo(s *Sim) map[string]any {
	render := func(ins []inputSpec) (map[string]any, []string) {
		m := map[string]any{}
		order := []string{}
		for _, in := range ins {
			order = append(order, in.name)
			switch {
			case in.typ == "COMBO" && in.upload:
				m[in.name] = []any{in.options(s), map[string]any{"image_upload": true}}
			case in.typ == "COMBO":
				m[in.name] = []any{in.options(s), map[string]any{}}
			case in.typ == "INT":
				m[in.name] = []any{"INT", map[string]any{"default": in.def, "min": int64OrUint(in.min), "max": int64OrUint(in.max), "step": in.step}}
			case in.typ == "FLOAT":
				m[in.name] = []any{"FLOAT", map[string]any{"default": in.def, "min": in.min, "max": in.max, "step": in.step}}
			case in.typ == "STRING":
				opts := map[string]any{"multiline": in.name == "text", "dynamicPrompts": in.name == "text"}
				if in.def != nil {
					opts["default"] = in.def
				}
				m[in.name] = []any{"STRING", opts}
			default:
				m[in.name] = []any{in.typ}
			}
		}
		return m, order
	}
	req, reqOrder := render(n.required)
	opt, optOrder := render(n.optional)
	isList := make([]bool, len(n.outputs))
	return map[string]any{
		"input":          map[string]any{"required": req, "optional": opt},
		"input_order":    map[string]any{"required": reqOrder, "optional": optOrder},
		"output":         orEmpty(n.outputs),
		"output_is_list": isList,
		"output_name":    orEmpty(n.outputs),
		"name":           n.class,
		"display_name":   n.class,
		"description":    "",
		"python_module":  "nodes",
		"category":       n.category,
		"output_node":    n.outputNode,
	}
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func int64OrUint(f float64) any {
	if f >= math.MaxInt64 {
		return uint64(math.MaxUint64)
	}
	return int64(f)
}
