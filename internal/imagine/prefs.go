package imagine

import (
	"strings"

	"github.com/imaginebot/imaginebot/internal/catalog"
)

// Prefs are a user's own defaults, set with /settings. A request's options
// win over them, and they win over the configured defaults. The zero value
// sets nothing.
type Prefs struct {
	Aspect   Ratio  `json:"aspect,omitzero"`
	Width    int    `json:"width,omitempty"`
	Height   int    `json:"height,omitempty"`
	Steps    int    `json:"steps,omitempty"`
	Style    string `json:"style,omitempty"`
	Negative string `json:"negative,omitempty"` // extra negative terms, as --no
	Hires    *bool  `json:"hires,omitempty"`    // nil: the configured default
	Locale   string `json:"locale,omitempty"`   // "en" or "zh"; "": the platform's
}

// IsZero reports whether p sets nothing.
func (p Prefs) IsZero() bool {
	return p.Aspect.IsZero() && p.Width == 0 && p.Height == 0 && p.Steps == 0 &&
		p.Style == "" && p.Negative == "" && p.Hires == nil && p.Locale == ""
}

// Apply returns r with what p sets filled in where r sets nothing, and the
// reply language p chose.
func (p Prefs) Apply(r Request) Request {
	if r.Width == 0 && r.Height == 0 && r.Aspect.IsZero() {
		r.Width, r.Height, r.Aspect = p.Width, p.Height, p.Aspect
	}
	if r.Steps == 0 {
		r.Steps = p.Steps
	}
	if r.Style == "" {
		r.Style = p.Style
	}
	if r.NegativePrompt == "" {
		r.NegativePrompt = p.Negative
	}
	if !r.HiresFix && p.Hires != nil {
		r.HiresFix = *p.Hires
	}
	r.Requester = p.ApplyLocale(r.Requester)
	return r
}

// ApplyLocale returns who with the reply language p chose, if any.
func (p Prefs) ApplyLocale(who Requester) Requester {
	if p.Locale != "" {
		who.Locale = p.Locale
	}
	return who
}

// Check validates p against the settings as if its values were a
// request's inline options; refusals are *UserError values.
func (s Settings) Check(p Prefs) error {
	if p.Locale != "" && p.Locale != "en" && p.Locale != "zh" {
		return userErr(ErrBadOption, catalog.MsgBadLanguage, p.Locale)
	}
	_, err := s.Resolve(p.Apply(NewRequest("x", Requester{})))
	return err
}

// ParsePrefs reads /settings options into base, as users type them:
//
//	--ar 16:9 --steps 30 --style anime --no blurry, text --hr on --lang zh
//
// --size WIDTHxHEIGHT, --hr off and --lang auto work too; the value
// "default" clears an option (also "none" for --style and --no, "auto" for
// --lang), and the single word "reset" clears them all. Only the syntax is
// checked here; Settings.Check checks the values.
func ParsePrefs(text string, base Prefs) (Prefs, error) {
	text = strings.TrimSpace(text)
	if strings.EqualFold(text, "reset") {
		return Prefs{}, nil
	}
	p := base
	toks := tokenize(text)
	seen := map[string]bool{}
	for i := 0; i < len(toks); {
		name, ok := optionName(toks[i].text)
		if !ok {
			return Prefs{}, userErr(ErrBadOption, catalog.MsgBadSetting, toks[i].text)
		}
		opt := prefOption(name)
		if opt == "" {
			return Prefs{}, userErr(ErrBadOption, catalog.MsgUnknownSetting, toks[i].text)
		}
		if seen[opt] {
			return Prefs{}, userErr(ErrBadOption, catalog.MsgRepeatedOption, opt)
		}
		seen[opt] = true
		end := i + 1
		for end < len(toks) && !isOption(toks[end].text) && (opt == "--no" || end == i+1) {
			end++
		}
		var value string
		if end > i+1 {
			value = text[toks[i+1].start:toks[end-1].end]
		}
		if err := p.set(opt, value); err != nil {
			return Prefs{}, err
		}
		i = end
	}
	return p, nil
}

// prefOption maps a /settings option name and its aliases to its
// canonical spelling, or "" if there is no such setting.
func prefOption(name string) string {
	switch strings.ToLower(name) {
	case "lang", "language", "locale":
		return "--lang"
	}
	switch c := canonical(name); c {
	case "--seed", "--n", "--cfg", "--sampler", "--scheduler", "--model", "--lora":
		return ""
	default:
		return c
	}
}

func (p *Prefs) set(opt, value string) error {
	if value == "" {
		ex := optionExamples[opt]
		switch opt {
		case "--hr":
			ex = "--hr on"
		case "--lang":
			ex = "--lang zh"
		}
		return userErr(ErrBadOption, catalog.MsgMissingValue, opt, ex)
	}
	v := strings.ToLower(value)
	clear := v == "default" || ((opt == "--style" || opt == "--no") && v == "none") || (opt == "--lang" && v == "auto")
	var err error
	switch opt {
	case "--ar":
		p.Width, p.Height, p.Aspect = 0, 0, Ratio{}
		if !clear {
			p.Aspect, err = ParseRatio(value)
		}
	case "--size":
		p.Width, p.Height, p.Aspect = 0, 0, Ratio{}
		if !clear {
			p.Width, p.Height, err = parseSize(value)
		}
	case "--steps":
		p.Steps = 0
		if !clear {
			p.Steps, err = parseInt(opt, value)
		}
	case "--style":
		p.Style = ""
		if !clear {
			p.Style = value
		}
	case "--no":
		p.Negative = ""
		if !clear {
			p.Negative = value
		}
	case "--hr":
		switch v {
		case "on", "yes", "true", "1":
			on := true
			p.Hires = &on
		case "off", "no", "false", "0":
			off := false
			p.Hires = &off
		case "default":
			p.Hires = nil
		default:
			err = userErr(ErrBadOption, catalog.MsgBadSetting, "--hr "+value)
		}
	case "--lang":
		p.Locale = ""
		if !clear {
			p.Locale = v
			if strings.HasPrefix(v, "zh") || v == "中文" {
				p.Locale = "zh"
			} else if strings.HasPrefix(v, "en") {
				p.Locale = "en"
			}
		}
	}
	return err
}
