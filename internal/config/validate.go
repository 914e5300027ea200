package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Validate checks the configuration and reports every problem at once, one
// per line, each naming its key.
func (c *Config) Validate() error {
	var v validator
	c.validateSD(&v)
	c.validateGeneration(&v)
	v.check(c.Queue.PerUser >= 1, "queue.per_user", "must be at least 1, got %d", c.Queue.PerUser)
	v.check(c.Queue.Max >= 1, "queue.max", "must be at least 1, got %d", c.Queue.Max)
	v.url("discord.api_url", c.Discord.APIURL)
	v.check(c.Discord.EditInterval > 0, "discord.edit_interval", "must be positive, got %s", c.Discord.EditInterval)
	for i, id := range c.Discord.AdminUserIDs {
		v.snowflake(fmt.Sprintf("discord.admin_user_ids[%d]", i), id)
	}
	for i, id := range c.Discord.AdminRoleIDs {
		v.snowflake(fmt.Sprintf("discord.admin_role_ids[%d]", i), id)
	}
	for i, id := range c.Discord.GuildIDs {
		v.snowflake(fmt.Sprintf("discord.guild_ids[%d]", i), id)
	}
	v.url("telegram.api_url", c.Telegram.APIURL)
	v.check(c.Telegram.EditInterval > 0, "telegram.edit_interval", "must be positive, got %s", c.Telegram.EditInterval)
	v.check(slices.Contains([]string{"debug", "info", "warn", "error"}, c.Log.Level), "log.level", "must be debug, info, warn or error, got %q", c.Log.Level)
	v.check(slices.Contains([]string{"text", "json"}, c.Log.Format), "log.format", "must be text or json, got %q", c.Log.Format)
	for i, id := range c.Discord.AllowedGuildIDs {
		v.snowflake(fmt.Sprintf("discord.allowed_guild_ids[%d]", i), id)
	}
	v.check(c.ShutdownTimeout >= 0, "shutdown_timeout", "must not be negative, got %s", c.ShutdownTimeout)
	if c.HTTP.Listen != "" {
		_, port, err := net.SplitHostPort(c.HTTP.Listen)
		v.check(err == nil && port != "", "http.listen", "must be host:port, e.g. 127.0.0.1:9090, got %q", c.HTTP.Listen)
	}
	c.validateWeb(&v)
	c.validateModeration(&v)
	c.validateProfiles(&v)
	return v.err()
}

// validateWeb checks the web section.
func (c *Config) validateWeb(v *validator) {
	w := c.Web
	if w.Listen != "" {
		_, port, err := net.SplitHostPort(w.Listen)
		v.check(err == nil && port != "", "web.listen", "must be host:port, e.g. 127.0.0.1:8080, got %q", w.Listen)
		v.check(w.Listen != c.HTTP.Listen, "web.listen", "must differ from http.listen (%q)", c.HTTP.Listen)
	}
	v.check(w.Playground == PlaygroundOpen || w.Playground == PlaygroundAdmins, "web.playground",
		"must be %s (anyone may generate) or %s (only signed-in admins), got %q", PlaygroundOpen, PlaygroundAdmins, w.Playground)
	if w.AdminPassword != "" {
		// The password itself is never shown.
		v.check(len(w.AdminPassword) >= MinAdminPassword, "web.admin_password",
			"is too short: use at least %d characters (e.g. from openssl rand -base64 18), read from the environment as ${WEB_ADMIN_PASSWORD}", MinAdminPassword)
		v.check(strings.TrimSpace(w.AdminPassword) == w.AdminPassword, "web.admin_password", "must not start or end with spaces")
	}
	v.check(w.Playground != PlaygroundAdmins || w.AdminPassword != "", "web.admin_password",
		"is needed when web.playground is %s: set WEB_ADMIN_PASSWORD", PlaygroundAdmins)
	v.check(w.AdminSession > 0, "web.admin_session", "must be positive, got %s", w.AdminSession)
	for i, p := range w.TrustedProxies {
		_, perr := netip.ParsePrefix(p)
		_, aerr := netip.ParseAddr(p)
		v.check(perr == nil || aerr == nil, fmt.Sprintf("web.trusted_proxies[%d]", i),
			"must be an address or a CIDR range, e.g. 127.0.0.1 or 10.0.0.0/8, got %q", p)
	}
	v.check(w.PerAddress >= 0, "web.per_address", "must not be negative (0 = twice queue.per_user), got %d", w.PerAddress)
}

func (c *Config) validateModeration(v *validator) {
	m := c.Moderation
	for i, w := range m.BannedWords {
		v.check(strings.TrimSpace(w) != "", fmt.Sprintf("moderation.banned_words[%d]", i), "is empty")
	}
	for i, id := range m.BlockedUserIDs {
		platform, user, ok := strings.Cut(id, ":")
		v.check(ok && (platform == "tg" || platform == "dc") && user != "" && isDigits(user) || ok && platform == "web" && isHex(user),
			fmt.Sprintf("moderation.blocked_user_ids[%d]", i), "must be \"tg:<telegram user id>\", \"dc:<discord user id>\" or \"web:<web user id>\", got %q", id)
	}
	v.check(m.Cooldown >= 0, "moderation.cooldown", "must not be negative, got %s", m.Cooldown)
}

// validateProfiles checks limits.models and profiles: globs that parse,
// values in the ranges requests have.
func (c *Config) validateProfiles(v *validator) {
	for i, g := range c.Limits.Models {
		v.glob(fmt.Sprintf("limits.models[%d]", i), g)
	}
	l := c.Limits
	for i, p := range c.Profiles {
		key := fmt.Sprintf("profiles[%d]", i)
		if p.Model == "" {
			v.add(key+".model", "is missing: a model name or glob such as \"flux1-*\"")
		} else {
			v.glob(key+".model", p.Model)
		}
		v.check(p.CFGScale == 0 || p.CFGScale >= 1 && p.CFGScale <= 30, key+".cfg_scale", "must be between 1 and 30, got %g", p.CFGScale)
		v.check(p.DistilledCFGScale == 0 || p.DistilledCFGScale >= 1 && p.DistilledCFGScale <= 30, key+".distilled_cfg_scale", "must be between 1 and 30, got %g", p.DistilledCFGScale)
		v.check(p.Steps == 0 || p.Steps >= 1 && p.Steps <= l.MaxSteps, key+".steps", "must be between 1 and limits.max_steps (%d), got %d", l.MaxSteps, p.Steps)
		if p.Width != 0 {
			v.size(key+".width", p.Width, l.MaxWidth, "limits.max_width")
		}
		if p.Height != 0 {
			v.size(key+".height", p.Height, l.MaxHeight, "limits.max_height")
		}
		v.check(p.ClipSkip >= 0 && p.ClipSkip <= 12, key+".clip_skip", "must be between 1 and 12 (0 = the server's), got %d", p.ClipSkip)
		for k := range p.OverrideSettings {
			v.check(strings.TrimSpace(k) != "", key+".override_settings", "has an empty key")
		}
	}
}

// isHex reports whether s is a web user id: lower-case hexadecimal, as
// the web front end's log lines show them.
func isHex(s string) bool {
	return s != "" && strings.Trim(s, "0123456789abcdef") == ""
}

func isDigits(s string) bool {
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}

func (c *Config) validateSD(v *validator) {
	sd := c.SD
	switch {
	case sd.URL == "" && len(sd.Backends) == 0:
		v.add("sd.url", "is missing: set it to your WebUI's address, e.g. http://127.0.0.1:7860 (or list sd.backends)")
	case sd.URL != "" && len(sd.Backends) > 0:
		v.add("sd.url", "and sd.backends are both set: use one of them")
	case sd.URL != "":
		v.url("sd.url", sd.URL)
	}
	names := map[string]bool{}
	for i, b := range sd.Backends {
		key := fmt.Sprintf("sd.backends[%d]", i)
		v.check(b.Name != "", key+".name", "is missing")
		v.check(!names[b.Name], key+".name", "%q is used twice", b.Name)
		names[b.Name] = true
		v.check(b.Kind == "" || b.Kind == KindA1111 || b.Kind == KindComfyUI, key+".kind", "must be %s (A1111, Forge, SD.Next) or %s, got %q", KindA1111, KindComfyUI, b.Kind)
		v.check(b.Workflow == "" || b.Kind == KindComfyUI, key+".workflow", "is only for kind: %s", KindComfyUI)
		if b.URL == "" {
			v.add(key+".url", "is missing")
		} else {
			v.url(key+".url", b.URL)
		}
	}
	v.check(sd.PollInterval > 0, "sd.poll_interval", "must be positive, got %s", sd.PollInterval)
	v.check(sd.Timeout > 0, "sd.timeout", "must be positive, got %s", sd.Timeout)
	v.check(sd.AffinityWait >= 0, "sd.affinity_wait", "must not be negative, got %s", sd.AffinityWait)
}

func (c *Config) validateGeneration(v *validator) {
	d, l := c.Defaults, c.Limits
	v.check(l.MaxWidth >= 64, "limits.max_width", "must be at least 64, got %d", l.MaxWidth)
	v.check(l.MaxHeight >= 64, "limits.max_height", "must be at least 64, got %d", l.MaxHeight)
	v.check(l.MaxSteps >= 1, "limits.max_steps", "must be at least 1, got %d", l.MaxSteps)
	v.check(l.MaxBatch >= 1, "limits.max_batch", "must be at least 1, got %d", l.MaxBatch)
	v.check(l.MaxPromptLength >= 1, "limits.max_prompt_length", "must be at least 1, got %d", l.MaxPromptLength)
	v.check(l.DailyImages >= 0, "limits.daily_images", "must be 0 (no limit) or more, got %d", l.DailyImages)
	v.check(c.Store.Path != "", "store.path", "must not be empty (use \":memory:\" to keep nothing across restarts)")
	v.check(c.Store.Retention > 0, "store.retention", "must be positive, got %s", c.Store.Retention)
	v.check(c.Store.MaxImageMB >= 0, "store.max_image_mb", "must be 0 or more, got %d", c.Store.MaxImageMB)
	v.size("defaults.width", d.Width, l.MaxWidth, "limits.max_width")
	v.size("defaults.height", d.Height, l.MaxHeight, "limits.max_height")
	v.check(d.Steps >= 1 && d.Steps <= l.MaxSteps, "defaults.steps", "must be between 1 and limits.max_steps (%d), got %d", l.MaxSteps, d.Steps)
	v.check(d.BatchSize >= 1 && d.BatchSize <= l.MaxBatch, "defaults.batch_size", "must be between 1 and limits.max_batch (%d), got %d", l.MaxBatch, d.BatchSize)
	v.check(d.HRScale >= 1 && d.HRScale <= 4, "defaults.hr_scale", "must be between 1 and 4, got %g", d.HRScale)
	v.check(d.DenoisingStrength > 0 && d.DenoisingStrength <= 1, "defaults.denoising_strength", "must be in (0, 1], got %g", d.DenoisingStrength)
	v.check(d.CFGScale >= 1 && d.CFGScale <= 30, "defaults.cfg_scale", "must be between 1 and 30, got %g", d.CFGScale)
	v.check(!d.EnableHR || d.HRUpscaler != "", "defaults.hr_upscaler", "is needed when defaults.enable_hr is true")
	v.check(d.Strength > 0 && d.Strength <= 1, "defaults.strength", "must be in (0, 1], got %g", d.Strength)
	v.check(d.UpscaleBy > 1 && d.UpscaleBy <= 4, "defaults.upscale_by", "must be more than 1 and at most 4, got %g", d.UpscaleBy)
	v.check(strings.TrimSpace(d.Upscaler) != "", "defaults.upscaler", "must name an upscaler, e.g. \"R-ESRGAN 4x+\" (see /sdapi/v1/upscalers)")
	v.check(d.VaryStrength > 0 && d.VaryStrength <= 1, "defaults.vary_strength", "must be in (0, 1], got %g", d.VaryStrength)
	v.check(l.MaxInputBytes >= 1024, "limits.max_input_bytes", "must be at least 1024, got %d", l.MaxInputBytes)
	v.check(l.MaxInputPixels >= 64*64, "limits.max_input_pixels", "must be at least 4096 (64×64), got %d", l.MaxInputPixels)
	names := map[string]bool{}
	for i, s := range c.Styles {
		key := fmt.Sprintf("styles[%d]", i)
		name := strings.ToLower(s.Name)
		v.check(s.Name != "" && !strings.ContainsAny(s.Name, " \t\n"), key+".name", "must be one word, got %q", s.Name)
		v.check(!names[name], key+".name", "%q is used twice", s.Name)
		names[name] = true
		v.check(strings.Count(s.Prompt, "{prompt}") == 1, key+".prompt", "must contain {prompt} exactly once, got %q", s.Prompt)
		if s.Lora != "" {
			v.lora(key+".lora", s.Lora)
		}
	}
}

// validator collects problems.
type validator struct{ problems []Problem }

func (v *validator) add(key, msg string) {
	v.problems = append(v.problems, Problem{Key: key, Msg: msg})
}

func (v *validator) check(ok bool, key, format string, args ...any) {
	if !ok {
		v.add(key, fmt.Sprintf(format, args...))
	}
}

func (v *validator) url(key, raw string) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.add(key, fmt.Sprintf("must be an http:// or https:// URL, got %q", redact(raw)))
	}
}

func (v *validator) size(key string, got, max int, maxKey string) {
	v.check(got >= 64 && got <= max && got%8 == 0, key,
		"must be a multiple of 8 between 64 and %s (%d), got %d", maxKey, max, got)
}

// glob checks a model-name pattern (path.Match syntax).
func (v *validator) glob(key, g string) {
	_, err := path.Match(strings.ToLower(g), "")
	v.check(strings.TrimSpace(g) != "" && err == nil, key, "must be a model name or a glob such as \"sdxl-*\" (*, ? and [a-z] work), got %q", g)
}

func (v *validator) snowflake(key, id string) {
	_, err := strconv.ParseUint(id, 10, 64)
	v.check(err == nil, key, "must be a numeric Discord ID, got %q", id)
}

func (v *validator) lora(key, lora string) {
	name, weight, ok := strings.Cut(lora, ":")
	if name == "" || strings.ContainsAny(name, "<>") {
		v.add(key, fmt.Sprintf("must be \"name:weight\", got %q", lora))
		return
	}
	if ok {
		if _, err := strconv.ParseFloat(weight, 64); err != nil {
			v.add(key, fmt.Sprintf("weight must be a number, got %q", weight))
		}
	}
}

func (v *validator) err() error {
	if len(v.problems) == 0 {
		return nil
	}
	return &ValidationError{Problems: v.problems}
}

// Problem is one thing wrong with the configuration.
type Problem struct {
	Key  string // dotted path, e.g. "defaults.width"
	Msg  string // what is wrong and what is expected
	Line int    // line in the file, when known
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("line %d: %s %s", p.Line, p.Key, p.Msg)
	}
	return p.Key + " " + p.Msg
}

// ValidationError lists every problem Validate found.
type ValidationError struct {
	Problems []Problem
}

func (e *ValidationError) Error() string {
	if len(e.Problems) == 1 {
		return "invalid configuration: " + e.Problems[0].String()
	}
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return fmt.Sprintf("invalid configuration (%d problems): %s", len(e.Problems), strings.Join(parts, "; "))
}

// ErrInvalid matches every *ValidationError with errors.Is.
var ErrInvalid = errors.New("invalid configuration")

// Is reports whether target is ErrInvalid.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// redact removes a password from a URL so it can be shown.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	return u.Redacted()
}
