package sdsim

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"hash/fnv"
	"image"
	_ "image/jpeg" // input pictures may be JPEG
	"math"
	"net/http"
	"slices"
	"strings"
)

// img2imgFields is StableDiffusionImg2ImgProcessingAPI (A1111 1.10): the
// txt2img fields without the hires pass, and the picture's.
var img2imgFields = func() []field {
	hires := []string{"enable_hr", "firstphase_width", "firstphase_height", "hr_scale", "hr_upscaler",
		"hr_second_pass_steps", "hr_resize_x", "hr_resize_y", "hr_checkpoint_name", "hr_sampler_name",
		"hr_scheduler", "hr_prompt", "hr_negative_prompt", "firstpass_image", "denoising_strength"}
	out := slices.DeleteFunc(slices.Clone(txt2imgFields), func(f field) bool { return slices.Contains(hires, f.name) })
	return append(out,
		field{"init_images", kindList, nil}, field{"resize_mode", kindInt, int64(0)},
		field{"image_cfg_scale", kindFloat, nil}, field{"mask", kindStr, nil},
		field{"mask_blur_x", kindInt, int64(4)}, field{"mask_blur_y", kindInt, int64(4)}, field{"mask_blur", kindInt, nil},
		field{"mask_round", kindBool, true}, field{"inpainting_fill", kindInt, int64(0)},
		field{"inpaint_full_res", kindBool, true}, field{"inpaint_full_res_padding", kindInt, int64(0)},
		field{"inpainting_mask_invert", kindInt, int64(0)}, field{"initial_noise_multiplier", kindFloat, nil},
		field{"latent_mask", kindStr, nil}, field{"include_init_images", kindBool, false},
		field{"denoising_strength", kindFloat, pyFloat(0.75)},
	)
}()

// upscaleFields is ExtrasSingleImageRequest.
var upscaleFields = []field{
	{"resize_mode", kindInt, int64(0)}, {"show_extras_results", kindBool, true},
	{"gfpgan_visibility", kindFloat, pyFloat(0)}, {"codeformer_visibility", kindFloat, pyFloat(0)},
	{"codeformer_weight", kindFloat, pyFloat(0)}, {"upscaling_resize", kindFloat, pyFloat(2)},
	{"upscaling_resize_w", kindInt, int64(512)}, {"upscaling_resize_h", kindInt, int64(512)},
	{"upscaling_crop", kindBool, true}, {"upscaler_1", kindStr, "None"}, {"upscaler_2", kindStr, "None"},
	{"extras_upscaler_2_visibility", kindFloat, pyFloat(0)}, {"upscale_first", kindBool, false},
	{"image", kindStr, ""},
}

// decodePicture is A1111's decode_base64_to_image: base64 (a data: URI
// too) of a file PIL opens. It returns the file and its size.
func decodePicture(s string) ([]byte, int, int, bool) {
	if i := strings.IndexByte(s, ','); strings.HasPrefix(s, "data:") && i >= 0 {
		s = s[i+1:]
	}
	data, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(data) == 0 {
		return nil, 0, 0, false
	}
	if w, h, ok := webpSize(data); ok {
		return data, w, h, true
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, 0, 0, false
	}
	return data, cfg.Width, cfg.Height, true
}

// webpSize reads a lossless or extended WebP's size, as PIL would open it.
func webpSize(d []byte) (int, int, bool) {
	if len(d) < 30 || string(d[0:4]) != "RIFF" || string(d[8:12]) != "WEBP" {
		return 0, 0, false
	}
	b := d[20:]
	switch string(d[12:16]) {
	case "VP8L":
		bits := uint32(b[1]) | uint32(b[2])<<8 | uint32(b[3])<<16 | uint32(b[4])<<24
		return int(bits&0x3fff) + 1, int(bits>>14&0x3fff) + 1, true
	case "VP8X":
		return int(uint32(b[4])|uint32(b[5])<<8|uint32(b[6])<<16) + 1, int(uint32(b[7])|uint32(b[8])<<8|uint32(b[9])<<16) + 1, true
	case "VP8 ":
		return int(uint16(b[6])|uint16(b[7])<<8) & 0x3fff, int(uint16(b[8])|uint16(b[9])<<8) & 0x3fff, true
	}
	return 0, 0, false
}

// pictureKey is the scene key of an answer made from a picture: its
// bytes', so that the same picture gives the same answer.
func pictureKey(data []byte) uint64 {
	h := fnv.New64a()
	h.Write(data)
	return h.Sum64()
}

// img2img serves POST /sdapi/v1/img2img like A1111's img2imgapi: the job
// is a txt2img's (same lock, progress, info and faults) whose scenes
// depend on the picture too. The first init image is recorded.
func (s *Sim) img2img(w http.ResponseWriter, c *call) {
	s.enterBusy()
	defer s.leaveBusy()
	s.setRecordTask(c.rec, clientTaskID(c.body))
	fields := img2imgFields
	if s.opts.Flavor == FlavorSeed {
		fields = append(fields[:len(fields):len(fields)], field{"task_id", kindStr, nil})
	}
	m, errs := decodeModel(c.r, c.body, fields)
	if errs != nil {
		write422(w, errs)
		return
	}
	inits, _ := m.get("init_images").([]any)
	if len(inits) == 0 {
		writeHTTPException(w, http.StatusNotFound, "Init image not found")
		return
	}
	first, _ := inits[0].(string)
	pic, _, _, ok := decodePicture(first)
	if !ok {
		writeHTTPException(w, http.StatusInternalServerError, "Invalid encoded image")
		return
	}
	s.setRecordInit(c.rec, pic)
	if m.str("mask") != "" {
		writeHTTPException(w, http.StatusUnprocessableEntity, "the simulator does no inpainting")
		return
	}
	if ds := m.float("denoising_strength", 0.75); ds < 0 || ds > 1 || math.IsNaN(ds) {
		writeException(w, "ValueError", fmt.Sprintf("denoising_strength %v out of [0, 1]", ds))
		return
	}
	p := s.newPlan(m)
	p.oomFault, p.imageFault = c.oom, c.imageFault
	pk := pictureKey(pic)
	for i := range p.keys {
		p.keys[i] ^= pk
	}
	s.serveJob(w, c, p, "img2img", &s.img2imgDone)
}

// extraSingleImage serves POST /sdapi/v1/extra-single-image: the picture
// enlarged by upscaling_resize with upscaler_1, under the job lock as in
// A1111. The picture is recorded as the call's InitImage.
func (s *Sim) extraSingleImage(w http.ResponseWriter, c *call) {
	s.enterBusy()
	defer s.leaveBusy()
	m, errs := decodeModel(c.r, c.body, upscaleFields)
	if errs != nil {
		write422(w, errs)
		return
	}
	pic, pw, ph, ok := decodePicture(m.str("image"))
	if !ok {
		writeHTTPException(w, http.StatusInternalServerError, "Invalid encoded image")
		return
	}
	s.setRecordInit(c.rec, pic)
	for _, name := range []string{m.strOr("upscaler_1", "None"), m.strOr("upscaler_2", "None")} {
		if !knownUpscaler(name) || strings.HasPrefix(name, "Latent") {
			writeException(w, "AssertionError", "could not find upscaler named "+name)
			return
		}
	}
	scale := m.float("upscaling_resize", 2)
	ow, oh := int(math.Round(float64(pw)*scale)), int(math.Round(float64(ph)*scale))
	if m.int("resize_mode", 0) == 1 {
		ow, oh = int(m.int("upscaling_resize_w", 512)), int(m.int("upscaling_resize_h", 512))
	}
	if c.oom || ow*oh > maxBatchPixels {
		writeException(w, "OutOfMemoryError", oomMessage)
		return
	}
	if ow < 1 || oh < 1 {
		writeException(w, "ValueError", "height and width must be > 0")
		return
	}
	s.mu.Lock()
	ch := s.enqueueLocked()
	s.mu.Unlock()
	if !s.awaitJobLock(ch, c.rec) {
		s.drop(w)
		return
	}
	ok = s.sleep(s.opts.StepDelay)
	s.releaseJobLock(c.rec)
	if !ok {
		s.drop(w)
		return
	}
	out := ""
	if m.bool("show_extras_results", true) {
		out = base64.StdEncoding.EncodeToString(encodePNG(renderScene(pictureKey(pic), ow, oh, 1), ""))
	}
	var image any = out
	switch c.imageFault {
	case FaultNoImages, FaultEmptyImage:
		image = ""
	case FaultNullImage:
		image = nil
	case FaultBadBase64:
		image = "not base64!"
	case FaultNotImage:
		image = base64.StdEncoding.EncodeToString([]byte("<html>error</html>"))
	}
	s.mu.Lock()
	s.upscaleDone++
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, orderedJSON{{"html_info", "<p>upscaled</p>"}, {"image", image}})
}
