package sdsim

import "strings"

// sampler is one entry of GET /sdapi/v1/samplers (A1111 1.10).
type sampler struct {
	Name    string         `json:"name"`
	Aliases []string       `json:"aliases"`
	Options map[string]any `json:"options"`
}

// samplers lists A1111 1.10's samplers in its order; the first is the fallback
// for an unknown name.
var samplers = []sampler{
	{"DPM++ 2M", []string{"k_dpmpp_2m"}, map[string]any{"scheduler": "karras"}},
	{"DPM++ SDE", []string{"k_dpmpp_sde"}, map[string]any{"scheduler": "karras", "second_order": true, "brownian_noise": true}},
	{"DPM++ 2M SDE", []string{"k_dpmpp_2m_sde"}, map[string]any{"scheduler": "exponential", "brownian_noise": true}},
	{"DPM++ 2M SDE Heun", []string{"k_dpmpp_2m_sde_heun"}, map[string]any{"scheduler": "exponential", "brownian_noise": true, "solver_type": "heun"}},
	{"DPM++ 2S a", []string{"k_dpmpp_2s_a"}, map[string]any{"scheduler": "karras", "uses_ensd": true, "second_order": true}},
	{"DPM++ 3M SDE", []string{"k_dpmpp_3m_sde"}, map[string]any{"scheduler": "exponential", "discard_next_to_last_sigma": true, "brownian_noise": true}},
	{"Euler a", []string{"k_euler_a", "k_euler_ancestral"}, map[string]any{"uses_ensd": true}},
	{"Euler", []string{"k_euler"}, map[string]any{}},
	{"LMS", []string{"k_lms"}, map[string]any{}},
	{"Heun", []string{"k_heun"}, map[string]any{"second_order": true}},
	{"DPM2", []string{"k_dpm_2"}, map[string]any{"scheduler": "karras", "discard_next_to_last_sigma": true, "second_order": true}},
	{"DPM2 a", []string{"k_dpm_2_a"}, map[string]any{"scheduler": "karras", "discard_next_to_last_sigma": true, "uses_ensd": true, "second_order": true}},
	{"DPM fast", []string{"k_dpm_fast"}, map[string]any{"uses_ensd": true}},
	{"DPM adaptive", []string{"k_dpm_ad"}, map[string]any{"uses_ensd": true}},
	{"Restart", []string{"restart"}, map[string]any{"scheduler": "karras", "second_order": true}},
	{"DDIM", []string{"ddim"}, map[string]any{}},
	{"DDIM CFG++", []string{"ddim_cfgpp"}, map[string]any{}},
	{"PLMS", []string{"plms"}, map[string]any{}},
	{"UniPC", []string{"unipc"}, map[string]any{}},
	{"LCM", []string{"k_lcm"}, map[string]any{}},
}

// scheduler is one entry of GET /sdapi/v1/schedulers (A1111 1.10).
type scheduler struct {
	Name           string   `json:"name"`
	Label          string   `json:"label"`
	Aliases        []string `json:"aliases"`
	DefaultRho     float64  `json:"default_rho"`
	NeedInnerModel bool     `json:"need_inner_model"`
}

var schedulers = []scheduler{
	{"automatic", "Automatic", nil, -1, false},
	{"uniform", "Uniform", nil, -1, true},
	{"karras", "Karras", nil, 7, false},
	{"exponential", "Exponential", nil, -1, false},
	{"polyexponential", "Polyexponential", nil, 1, false},
	{"sgm_uniform", "SGM Uniform", []string{"SGMUniform"}, -1, true},
	{"kl_optimal", "KL Optimal", nil, -1, false},
	{"align_your_steps", "Align Your Steps", nil, -1, false},
	{"simple", "Simple", nil, -1, true},
	{"normal", "Normal", nil, -1, true},
	{"ddim", "DDIM", nil, -1, true},
	{"beta", "Beta", nil, -1, true},
}

// resolveSampler mirrors A1111 1.10's get_sampler_and_scheduler: an old
// combined name ("DPM++ 2M Karras") is split, an unknown sampler silently
// becomes the first one, and a sampler's own default scheduler is reported as
// "Automatic". It returns the sampler name and the scheduler label.
func resolveSampler(samplerName, schedulerName string) (string, string) {
	found := schedulers[0]
	for _, sc := range schedulers {
		if schedulerName == sc.Name || schedulerName == sc.Label {
			found = sc
			break
		}
	}
	name := samplerName
	if name == "" {
		name = samplers[0].Name
	}
	for _, sc := range schedulers {
		for _, opt := range append([]string{sc.Label, sc.Name}, sc.Aliases...) {
			if strings.HasSuffix(name, " "+opt) {
				found = sc
				name = strings.TrimSuffix(name, " "+opt)
				break
			}
		}
	}
	smp := samplers[0]
	for _, s := range samplers {
		if s.Name == name {
			smp = s
			break
		}
	}
	if smp.Options["scheduler"] == found.Name {
		found = schedulers[0]
	}
	return smp.Name, found.Label
}

// upscaler is one entry of GET /sdapi/v1/upscalers.
type upscaler struct {
	Name      string  `json:"name"`
	ModelName *string `json:"model_name"`
	ModelPath *string `json:"model_path"`
	ModelURL  *string `json:"model_url"`
	Scale     float64 `json:"scale"`
}

func strp(s string) *string { return &s }

// upscalers is A1111's shared.sd_upscalers plus "Latent": stock A1111 lists
// the latent modes only in /sdapi/v1/latent-upscale-modes, but the project's
// brief wants clients to find the default hires upscaler here.
var upscalers = []upscaler{
	{"None", nil, nil, nil, 4},
	{"Latent", nil, nil, nil, 2},
	{"Lanczos", nil, nil, nil, 4},
	{"Nearest", nil, nil, nil, 4},
	{"DAT x2", nil, strp("https://github.com/n0kovo/dat_upscaler_models/raw/main/DAT/DAT_x2.pth"), nil, 2},
	{"ESRGAN_4x", strp("ESRGAN_4x"), strp("https://github.com/cszn/KAIR/releases/download/v1.0/ESRGAN.pth"), nil, 4},
	{"LDSR", nil, strp("https://heibox.uni-heidelberg.de/f/578df07c8fc04ffbadf3/?dl=1"), nil, 4},
	{"R-ESRGAN 4x+", nil, strp("https://github.com/xinntao/Real-ESRGAN/releases/download/v0.1.0/RealESRGAN_x4plus.pth"), nil, 4},
	{"R-ESRGAN 4x+ Anime6B", nil, strp("https://github.com/xinntao/Real-ESRGAN/releases/download/v0.2.2.4/RealESRGAN_x4plus_anime_6B.pth"), nil, 4},
	{"ScuNET GAN", nil, strp("https://github.com/cszn/KAIR/releases/download/v1.0/scunet_color_real_gan.pth"), nil, 4},
	{"SwinIR 4x", nil, strp("https://github.com/JingyunLiang/SwinIR/releases/download/v0.0/003_realSR_BSRGAN_DFOWMFC_s64w8_SwinIR-L_x4_GAN.pth"), nil, 4},
}

// latentUpscaleModes are the hr_upscaler names that upscale in latent space.
var latentUpscaleModes = []string{"Latent", "Latent (antialiased)", "Latent (bicubic)",
	"Latent (bicubic antialiased)", "Latent (nearest)", "Latent (nearest-exact)"}

// knownUpscaler reports whether name is a latent mode or an upscaler.
func knownUpscaler(name string) bool {
	for _, m := range latentUpscaleModes {
		if m == name {
			return true
		}
	}
	for _, u := range upscalers {
		if u.Name == name {
			return true
		}
	}
	return false
}

// alwaysOnScripts are the built-in always-on scripts A1111 accepts in
// alwayson_scripts (compared case-insensitively).
var alwaysOnScripts = []string{"extra options", "refiner", "seed", "sampler", "hypertile", "soft inpainting"}
