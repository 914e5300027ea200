package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestParseGood(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string
		env   map[string]string
		check func(t *testing.T, c *Config)
	}{
		{
			name: "minimal file gets every default",
			yaml: "sd:\n  url: http://127.0.0.1:7860\n",
			check: func(t *testing.T, c *Config) {
				want := Default()
				want.SD.URL = "http://127.0.0.1:7860"
				if !reflect.DeepEqual(c.SD, want.SD) || c.Defaults != want.Defaults || !reflect.DeepEqual(c.Limits, want.Limits) || c.Queue != want.Queue {
					t.Errorf("got %+v, want defaults %+v", c, want)
				}
				if c.Discord.Enabled() || c.Telegram.Enabled() {
					t.Errorf("adapters enabled without tokens: discord=%v telegram=%v", c.Discord.Enabled(), c.Telegram.Enabled())
				}
			},
		},
		{
			name: "env expansion, durations and lists",
			yaml: `sd:
  url: ${SD_URL}
  password: "${SD_PASS}"
  poll_interval: 250ms
  timeout: 15m
defaults:
  width: ${W}
  height: "${H}"
  steps: 25
discord: {token: "${DISCORD_TOKEN}", api_url: "${EMPTY:-https://discord.com}", admin_user_ids: [123456789012345678], edit_interval: 2s}
telegram: {token: "${TELEGRAM_TOKEN:-fallback}", admin_user_ids: [42, 7]}
log:
  level: ${LEVEL}
`,
			env: map[string]string{"SD_URL": "http://gpu:7860/", "SD_PASS": "p: #x", "W": "768", "H": "640", "DISCORD_TOKEN": "abc", "LEVEL": "debug"},
			check: func(t *testing.T, c *Config) {
				if c.SD.URL != "http://gpu:7860/" || c.SD.Password != "p: #x" {
					t.Errorf("sd = %+v, want expanded url and password", c.SD)
				}
				if c.SD.PollInterval != 250*time.Millisecond || c.SD.Timeout != 15*time.Minute {
					t.Errorf("durations = %v %v, want 250ms 15m", c.SD.PollInterval, c.SD.Timeout)
				}
				if c.Defaults.Width != 768 || c.Defaults.Steps != 25 || c.Defaults.Height != 640 {
					t.Errorf("defaults = %+v, want width 768 steps 25 height 640", c.Defaults)
				}
				if !c.Discord.Enabled() || c.Discord.AdminUserIDs[0] != "123456789012345678" || c.Discord.EditInterval != 2*time.Second {
					t.Errorf("discord = %+v", c.Discord)
				}
				if c.Telegram.Token != "fallback" || len(c.Telegram.AdminUserIDs) != 2 || c.Telegram.AdminUserIDs[1] != 7 {
					t.Errorf("telegram = %+v", c.Telegram)
				}
			},
		},
		{
			name: "production keys",
			yaml: `sd: {url: http://x}
shutdown_timeout: 45s
http: {listen: "127.0.0.1:9090"}
log: {level: debug, format: json}
moderation:
  banned_words: [gore]
  blocked_user_ids: ["tg:123", "dc:456"]
  forced_negative: "nsfw, nude"
  cooldown: 10s
telegram: {allowed_chat_ids: [-1001234], allow_private: false}
discord: {allowed_guild_ids: ["42"], allow_dms: false}
`,
			check: func(t *testing.T, c *Config) {
				if c.ShutdownTimeout != 45*time.Second || c.HTTP.Listen != "127.0.0.1:9090" || c.Log.Format != "json" {
					t.Errorf("got shutdown %v, listen %q, log %+v", c.ShutdownTimeout, c.HTTP.Listen, c.Log)
				}
				m := c.Moderation
				if len(m.BannedWords) != 1 || m.BlockedUserIDs[1] != "dc:456" || m.ForcedNegative != "nsfw, nude" || m.Cooldown != 10*time.Second {
					t.Errorf("moderation = %+v", m)
				}
				if c.Telegram.AllowPrivate || c.Telegram.AllowedChatIDs[0] != -1001234 || c.Discord.AllowDMs || c.Discord.AllowedGuildIDs[0] != "42" {
					t.Errorf("access = %+v %+v", c.Telegram, c.Discord)
				}
			},
		},
		{
			name: "access defaults allow everyone",
			yaml: "sd: {url: http://x}\n",
			check: func(t *testing.T, c *Config) {
				if !c.Telegram.AllowPrivate || !c.Discord.AllowDMs || c.ShutdownTimeout != 30*time.Second {
					t.Errorf("allow_private %v, allow_dms %v, shutdown %v", c.Telegram.AllowPrivate, c.Discord.AllowDMs, c.ShutdownTimeout)
				}
			},
		},
		{
			name: "backends instead of url",
			yaml: `sd:
  backends:
    - {name: a, url: http://a:7860}
    - {name: b, url: https://b, username: u, password: p}
`,
			check: func(t *testing.T, c *Config) {
				got := c.Backends()
				if len(got) != 2 || got[1].Name != "b" || got[1].Password != "p" {
					t.Errorf("Backends() = %+v", got)
				}
			},
		},
		{
			name: "comfyui backend",
			yaml: `sd:
  backends:
    - {name: a, url: http://a:7860}
    - {name: c, kind: comfyui, url: http://c:8188, workflow: flows/txt2img.json}
    - {name: d, kind: comfyui, url: http://d:8188, workflow: /abs/flow.json}
`,
			check: func(t *testing.T, c *Config) {
				got := c.Backends()
				if got[0].IsComfyUI() || !got[1].IsComfyUI() || got[1].Workflow != "flows/txt2img.json" || got[2].Workflow != "/abs/flow.json" {
					t.Errorf("Backends() = %+v", got)
				}
			},
		},
		{
			name: "url gives one default backend",
			yaml: "sd: {url: http://x:1, username: u, password: p}\n",
			check: func(t *testing.T, c *Config) {
				got := c.Backends()
				if len(got) != 1 || got[0] != (Backend{Name: "default", URL: "http://x:1", Username: "u", Password: "p"}) {
					t.Errorf("Backends() = %+v", got)
				}
			},
		},
		{
			name: "explicitly empty negative prompt stays empty",
			yaml: "sd: {url: http://x}\ndefaults: {negative_prompt: \"\"}\n",
			check: func(t *testing.T, c *Config) {
				if c.Defaults.NegativePrompt != "" {
					t.Errorf("negative prompt = %q, want empty", c.Defaults.NegativePrompt)
				}
			},
		},
		{
			name: "literal $${ and bare $ survive",
			yaml: "sd: {url: http://x}\nstyles: [{name: cash, prompt: \"$$ {prompt} $${HOME}\"}]\n",
			env:  map[string]string{"HOME": "/root"},
			check: func(t *testing.T, c *Config) {
				if got := c.Styles[0].Prompt; got != "$$ {prompt} ${HOME}" {
					t.Errorf("prompt = %q, want %q", got, "$$ {prompt} ${HOME}")
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(tt.yaml), env(tt.env))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			tt.check(t, c)
		})
	}
}

func TestParseBad(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // substrings of the error
	}{
		{"malformed yaml", "sd:\n  url: [unclosed\n", []string{"invalid YAML", "line"}},
		{"tab indentation", "sd:\n\turl: x\n", []string{"invalid YAML"}},
		{"unknown top-level key", "sd: {url: http://x}\nqueue: {per_user: 1}\nbogus: 1\n", []string{"line 3", `unknown key "bogus"`}},
		{"unknown nested key with suggestion", "sd:\n  url: http://x\n  pasword: y\n", []string{"line 3", `"sd.pasword"`, `did you mean "password"`}},
		{"unknown key inside list", "sd:\n  backends:\n    - name: a\n      url: http://a\n      ulr: x\n", []string{"line 5", "sd.backends[0].ulr"}},
		{"missing sd url", "queue: {per_user: 2}\n", []string{"sd.url is missing"}},
		{"url and backends", "sd: {url: http://x, backends: [{name: a, url: http://a}]}\n", []string{"both set"}},
		{"bad url scheme", "sd: {url: 127.0.0.1:7860}\n", []string{"line 1", "sd.url must be an http:// or https:// URL"}},
		{"negative size", "sd: {url: http://x}\ndefaults:\n  width: -512\n", []string{"line 3", "defaults.width must be a multiple of 8"}},
		{"size not multiple of 8", "sd: {url: http://x}\ndefaults: {height: 500}\n", []string{"defaults.height"}},
		{"bad duration", "sd: {url: http://x, timeout: soon}\n", []string{"line 1", "soon"}},
		{"integer duration", "sd: {url: http://x, poll_interval: 5}\n", []string{"line 1", "time.Duration"}},
		{"zero poll interval", "sd: {url: http://x, poll_interval: 0s}\n", []string{"sd.poll_interval must be positive"}},
		{"style without placeholder", "sd: {url: http://x}\nstyles: [{name: a, prompt: nice}]\n", []string{"styles[0].prompt must contain {prompt}"}},
		{"duplicate style", "sd: {url: http://x}\nstyles: [{name: a, prompt: '{prompt}'}, {name: A, prompt: '{prompt}'}]\n", []string{"styles[1].name", "used twice"}},
		{"bad lora weight", "sd: {url: http://x}\nstyles: [{name: a, prompt: '{prompt}', lora: 'x:heavy'}]\n", []string{"styles[0].lora weight must be a number"}},
		{"bad discord id", "sd: {url: http://x}\ndiscord: {admin_user_ids: [bob]}\n", []string{"discord.admin_user_ids[0] must be a numeric Discord ID"}},
		{"telegram id not a number", "sd: {url: http://x}\ntelegram: {admin_user_ids: [bob]}\n", []string{"line 2", "int64"}},
		{"bad log level", "sd: {url: http://x}\nlog: {level: loud}\n", []string{"log.level"}},
		{"every problem at once", "sd: {poll_interval: 0s}\nqueue: {per_user: 0, max: 0}\n", []string{"4 problems", "sd.url", "sd.poll_interval", "queue.per_user", "queue.max"}},
		{"bad blocked user id", "sd: {url: http://x}\nmoderation:\n  blocked_user_ids: [\"tg:1\", \"123\"]\n", []string{"line 3", "moderation.blocked_user_ids[1]", "tg:<telegram user id>"}},
		{"negative cooldown", "sd: {url: http://x}\nmoderation: {cooldown: -1s}\n", []string{"moderation.cooldown"}},
		{"bad http listen", "sd: {url: http://x}\nhttp: {listen: localhost}\n", []string{"http.listen must be host:port"}},
		{"bad allowed chat", "sd: {url: http://x}\ntelegram: {allowed_chat_ids: [general]}\n", []string{"line 2", "int64"}},
		{"bad allowed guild", "sd: {url: http://x}\ndiscord: {allowed_guild_ids: [main]}\n", []string{"discord.allowed_guild_ids[0]"}},
		{"default above limit", "sd: {url: http://x}\ndefaults: {steps: 80}\n", []string{"defaults.steps must be between 1 and limits.max_steps (60), got 80"}},
		{"negative daily images", "sd: {url: http://x}\nlimits: {daily_images: -1}\n", []string{"line 2", "limits.daily_images"}},
		{"strength zero", "sd: {url: http://x}\ndefaults:\n  strength: 0\n", []string{"line 3", "defaults.strength must be in (0, 1], got 0"}},
		{"strength over 1", "sd: {url: http://x}\ndefaults: {strength: 1.5}\n", []string{"line 2", "defaults.strength"}},
		{"upscale by 1", "sd: {url: http://x}\ndefaults: {upscale_by: 1}\n", []string{"line 2", "defaults.upscale_by must be more than 1 and at most 4, got 1"}},
		{"upscale by 8", "sd: {url: http://x}\ndefaults: {upscale_by: 8}\n", []string{"defaults.upscale_by"}},
		{"empty upscaler", "sd: {url: http://x}\ndefaults:\n  upscaler: ' '\n", []string{"line 3", "defaults.upscaler must name an upscaler"}},
		{"vary strength zero", "sd: {url: http://x}\ndefaults: {vary_strength: 0}\n", []string{"defaults.vary_strength"}},
		{"tiny input bytes", "sd: {url: http://x}\nlimits:\n  max_input_bytes: 10\n", []string{"line 3", "limits.max_input_bytes must be at least 1024, got 10"}},
		{"tiny input pixels", "sd: {url: http://x}\nlimits: {max_input_pixels: 100}\n", []string{"line 2", "limits.max_input_pixels"}},
		{"input bytes not a number", "sd: {url: http://x}\nlimits: {max_input_bytes: 10MB}\n", []string{"line 2", "int64"}},
		{"empty store path", "sd: {url: http://x}\nstore: {path: ''}\n", []string{"line 2", "store.path must not be empty"}},
		{"zero retention", "sd: {url: http://x}\nstore: {retention: 0s}\n", []string{"store.retention must be positive"}},
		{"unknown backend kind", "sd:\n  backends:\n    - {name: a, url: http://a, kind: comfy}\n", []string{"line 3", "sd.backends[0].kind must be a1111 (A1111, Forge, SD.Next) or comfyui, got \"comfy\""}},
		{"workflow on an a1111 backend", "sd:\n  backends:\n    - {name: a, url: http://a, workflow: flow.json}\n", []string{"sd.backends[0].workflow is only for kind: comfyui"}},
		{"unknown store key", "sd: {url: http://x}\nstore: {pth: x.db}\n", []string{"line 2", "store.pth"}},
		{"unknown profile key", "sd: {url: http://x}\nprofiles:\n  - model: 'flux*'\n    cfg_scal: 1\n", []string{"line 4", `"profiles[0].cfg_scal"`, `did you mean`}},
		{"profile without model", "sd: {url: http://x}\nprofiles:\n  - steps: 20\n", []string{"line 3", "profiles[0].model is missing"}},
		{"bad profile glob", "sd: {url: http://x}\nprofiles:\n  - {model: 'flux[', steps: 20}\n", []string{"line 3", "profiles[0].model must be a model name or a glob"}},
		{"profile ranges", "sd: {url: http://x}\nprofiles:\n  - model: a\n    cfg_scale: 40\n    distilled_cfg_scale: 0.5\n    steps: 61\n    width: 1001\n    height: 4096\n    clip_skip: 13\n",
			[]string{"6 problems", "line 4: profiles[0].cfg_scale", "line 5: profiles[0].distilled_cfg_scale", "line 6: profiles[0].steps must be between 1 and limits.max_steps (60)",
				"line 7: profiles[0].width must be a multiple of 8", "line 8: profiles[0].height", "line 9: profiles[0].clip_skip"}},
		{"bad web listen", "sd: {url: http://x}\nweb:\n  listen: localhost\n", []string{"line 3", "web.listen must be host:port"}},
		{"web listen equals http listen", "sd: {url: http://x}\nhttp: {listen: ':9090'}\nweb: {listen: ':9090'}\n", []string{"web.listen must differ from http.listen"}},
		{"bad web playground", "sd: {url: http://x}\nweb: {listen: ':8080', playground: everyone}\n", []string{"line 2", "web.playground must be open (anyone may generate) or admins"}},
		{"weak admin password", "sd: {url: http://x}\nweb: {listen: ':8080', admin_password: hunter2}\n", []string{"web.admin_password is too short: use at least 12"}},
		{"admins playground without password", "sd: {url: http://x}\nweb: {listen: ':8080', playground: admins}\n", []string{"web.admin_password is needed when web.playground is admins"}},
		{"bad trusted proxy", "sd: {url: http://x}\nweb: {trusted_proxies: [127.0.0.1, 'nginx']}\n", []string{"web.trusted_proxies[1] must be an address or a CIDR range", `"nginx"`}},
		{"negative per address", "sd: {url: http://x}\nweb: {per_address: -1}\n", []string{"web.per_address must not be negative"}},
		{"zero admin session", "sd: {url: http://x}\nweb: {admin_session: 0s}\n", []string{"web.admin_session must be positive"}},
		{"bad web user id", "sd: {url: http://x}\nmoderation: {blocked_user_ids: ['web:XYZ']}\n", []string{"moderation.blocked_user_ids[0]", "web:<web user id>"}},
		{"bad limits.models glob", "sd: {url: http://x}\nlimits:\n  models: ['sdxl-*', '[x']\n", []string{"line 3", "limits.models[1]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml), env(nil))
			if err == nil {
				t.Fatalf("Parse succeeded, want an error containing %q", tt.want)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("error spans lines: %q", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error = %q, want it to contain %q", msg, w)
				}
			}
		})
	}
}

func TestParseProfiles(t *testing.T) {
	c, err := Parse([]byte(`sd: {url: http://x}
limits:
  models: ["sdxl/*", "flux1-*"]
profiles:
  - model: "flux1-*"
    cfg_scale: 1
    distilled_cfg_scale: 3.5
    scheduler: Simple
    negative_prompt: ""
    override_settings: {forge_additional_modules: [ae.safetensors]}
  - model: "*pony*"
    width: 1024
    height: 1024
    clip_skip: 2
    prompt_prefix: "score_9, score_8_up"
`), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Profiles) != 2 || !reflect.DeepEqual(c.Limits.Models, []string{"sdxl/*", "flux1-*"}) {
		t.Fatalf("profiles %+v, limits %+v", c.Profiles, c.Limits)
	}
	f, p := c.Profiles[0], c.Profiles[1]
	if f.CFGScale != 1 || f.DistilledCFGScale != 3.5 || f.Scheduler != "Simple" || f.NegativePrompt == nil || *f.NegativePrompt != "" ||
		!reflect.DeepEqual(f.OverrideSettings, map[string]any{"forge_additional_modules": []any{"ae.safetensors"}}) {
		t.Errorf("flux profile %+v", f)
	}
	if p.Width != 1024 || p.ClipSkip != 2 || p.PromptPrefix != "score_9, score_8_up" || p.NegativePrompt != nil {
		t.Errorf("pony profile %+v", p)
	}
}

func TestParseWeb(t *testing.T) {
	secret := "correct horse battery staple"
	cfg, err := Parse([]byte("sd: {url: http://x}\nweb:\n  listen: 127.0.0.1:8080\n  playground: admins\n  admin_password: ${WEB_ADMIN_PASSWORD}\n"+
		"  trusted_proxies: [127.0.0.1, 10.0.0.0/8, '::1']\n"+
		"moderation: {blocked_user_ids: ['web:0123abcd']}\n"), env(map[string]string{"WEB_ADMIN_PASSWORD": secret}))
	if err != nil {
		t.Fatal(err)
	}
	want := Web{Listen: "127.0.0.1:8080", Playground: PlaygroundAdmins, AdminPassword: secret, AdminSession: 12 * time.Hour,
		TrustedProxies: []string{"127.0.0.1", "10.0.0.0/8", "::1"}}
	if !reflect.DeepEqual(cfg.Web, want) || !cfg.Web.Enabled() {
		t.Errorf("Web = %+v, want %+v", cfg.Web, want)
	}
	def := Default()
	if def.Web.Enabled() || def.Web.Playground != PlaygroundOpen {
		t.Errorf("default web = %+v; want off, playground open", def.Web)
	}
	if got := def.JobsPerAddress(); got != 2*def.Queue.PerUser {
		t.Errorf("default jobs per address %d; want twice queue.per_user (%d)", got, 2*def.Queue.PerUser)
	}
	set, err := Parse([]byte("sd: {url: http://x}\nweb: {per_address: 9}\n"), env(nil))
	if err != nil || set.JobsPerAddress() != 9 {
		t.Errorf("web.per_address 9: %v, %v", set.JobsPerAddress(), err)
	}
	// A refused password is never echoed.
	_, err = Parse([]byte("sd: {url: http://x}\nweb: {admin_password: ${P}}\n"), env(map[string]string{"P": "sesame-1"}))
	if err == nil || strings.Contains(err.Error(), "sesame-1") {
		t.Errorf("Parse with a short password: %v; want a refusal that does not show it", err)
	}
}

func TestValidationErrorIs(t *testing.T) {
	_, err := Parse([]byte("queue: {max: 0}\n"), env(nil))
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("errors.Is(%v, ErrInvalid) = false", err)
	}
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 2 {
		t.Fatalf("got %v, want a ValidationError with 2 problems", err)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte("sd: {url: http://x}\nsd2: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path, env(nil))
	if err == nil || !strings.HasPrefix(err.Error(), path+": line 2") {
		t.Errorf("Load error = %v, want it to start with %q", err, path+": line 2")
	}
	_, err = Load(filepath.Join(dir, "missing.yaml"), env(nil))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want os.ErrNotExist", err)
	}
}

// TestStorePath checks that a relative store.path is relative to the
// config file, not to the working directory, and that ":memory:" and
// absolute paths stay as they are.
func TestStorePath(t *testing.T) {
	dir := t.TempDir()
	tests := []struct{ yaml, want string }{
		{"sd: {url: http://x}\n", filepath.Join(dir, "imaginebot.db")},
		{"sd: {url: http://x}\nstore: {path: data/bot.db}\n", filepath.Join(dir, "data", "bot.db")},
		{"sd: {url: http://x}\nstore: {path: ':memory:'}\n", ":memory:"},
		{"sd: {url: http://x}\nstore: {path: /var/lib/bot.db}\n", "/var/lib/bot.db"},
	}
	for _, tt := range tests {
		path := filepath.Join(dir, "config.yaml")
		if err := os.WriteFile(path, []byte(tt.yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Load(path, env(nil))
		if err != nil {
			t.Fatal(err)
		}
		if c.Store.Path != tt.want {
			t.Errorf("%q: store.path = %q, want %q", tt.yaml, c.Store.Path, tt.want)
		}
	}
}

func TestExpand(t *testing.T) {
	get := env(map[string]string{"A": "1", "EMPTY": ""})
	tests := []struct{ in, want string }{
		{"${A}", "1"},
		{"x${A}y${A}", "x1y1"},
		{"${MISSING}", ""},
		{"${EMPTY:-d}", "d"},
		{"${A:-d}", "1"},
		{"$A", "$A"},
		{"$${A}", "${A}"},
		{"${unclosed", "${unclosed"},
	}
	for _, tt := range tests {
		if got := Expand(tt.in, get); got != tt.want {
			t.Errorf("Expand(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestWorkflowPath checks that a relative ComfyUI workflow path is
// relative to the config file.
func TestWorkflowPath(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	yaml := "sd:\n  backends:\n    - {name: c, kind: comfyui, url: http://c, workflow: flows/a.json}\n    - {name: d, kind: comfyui, url: http://d, workflow: /abs/b.json}\n    - {name: e, kind: comfyui, url: http://e}\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	got := []string{c.SD.Backends[0].Workflow, c.SD.Backends[1].Workflow, c.SD.Backends[2].Workflow}
	want := []string{filepath.Join(dir, "flows", "a.json"), "/abs/b.json", ""}
	if !slices.Equal(got, want) {
		t.Errorf("workflows %q, want %q", got, want)
	}
}
