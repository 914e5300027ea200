package sdsim

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strings"
)

// txt2imgFields is StableDiffusionTxt2ImgProcessingAPI (A1111 1.10) in
// declaration order, with its API defaults.
var txt2imgFields = []field{
	{"prompt", kindStr, ""}, {"negative_prompt", kindStr, ""}, {"styles", kindStrList, nil},
	{"seed", kindInt, int64(-1)}, {"subseed", kindInt, int64(-1)}, {"subseed_strength", kindFloat, int64(0)},
	{"seed_resize_from_h", kindInt, int64(-1)}, {"seed_resize_from_w", kindInt, int64(-1)},
	{"sampler_name", kindStr, nil}, {"scheduler", kindStr, nil},
	{"batch_size", kindInt, int64(1)}, {"n_iter", kindInt, int64(1)}, {"steps", kindInt, int64(50)},
	{"cfg_scale", kindFloat, pyFloat(7)}, {"width", kindInt, int64(512)}, {"height", kindInt, int64(512)},
	{"restore_faces", kindBool, nil}, {"tiling", kindBool, nil},
	{"do_not_save_samples", kindBool, false}, {"do_not_save_grid", kindBool, false},
	{"eta", kindFloat, nil}, {"denoising_strength", kindFloat, nil},
	{"s_min_uncond", kindFloat, nil}, {"s_churn", kindFloat, nil}, {"s_tmax", kindFloat, nil},
	{"s_tmin", kindFloat, nil}, {"s_noise", kindFloat, nil},
	{"override_settings", kindDict, nil}, {"override_settings_restore_afterwards", kindBool, true},
	{"refiner_checkpoint", kindStr, nil}, {"refiner_switch_at", kindFloat, nil},
	{"disable_extra_networks", kindBool, false}, {"firstpass_image", kindStr, nil}, {"comments", kindDict, nil},
	{"enable_hr", kindBool, false}, {"firstphase_width", kindInt, int64(0)}, {"firstphase_height", kindInt, int64(0)},
	{"hr_scale", kindFloat, pyFloat(2)}, {"hr_upscaler", kindStr, nil}, {"hr_second_pass_steps", kindInt, int64(0)},
	{"hr_resize_x", kindInt, int64(0)}, {"hr_resize_y", kindInt, int64(0)}, {"hr_checkpoint_name", kindStr, nil},
	{"hr_sampler_name", kindStr, nil}, {"hr_scheduler", kindStr, nil},
	{"hr_prompt", kindStr, ""}, {"hr_negative_prompt", kindStr, ""},
	{"force_task_id", kindStr, nil}, {"sampler_index", kindStr, "Euler"}, {"script_name", kindStr, nil},
	{"script_args", kindList, []any{}}, {"send_images", kindBool, true}, {"save_images", kindBool, false},
	{"alwayson_scripts", kindDict, orderedJSON{}}, {"infotext", kindStr, nil},
	// Forge's addition for Flux (stock A1111 ignores it as an unknown key;
	// here it is typed, so a bad value is refused as Forge refuses it).
	{"distilled_cfg_scale", kindFloat, pyFloat(3.5)},
}

// fieldsFor returns the txt2img model of a flavour: the seed server adds
// task_id, SD.Next has no force_task_id.
func fieldsFor(f Flavor) []field {
	switch f {
	case FlavorSeed:
		return append(txt2imgFields[:len(txt2imgFields):len(txt2imgFields)], field{"task_id", kindStr, nil})
	case FlavorGlobal:
		out := make([]field, 0, len(txt2imgFields))
		for _, fl := range txt2imgFields {
			if fl.name != "force_task_id" {
				out = append(out, fl)
			}
		}
		return out
	}
	return txt2imgFields
}

// Limits that protect the test machine; beyond them the Sim answers
// OutOfMemoryError like a GPU would for the first.
const (
	maxBatchPixels = 4 * 2048 * 2048 // width*height*batch_size of one pass
	maxImages      = 1000            // batch_size*n_iter
)

// plan is a validated txt2img request with A1111's derived values.
type plan struct {
	req             *model
	taskID          string
	prompt          string
	negative        string
	seeds, subseeds []int64
	keys            []uint64 // scene key of each image
	subseedStrength float64
	batchSize       int
	nIter           int
	steps           int
	cfgScale        float64
	reqW, reqH      int // p.width, p.height as reported in info
	outW, outH      int // first pass image size (multiples of 8)
	sampler         string
	scheduler       string
	enableHR        bool
	hrW, hrH        int
	hrSteps         int
	hrUpscaler      string    // "" when null
	oomFault        bool      // FaultOOM strikes this job
	imageFault      FaultKind // spoils the answer's images (FaultNoImages...), or FaultNone
	extra           orderedJSON
	loraHashes      string
}

var loraTag = regexp.MustCompile(`<lora:([^:>]+)(?::[^>]*)?>`)

// newPlan derives what the job needs from the request, as text2imgapi and
// StableDiffusionProcessingTxt2Img do before sampling.
func (s *Sim) newPlan(m *model) *plan {
	p := &plan{
		req:             m,
		prompt:          m.str("prompt"),
		negative:        m.str("negative_prompt"),
		batchSize:       int(m.int("batch_size", 1)),
		nIter:           int(m.int("n_iter", 1)),
		steps:           int(m.int("steps", 50)),
		cfgScale:        m.float("cfg_scale", 7),
		reqW:            int(m.int("width", 512)),
		reqH:            int(m.int("height", 512)),
		subseedStrength: m.float("subseed_strength", 0),
		enableHR:        m.bool("enable_hr", false),
		hrUpscaler:      m.str("hr_upscaler"),
	}
	p.taskID = m.str("force_task_id")
	if s.opts.Flavor == FlavorSeed {
		p.taskID = m.str("task_id")
	}
	if p.taskID == "" {
		p.taskID = newTaskID()
	}
	p.outW, p.outH = p.reqW/8*8, p.reqH/8*8

	name := m.str("sampler_name")
	if name == "" {
		name = m.strOr("sampler_index", "Euler")
	}
	p.sampler, p.scheduler = resolveSampler(name, m.str("scheduler"))

	seed, subseed := fixedSeed(m.int("seed", -1)), fixedSeed(m.int("subseed", -1))
	total := max(0, p.batchSize) * max(0, p.nIter)
	if total <= maxImages {
		for i := range total {
			off := int64(i)
			if p.subseedStrength != 0 {
				off = 0
			}
			p.seeds = append(p.seeds, seed+off)
			p.subseeds = append(p.subseeds, subseed+int64(i))
			p.keys = append(p.keys, sceneKey(seed+off, subseed+int64(i), p.subseedStrength))
		}
	}

	if p.enableHR {
		hrScale := m.float("hr_scale", 2)
		rx, ry := int(m.int("hr_resize_x", 0)), int(m.int("hr_resize_y", 0))
		switch {
		case rx == 0 && ry == 0:
			p.extra = append(p.extra, keyValue{"Hires upscale", pyFloat(hrScale)})
			p.hrW, p.hrH = int(float64(p.reqW)*hrScale), int(float64(p.reqH)*hrScale)
		case ry == 0:
			p.extra = append(p.extra, keyValue{"Hires resize", fmt.Sprintf("%dx%d", rx, ry)})
			p.hrW, p.hrH = rx, safeDiv(rx*p.reqH, p.reqW)
		case rx == 0:
			p.extra = append(p.extra, keyValue{"Hires resize", fmt.Sprintf("%dx%d", rx, ry)})
			p.hrW, p.hrH = safeDiv(ry*p.reqW, p.reqH), ry
		default:
			p.extra = append(p.extra, keyValue{"Hires resize", fmt.Sprintf("%dx%d", rx, ry)})
			p.hrW, p.hrH = rx, ry
		}
		p.hrW, p.hrH = p.hrW/8*8, p.hrH/8*8
		p.hrSteps = int(m.int("hr_second_pass_steps", 0))
		if p.hrSteps != 0 {
			p.extra = append(p.extra, keyValue{"Hires steps", int64(p.hrSteps)})
		} else {
			p.hrSteps = p.steps
		}
		if p.hrUpscaler != "" {
			p.extra = append(p.extra, keyValue{"Hires upscaler", p.hrUpscaler})
		}
		if hs := m.str("hr_sampler_name"); hs != "" && hs != p.sampler {
			p.extra = append(p.extra, keyValue{"Hires sampler", hs})
		}
	}

	if !m.bool("disable_extra_networks", false) {
		var hashes []string
		seen := map[string]bool{}
		for _, match := range loraTag.FindAllStringSubmatch(p.prompt, -1) {
			l, ok := s.cat.findLoRA(match[1])
			if !ok || seen[l.Alias] {
				continue // A1111 silently skips an unknown LoRA
			}
			seen[l.Alias] = true
			hashes = append(hashes, l.Alias+": "+l.hash)
		}
		if hashes != nil {
			p.loraHashes = strings.Join(hashes, ", ")
			p.extra = append(p.extra, keyValue{"Lora hashes", p.loraHashes})
		}
	}
	return p
}

func safeDiv(a, b int) int {
	if b == 0 {
		return 0
	}
	return a / b
}

// fixedSeed is get_fixed_seed: -1 becomes a random seed.
func fixedSeed(seed int64) int64 {
	if seed == -1 {
		return rand.Int64N(4294967294)
	}
	return seed
}

// sceneKey is what an image's pixels are a function of.
func sceneKey(seed, subseed int64, strength float64) uint64 {
	if strength == 0 {
		return uint64(seed)
	}
	return uint64(seed) ^ mix64(uint64(subseed)^math.Float64bits(strength))
}

// newTaskID is A1111's create_task_id("txt2img").
func newTaskID() string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 7)
	for i := range b {
		b[i] = chars[rand.IntN(len(chars))]
	}
	return "task(txt2img-" + string(b) + ")"
}

// clientTaskID returns the task id a txt2img body carries, task_id first,
// whatever the flavour, for Record.TaskID.
func clientTaskID(body []byte) string {
	var ids struct {
		TaskID      any `json:"task_id"`
		ForceTaskID any `json:"force_task_id"`
	}
	_ = json.Unmarshal(body, &ids)
	if s, ok := ids.TaskID.(string); ok && s != "" {
		return s
	}
	s, _ := ids.ForceTaskID.(string)
	return s
}

// txt2img serves POST /sdapi/v1/txt2img like A1111's text2imgapi.
func (s *Sim) txt2img(w http.ResponseWriter, c *call) {
	s.enterBusy()
	defer s.leaveBusy()
	s.setRecordTask(c.rec, clientTaskID(c.body))

	m, errs := decodeModel(c.r, c.body, fieldsFor(s.opts.Flavor))
	if errs != nil {
		write422(w, errs)
		return
	}
	if name := m.str("script_name"); name != "" {
		writeHTTPException(w, http.StatusUnprocessableEntity, fmt.Sprintf("Script '%s' not found", name))
		return
	}
	for _, kv := range m.dict("alwayson_scripts") {
		if !knownAlwaysOn(kv.Key) {
			writeHTTPException(w, http.StatusUnprocessableEntity, fmt.Sprintf("always on script %s not found", kv.Key))
			return
		}
	}
	p := s.newPlan(m)
	p.oomFault = c.oom
	p.imageFault = c.imageFault

	s.serveJob(w, c, p, "txt2img", &s.txt2imgDone)
}

// serveJob queues p behind the job lock, runs it and answers with its
// images, as A1111's txt2img and img2img do; kind names it in the log, and
// done counts it (under s.mu, before the answer goes out).
func (s *Sim) serveJob(w http.ResponseWriter, c *call, p *plan, kind string, done *int) {
	s.mu.Lock()
	s.tasks.add(p.taskID, p.steps)
	ch := s.enqueueLocked()
	s.mu.Unlock()
	s.log.Info(kind+" queued", "task", p.taskID, "steps", p.steps, "size", fmt.Sprintf("%dx%d", p.reqW, p.reqH))
	if !s.awaitJobLock(ch, c.rec) {
		s.mu.Lock()
		s.tasks.removePending(p.taskID)
		s.mu.Unlock()
		s.drop(w)
		return
	}
	res, jerr, ok := s.runJob(p)
	s.releaseJobLock(c.rec)
	switch {
	case !ok:
		s.drop(w)
		return
	case jerr != nil:
		s.log.Warn(kind+" failed", "task", p.taskID, "error", jerr.cls, "detail", jerr.msg)
		writeException(w, jerr.cls, jerr.msg)
		return
	}
	body, err := s.txt2imgResponse(p, res)
	if err != nil {
		writeException(w, "TypeError", err.Error())
		return
	}
	s.mu.Lock()
	*done++
	s.mu.Unlock()
	s.log.Info(kind+" done", "task", p.taskID, "images", len(res.images), "interrupted", res.interrupted)
	writeRawJSON(w, http.StatusOK, body)
}

func knownAlwaysOn(name string) bool {
	for _, n := range alwaysOnScripts {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}
