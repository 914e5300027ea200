package imagine

import (
	"maps"
	"strings"
)

// Profile is a set of defaults for the checkpoints whose name matches
// Model (a glob in path.Match syntax, any case, matched against the name
// and the title with and without extension, hash and folders). The first
// profile that matches a job's model applies: under the request's options
// and the user's settings, over the configured defaults. Zero values and
// nil leave the defaults.
type Profile struct {
	Model          string
	Sampler        string
	Scheduler      string
	CFGScale       float64
	DistilledCFG   float64 // Forge's distilled_cfg_scale (Flux)
	Steps          int
	Width, Height  int
	ClipSkip       int
	PromptPrefix   string // joined before the prompt with ", " (e.g. quality tags)
	PromptSuffix   string // joined after the prompt with ", "
	NegativePrompt *string
	// Override is A1111 override_settings sent with each job.
	Override map[string]any
}

// ProfileFor returns the first profile whose glob matches model (a
// checkpoint's title or name), or nil.
func (s Settings) ProfileFor(model string) *Profile {
	if model == "" {
		return nil
	}
	m := Model{Title: model}
	for i := range s.Profiles {
		if globMatches(s.Profiles[i].Model, m) {
			return &s.Profiles[i]
		}
	}
	return nil
}

// defaults returns d with what pr sets (pr may be nil).
func (pr *Profile) defaults(d Defaults) Defaults {
	if pr == nil {
		return d
	}
	d.Sampler = orStr(pr.Sampler, d.Sampler)
	if pr.CFGScale != 0 {
		d.CFGScale = pr.CFGScale
	}
	d.Steps = or(pr.Steps, d.Steps)
	d.Width, d.Height = or(pr.Width, d.Width), or(pr.Height, d.Height)
	if pr.NegativePrompt != nil {
		d.NegativePrompt = *pr.NegativePrompt
	}
	return d
}

// apply sets the fields only a profile has and wraps the prompt in its
// prefix and suffix.
func (pr *Profile) apply(p *Params) {
	if pr == nil {
		return
	}
	p.Scheduler = orStr(p.Scheduler, pr.Scheduler)
	p.DistilledCFG = pr.DistilledCFG
	p.ClipSkip = pr.ClipSkip
	if len(pr.Override) > 0 {
		p.Override = maps.Clone(pr.Override)
	}
	p.Prompt = joinTerms(strings.TrimSpace(pr.PromptPrefix), p.Prompt, strings.TrimSpace(pr.PromptSuffix))
}

func orStr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
