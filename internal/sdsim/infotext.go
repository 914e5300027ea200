package sdsim

import (
	"encoding/base64"
	"fmt"
	"image"
	"strings"
)

// version is what the Sim claims to be in infotexts and info.
const version = "v1.10.1"

// infotext is create_infotext for image index (into plan.seeds): the A1111
// "parameters" text.
func infotext(p *plan, res jobResult, index int) string {
	var params []keyValue
	add := func(k string, v any) { params = append(params, keyValue{k, v}) }
	add("Steps", p.steps)
	add("Sampler", p.sampler)
	add("Schedule type", p.scheduler)
	add("CFG scale", pyFloat(p.cfgScale))
	add("Seed", p.seeds[index])
	add("Size", fmt.Sprintf("%dx%d", p.reqW, p.reqH))
	add("Model hash", res.modelHash)
	add("Model", res.modelName)
	if p.subseedStrength != 0 {
		add("Variation seed", p.subseeds[index])
		add("Variation seed strength", pyFloat(p.subseedStrength))
	}
	if rw, rh := p.req.int("seed_resize_from_w", -1), p.req.int("seed_resize_from_h", -1); rw > 0 && rh > 0 {
		add("Seed resize from", fmt.Sprintf("%dx%d", rw, rh))
	}
	if ds, ok := p.req.get("denoising_strength").(pyFloat); ok && p.enableHR {
		add("Denoising strength", ds)
	}
	if p.req.bool("tiling", false) {
		add("Tiling", "True")
	}
	params = append(params, p.extra...)
	add("Version", version)

	var sb strings.Builder
	sb.WriteString(p.prompt)
	if p.negative != "" {
		sb.WriteString("\nNegative prompt: ")
		sb.WriteString(p.negative)
	}
	sb.WriteString("\n")
	for i, kv := range params {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(kv.Key)
		sb.WriteString(": ")
		sb.WriteString(quoteInfo(pyStr(kv.Value)))
	}
	return strings.TrimSpace(sb.String())
}

// pyStr is Python's str() of an infotext value.
func pyStr(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case pyFloat:
		return pyFloatString(float64(x))
	}
	return fmt.Sprint(v)
}

// quoteInfo is infotext_utils.quote: values with a comma, newline or colon are
// JSON-quoted.
func quoteInfo(s string) string {
	if !strings.ContainsAny(s, ",\n:") {
		return s
	}
	b, _ := marshalNoHTMLEscape(s)
	return string(b)
}

// txt2imgResponse renders and encodes the images and builds TextToImageResponse.
func (s *Sim) txt2imgResponse(p *plan, res jobResult) ([]byte, error) {
	s.mu.Lock()
	pnginfo := s.settingBoolLocked("enable_pnginfo", true)
	returnGrid := s.settingBoolLocked("return_grid", true)
	onlyIfMultiple := s.settingBoolLocked("grid_only_if_multiple", true)
	clipSkip := s.settingIntLocked("CLIP_stop_at_last_layers", 1)
	s.mu.Unlock()

	imgs := make([]*image.RGBA, len(res.images))
	texts := make([]string, len(res.images))
	for i, oi := range res.images {
		imgs[i] = renderScene(oi.key, oi.w, oi.h, oi.t)
		texts[i] = infotext(p, res, oi.index)
	}
	first := 0
	wantGrid := s.opts.ReturnGrid || p.req.bool("save_images", false)
	if wantGrid && returnGrid && !(len(imgs) < 2 && onlyIfMultiple) {
		imgs = append([]*image.RGBA{gridOf(imgs)}, imgs...)
		texts = append([]string{infotext(p, res, 0)}, texts...)
		first = 1
	}
	images := []string{}
	if p.req.bool("send_images", true) {
		for i, im := range imgs {
			text := ""
			if pnginfo {
				text = texts[i]
			}
			images = append(images, base64.StdEncoding.EncodeToString(encodePNG(im, text)))
		}
	}

	n := len(p.seeds)
	prompts, negatives := make([]string, n), make([]string, n)
	for i := range n {
		prompts[i], negatives[i] = p.prompt, p.negative
	}
	styles := p.req.get("styles")
	if styles == nil {
		styles = []any{}
	}
	extra := p.extra
	if extra == nil {
		extra = orderedJSON{}
	}
	var seed, subseed int64
	if n > 0 {
		seed, subseed = p.seeds[0], p.subseeds[0]
	}
	info, err := orderedJSON{
		{"prompt", p.prompt}, {"all_prompts", prompts},
		{"negative_prompt", p.negative}, {"all_negative_prompts", negatives},
		{"seed", seed}, {"all_seeds", p.seeds}, {"subseed", subseed}, {"all_subseeds", p.subseeds},
		{"subseed_strength", p.req.get("subseed_strength")},
		{"width", p.reqW}, {"height", p.reqH},
		{"sampler_name", p.sampler}, {"cfg_scale", pyFloat(p.cfgScale)}, {"steps", p.steps},
		{"batch_size", p.batchSize}, {"restore_faces", p.req.bool("restore_faces", false)},
		{"face_restoration_model", nil},
		{"sd_model_name", res.modelName}, {"sd_model_hash", res.modelHash},
		{"sd_vae_name", nil}, {"sd_vae_hash", nil},
		{"seed_resize_from_w", p.req.int("seed_resize_from_w", -1)},
		{"seed_resize_from_h", p.req.int("seed_resize_from_h", -1)},
		{"denoising_strength", p.req.get("denoising_strength")},
		{"extra_generation_params", extra},
		{"index_of_first_image", first}, {"infotexts", texts}, {"styles", styles},
		{"job_timestamp", res.jobTimestamp}, {"clip_skip", clipSkip},
		{"is_using_inpainting_conditioning", false}, {"version", version},
	}.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("sdsim: info: %w", err)
	}
	var sent any = images
	if p.imageFault != FaultNone {
		s.log.Info("fault: spoiling the answer's images", "task", p.taskID, "fault", p.imageFault.String())
		sent = spoilImages(p.imageFault, images)
	}
	return marshalNoHTMLEscape(struct {
		Images     any         `json:"images"`
		Parameters orderedJSON `json:"parameters"`
		Info       string      `json:"info"`
	}{sent, p.req.echo(), string(info)})
}
