package config

import "time"

// Config is the whole configuration of the bot. The YAML keys are a
// contract: outside tools write them, so renaming one is a breaking change.
type Config struct {
	SD       SD       `yaml:"sd"`
	Defaults Defaults `yaml:"defaults"`
	Limits   Limits   `yaml:"limits"`
	Styles   []Style  `yaml:"styles"`
	// Profiles are per-model defaults; the first whose model glob matches
	// the job's model applies, under request options and users' settings.
	Profiles []Profile `yaml:"profiles"`
	Queue    Queue     `yaml:"queue"`
	Discord  Discord   `yaml:"discord"`
	Telegram Telegram  `yaml:"telegram"`
	Web      Web       `yaml:"web"`
	Log      Log       `yaml:"log"`

	// ShutdownTimeout is how long running jobs may finish after SIGINT or
	// SIGTERM before they are cancelled.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	HTTP            HTTP          `yaml:"http"`
	Moderation      Moderation    `yaml:"moderation"`
	Store           Store         `yaml:"store"`
}

// MemoryPath is the store.path that keeps everything in memory: nothing
// survives a restart.
const MemoryPath = ":memory:"

// Store configures where jobs, results and users' settings are kept.
type Store struct {
	// Path is the SQLite file; Load resolves a relative path against the
	// config file's directory. MemoryPath keeps everything in memory.
	Path string `yaml:"path"`
	// Retention is how long finished jobs' buttons and /history work.
	Retention time.Duration `yaml:"retention"`
	// MaxImageMB bounds the original images kept for the PNG buttons; the
	// oldest go first.
	MaxImageMB int `yaml:"max_image_mb"`
}

// HTTP configures the optional health and metrics server.
type HTTP struct {
	Listen string `yaml:"listen"` // e.g. 127.0.0.1:9090; empty = no HTTP server
}

// Moderation limits who may generate what.
type Moderation struct {
	BannedWords    []string      `yaml:"banned_words"`     // refused prompts, matched as whole words, any case
	BlockedUserIDs []string      `yaml:"blocked_user_ids"` // "tg:123", "dc:456"
	ForcedNegative string        `yaml:"forced_negative"`  // appended to every negative prompt
	Cooldown       time.Duration `yaml:"cooldown"`         // least time between two requests of one user
}

// SD describes the Stable Diffusion server(s): either one server by URL or
// a list of Backends.
type SD struct {
	URL          string        `yaml:"url"`
	Username     string        `yaml:"username"`
	Password     string        `yaml:"password"`
	PollInterval time.Duration `yaml:"poll_interval"`
	Timeout      time.Duration `yaml:"timeout"`
	Backends     []Backend     `yaml:"backends"`
	// AffinityWait is how long the next job may wait for a busy backend
	// that has its model loaded before a free backend loads it instead.
	AffinityWait time.Duration `yaml:"affinity_wait"`
}

// Backend is one image server. Each backend gets its own worker.
type Backend struct {
	Name     string `yaml:"name"`
	URL      string `yaml:"url"`
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	// Kind is the API the server speaks: KindA1111 (the default: A1111,
	// Forge, SD.Next) or KindComfyUI.
	Kind string `yaml:"kind"`
	// Workflow is a ComfyUI workflow exported in API format (only for
	// KindComfyUI); Load resolves a relative path against the config
	// file's directory. Empty = the built-in txt2img graph.
	Workflow string `yaml:"workflow"`
}

// The backend kinds.
const (
	KindA1111   = "a1111"
	KindComfyUI = "comfyui"
)

// IsComfyUI reports whether the backend is a ComfyUI server.
func (b Backend) IsComfyUI() bool { return b.Kind == KindComfyUI }

// Defaults are the generation parameters used when a user does not give them.
type Defaults struct {
	Width             int     `yaml:"width"`
	Height            int     `yaml:"height"`
	Steps             int     `yaml:"steps"`
	BatchSize         int     `yaml:"batch_size"`
	NegativePrompt    string  `yaml:"negative_prompt"`
	EnableHR          bool    `yaml:"enable_hr"`
	HRUpscaler        string  `yaml:"hr_upscaler"`
	HRScale           float64 `yaml:"hr_scale"`
	DenoisingStrength float64 `yaml:"denoising_strength"`
	Sampler           string  `yaml:"sampler"`
	CFGScale          float64 `yaml:"cfg_scale"`
	// Strength is an img2img's denoising strength when the user gives no
	// --strength (not the hires fix's DenoisingStrength).
	Strength float64 `yaml:"strength"`
	// UpscaleBy and Upscaler are what ⬆ Upscale runs: the factor, and an
	// upscaler from /sdapi/v1/upscalers (bot check checks it); on ComfyUI,
	// an upscale model file the server lists (matched loosely: "R-ESRGAN 4x+" finds RealESRGAN_x4plus.pth).
	UpscaleBy float64 `yaml:"upscale_by"`
	Upscaler  string  `yaml:"upscaler"`
	// VaryStrength is 🎨 Vary's subseed_strength: how far a variation may
	// move from its image.
	VaryStrength float64 `yaml:"vary_strength"`
}

// Limits bound what a user may ask for.
type Limits struct {
	MaxWidth        int `yaml:"max_width"`
	MaxHeight       int `yaml:"max_height"`
	MaxSteps        int `yaml:"max_steps"`
	MaxBatch        int `yaml:"max_batch"`
	MaxPromptLength int `yaml:"max_prompt_length"`
	// DailyImages is how many images one user may make per UTC day; 0 =
	// no limit. Admins have none.
	DailyImages int `yaml:"daily_images"`
	// MaxInputBytes and MaxInputPixels bound the pictures users give
	// (img2img); the pixels are read from the header, before decoding.
	MaxInputBytes  int64 `yaml:"max_input_bytes"`
	MaxInputPixels int64 `yaml:"max_input_pixels"`
	// Models are globs of the models users may choose per request
	// (--model), matched against each checkpoint's name and title in any
	// case, with or without extension and hash; empty = any model a
	// backend lists. Admins may choose any.
	Models []string `yaml:"models"`
}

// Profile is the defaults for the models whose name matches Model (a glob,
// e.g. "flux1-*"). Zero values leave the configured defaults.
type Profile struct {
	Model             string         `yaml:"model"`
	Sampler           string         `yaml:"sampler"`
	Scheduler         string         `yaml:"scheduler"`
	CFGScale          float64        `yaml:"cfg_scale"`
	DistilledCFGScale float64        `yaml:"distilled_cfg_scale"`
	Steps             int            `yaml:"steps"`
	Width             int            `yaml:"width"`
	Height            int            `yaml:"height"`
	ClipSkip          int            `yaml:"clip_skip"`
	PromptPrefix      string         `yaml:"prompt_prefix"`
	PromptSuffix      string         `yaml:"prompt_suffix"`
	NegativePrompt    *string        `yaml:"negative_prompt"` // "" clears the default negative prompt
	OverrideSettings  map[string]any `yaml:"override_settings"`
}

// Style is a named prompt preset: Prompt is a template containing {prompt},
// Lora an optional "name:weight" appended as <lora:name:weight>.
type Style struct {
	Name   string `yaml:"name"`
	Prompt string `yaml:"prompt"`
	Lora   string `yaml:"lora"`
}

// Queue bounds the in-memory job queue.
type Queue struct {
	PerUser int `yaml:"per_user"`
	Max     int `yaml:"max"`
}

// Discord configures the Discord adapter; it is enabled when Token is set.
type Discord struct {
	Token        string        `yaml:"token"`
	APIURL       string        `yaml:"api_url"`
	AdminUserIDs []string      `yaml:"admin_user_ids"`
	AdminRoleIDs []string      `yaml:"admin_role_ids"`
	GuildIDs     []string      `yaml:"guild_ids"`
	EditInterval time.Duration `yaml:"edit_interval"`
	// AllowedGuildIDs limits the bot to these guilds; empty = every guild.
	AllowedGuildIDs []string `yaml:"allowed_guild_ids"`
	// AllowDMs lets users use the bot in direct messages.
	AllowDMs bool `yaml:"allow_dms"`
}

// Enabled reports whether the Discord adapter should run.
func (d Discord) Enabled() bool { return d.Token != "" }

// Telegram configures the Telegram adapter; it is enabled when Token is set.
type Telegram struct {
	Token        string        `yaml:"token"`
	APIURL       string        `yaml:"api_url"`
	AdminUserIDs []int64       `yaml:"admin_user_ids"`
	EditInterval time.Duration `yaml:"edit_interval"`
	// AllowedChatIDs limits the bot to these chats; empty = every chat.
	AllowedChatIDs []int64 `yaml:"allowed_chat_ids"`
	// AllowPrivate lets users use the bot in private chats.
	AllowPrivate bool `yaml:"allow_private"`
}

// Enabled reports whether the Telegram adapter should run.
func (t Telegram) Enabled() bool { return t.Token != "" }

// The web.playground modes.
const (
	PlaygroundOpen   = "open"   // anyone who opens the page may generate
	PlaygroundAdmins = "admins" // only admins signed in with web.admin_password
)

// MinAdminPassword is the shortest web.admin_password accepted.
const MinAdminPassword = 12

// Web configures the web front end (the playground and the admin pages);
// it is enabled when Listen is set.
type Web struct {
	// Listen is the address to serve on, e.g. 127.0.0.1:8080; empty = off.
	Listen string `yaml:"listen"`
	// Playground is PlaygroundOpen or PlaygroundAdmins.
	Playground string `yaml:"playground"`
	// AdminPassword signs admins in; empty = nobody can sign in. The
	// example config reads it from ${WEB_ADMIN_PASSWORD}.
	AdminPassword string `yaml:"admin_password"`
	// AdminSession is how long an admin stays signed in.
	AdminSession time.Duration `yaml:"admin_session"`
	// PerAddress bounds the jobs of web sessions queued or running at once
	// from one client address; 0 = twice queue.per_user. On an open
	// playground a new browser is only a new cookie, so the per-user
	// limits hold per browser, and this bounds them per address.
	PerAddress int `yaml:"per_address"`
	// TrustedProxies are the reverse proxies in front of the web front end:
	// addresses or CIDR ranges. Only from these are X-Forwarded-For (the
	// client's address, for the per-address limits) and X-Forwarded-Host
	// (the site's host, for the same-origin check) believed.
	TrustedProxies []string `yaml:"trusted_proxies"`
}

// JobsPerAddress is web.per_address, or twice queue.per_user when unset.
func (c *Config) JobsPerAddress() int {
	if c.Web.PerAddress > 0 {
		return c.Web.PerAddress
	}
	return 2 * c.Queue.PerUser
}

// Enabled reports whether the web front end should run.
func (w Web) Enabled() bool { return w.Listen != "" }

// Log configures logging.
type Log struct {
	Level  string `yaml:"level"`  // debug, info, warn or error
	Format string `yaml:"format"` // text or json
}

// DefaultNegativePrompt is the seed document's default negative prompt,
// verbatim (including its \( \) escapes and the line break).
const DefaultNegativePrompt = `deleted, old, oldest, ((censored)), ((bad aesthetic)), (muli view),(fused fingers:1.61051), (too many fingers:1.61051), (unclear eyes:1.331), (underexposed, overexposed, low contrast, greyscale, monochrome:1.2), (out of frame, cut off, cropped), (cloning, clones, same face, multiple girls), ((3d, toon \(style\), sketch, cartoonized)), (male face, obesity, fat,giantess, giant, dwarf), (lowres, worst quality, low quality, normal quality, jpep artifacts, blurry vision, blurry, watermark, signature, bad art, beginner, amateur, draft, grainy, text, title, logo, error, toon \(style\):1.3), ((bad anatomy, bad proportions, deformed, bad perspective, forced perspective), bad hands, poorly drawn hands, mutated hand, bad feet, bad leg, poorly drawn feet, extra arms, missing limbs, missing arms,bad arm, missing fingers, extra fingers, wrong fingers, twisted fingers,blurred fingers, extra digit, fewer digits, extra limbs, extra legs, leg disfigured, poorly drawn face, distorted face, strabismus, ugly, ugly man, ugly face, scar on face, face defect, facial tattoo, crescent facial mark, facial mark, mask, veil, faceless:1.5), (nsfw, large breasts, huge breasts, looking back, nude, nake breasts, direct lighting, lens flare, colorful background, warm colors, strong color, high color saturation, colorful:1.2), badhandsv5-neg, badhandv4, EasyNegative, easynegative, ng_deepnegative_v1_75t, verybadimagenegative_v1.3, painting, sketches, (low quality, worst quality:1.5),
deformed, bad anatomy, lowres, monochrome, grayscale,ugly face, inaccurate limb, bad hands, mutated hands,mutated legs, missing fingers, extra fingers`

// Default returns the configuration used for every key the file leaves out.
func Default() Config {
	return Config{
		SD: SD{
			PollInterval: time.Second,
			Timeout:      10 * time.Minute,
			AffinityWait: 3 * time.Second,
		},
		Defaults: Defaults{
			Width:             512,
			Height:            512,
			Steps:             30,
			BatchSize:         1,
			NegativePrompt:    DefaultNegativePrompt,
			HRUpscaler:        "ESRGAN_4x",
			HRScale:           2,
			DenoisingStrength: 0.55,
			CFGScale:          7,
			Strength:          0.6,
			UpscaleBy:         2,
			Upscaler:          "R-ESRGAN 4x+",
			VaryStrength:      0.15,
		},
		Limits: Limits{
			MaxWidth:        1536,
			MaxHeight:       1536,
			MaxSteps:        60,
			MaxBatch:        4,
			MaxPromptLength: 1500,
			MaxInputBytes:   10 << 20,
			MaxInputPixels:  4096 * 4096,
		},
		Queue:           Queue{PerUser: 3, Max: 1000},
		Discord:         Discord{APIURL: "https://discord.com", EditInterval: 1500 * time.Millisecond, AllowDMs: true},
		Telegram:        Telegram{APIURL: "https://api.telegram.org", EditInterval: time.Second, AllowPrivate: true},
		Web:             Web{Playground: PlaygroundOpen, AdminSession: 12 * time.Hour},
		Log:             Log{Level: "info", Format: "text"},
		ShutdownTimeout: 30 * time.Second,
		Store:           Store{Path: "imaginebot.db", Retention: 720 * time.Hour, MaxImageMB: 256},
	}
}

// Backends returns the SD servers to use: the Backends list, or one backend
// named "default" built from URL, Username and Password.
func (c *Config) Backends() []Backend {
	if len(c.SD.Backends) > 0 {
		return c.SD.Backends
	}
	return []Backend{{Name: "default", URL: c.SD.URL, Username: c.SD.Username, Password: c.SD.Password}}
}
