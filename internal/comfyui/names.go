package comfyui

import "strings"

// a1111Samplers maps A1111's sampler names (as a config written for an
// A1111 server names them) to ComfyUI's.
var a1111Samplers = map[string]string{
	"euler": "euler", "euler a": "euler_ancestral", "heun": "heun", "lms": "lms",
	"dpm2": "dpm_2", "dpm2 a": "dpm_2_ancestral", "dpm++ 2s a": "dpmpp_2s_ancestral",
	"dpm++ sde": "dpmpp_sde", "dpm++ 2m": "dpmpp_2m", "dpm++ 2m sde": "dpmpp_2m_sde",
	"dpm++ 3m sde": "dpmpp_3m_sde", "dpm fast": "dpm_fast", "dpm adaptive": "dpm_adaptive",
	"ddim": "ddim", "unipc": "uni_pc", "lcm": "lcm", "restart": "res_multistep",
}

// a1111Schedulers maps A1111's schedule types to ComfyUI's; "automatic"
// keeps the workflow's.
var a1111Schedulers = map[string]string{
	"automatic": "", "karras": "karras", "exponential": "exponential", "simple": "simple",
	"normal": "normal", "sgm uniform": "sgm_uniform", "beta": "beta", "ddim": "ddim_uniform",
	"uniform": "normal",
}

// comfySampler turns a sampler and scheduler as the bot's settings name
// them into ComfyUI's: ComfyUI names pass through, A1111 names are
// translated (including the older "DPM++ 2M Karras" form). A name neither
// knows passes through for ComfyUI to refuse with its list.
func comfySampler(sampler, scheduler string) (string, string) {
	s := strings.TrimSpace(sampler)
	sched := strings.TrimSpace(scheduler)
	if sched != "" {
		if v, ok := a1111Schedulers[strings.ToLower(sched)]; ok {
			sched = v
		}
	}
	if s == "" {
		return "", sched
	}
	low := strings.ToLower(s)
	if v, ok := a1111Samplers[low]; ok {
		return v, sched
	}
	for _, suffix := range []string{" karras", " exponential"} {
		if base, ok := strings.CutSuffix(low, suffix); ok {
			if v, ok := a1111Samplers[base]; ok {
				if sched == "" {
					sched = strings.TrimSpace(suffix)
				}
				return v, sched
			}
		}
	}
	return s, sched
}

// SamplerName returns the ComfyUI sampler a configured sampler name
// becomes (A1111 names are translated).
func SamplerName(name string) string {
	s, _ := comfySampler(name, "")
	return s
}
