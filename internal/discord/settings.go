package discord

import (
	"context"
	"errors"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/frontend"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// /settings' own options (aspect, steps, style, negative and hires share
// /imagine's names).
const (
	optSize     = "size"
	optLanguage = "language"
	optReset    = "reset"
)

// valueDefault clears one setting.
const valueDefault = "default"

// settingsAspects are the aspect ratios /settings offers, besides default.
var settingsAspects = []string{"1:1", "3:2", "2:3", "16:9", "9:16"}

// settingsOptions are /settings' options: each sets one of the user's
// defaults, "default" clears it, reset clears them all first.
func settingsOptions(s imagine.Settings) []*discordgo.ApplicationCommandOption {
	choices := func(values ...string) []*discordgo.ApplicationCommandOptionChoice {
		var out []*discordgo.ApplicationCommandOptionChoice
		for _, v := range values {
			out = append(out, &discordgo.ApplicationCommandOptionChoice{Name: v, Value: v})
		}
		return out
	}
	aspect := option(discordgo.ApplicationCommandOptionString, optAspect, texts.SetAspect, false)
	aspect.Choices = choices(append(settingsAspects, valueDefault)...)
	size := option(discordgo.ApplicationCommandOptionString, optSize, texts.SetSize, false)
	size.MaxLength = 20
	opts := []*discordgo.ApplicationCommandOption{aspect, size}
	if s.Limits.MaxSteps >= 1 {
		steps := option(discordgo.ApplicationCommandOptionInteger, optSteps, texts.SetSteps, false)
		steps.MinValue, steps.MaxValue = ptr(0.0), float64(s.Limits.MaxSteps)
		opts = append(opts, steps)
	}
	if len(s.Styles) > 0 {
		style := option(discordgo.ApplicationCommandOptionString, optStyle, texts.SetStyle, false)
		style.MaxLength = 100
		if len(s.Styles) < maxChoices { // room for "default" too
			names := make([]string, 0, len(s.Styles)+1)
			for _, st := range s.Styles {
				names = append(names, imagine.Shorten(st.Name, 100))
			}
			style.Choices = choices(append(names, valueDefault)...)
		} else {
			style.Autocomplete = true // Discord allows at most 25 choices
		}
		opts = append(opts, style)
	}
	negative := option(discordgo.ApplicationCommandOptionString, optNegative, texts.SetNegative, false)
	negative.MaxLength = maxOptionLength
	if l := s.Limits.MaxPromptLength; l > 0 && l < maxOptionLength {
		negative.MaxLength = l
	}
	hires := option(discordgo.ApplicationCommandOptionString, optHires, texts.SetHires, false)
	hires.Choices = choices("on", "off", valueDefault)
	lang := option(discordgo.ApplicationCommandOptionString, optLanguage, texts.SetLanguage, false)
	lang.Choices = choices("en", "zh", "auto")
	reset := option(discordgo.ApplicationCommandOptionBoolean, optReset, texts.SetReset, false)
	return append(opts, negative, hires, lang, reset)
}

// handleSettings answers /settings ephemerally: without options it shows
// the user's settings; with options it changes them (validated as the
// same inline options of a request would be) and shows them, in the
// language they chose.
func (a *Adapter) handleSettings(ctx context.Context, in *incoming, opts []*discordgo.ApplicationCommandInteractionDataOption) {
	cur := a.core.Prefs(in.who)
	if len(opts) == 0 {
		a.replyEphemeral(ctx, in, settingsText(in.locale(), cur))
		return
	}
	p, err := prefsFrom(cur, opts)
	if err == nil {
		err = a.core.SetPrefs(in.who, p)
	}
	if err != nil {
		var ue *imagine.UserError
		if errors.As(err, &ue) {
			a.log.Debug("settings refused", "user", in.who.Key(), "reason", err)
		} else {
			a.log.Error("cannot save a user's settings", "user", in.who.Key(), "err", err)
		}
		a.replyEphemeral(ctx, in, imagine.Describe(err, in.locale()))
		return
	}
	a.log.Info("settings saved", "user", in.who.Key())
	who := in.who
	who.Locale = in.client
	loc := p.ApplyLocale(who).Locale
	a.replyEphemeral(ctx, in, catalog.T(loc, catalog.MsgSettingsSaved)+"\n"+settingsText(loc, p))
}

// prefsFrom returns cur changed by /settings' options. Values are checked
// by the core's /settings parser (and by SetPrefs); free text (style,
// negative terms) is taken as it is.
func prefsFrom(cur imagine.Prefs, opts []*discordgo.ApplicationCommandInteractionDataOption) (imagine.Prefs, error) {
	byName := map[string]*discordgo.ApplicationCommandInteractionDataOption{}
	for _, o := range opts {
		byName[o.Name] = o
	}
	p := cur
	if o := byName[optReset]; o != nil {
		if reset, _ := o.Value.(bool); reset {
			p = imagine.Prefs{}
		}
	}
	text := func(name string) (string, bool) {
		o := byName[name]
		if o == nil {
			return "", false
		}
		s, _ := o.Value.(string)
		return strings.TrimSpace(s), true
	}
	cleared := func(v string) bool { return strings.EqualFold(v, valueDefault) || strings.EqualFold(v, "none") }
	var err error
	for _, f := range []struct{ name, flag string }{{optAspect, "--ar"}, {optSize, "--size"}, {optHires, "--hr"}, {optLanguage, "--lang"}} {
		if v, ok := text(f.name); ok && err == nil {
			p, err = imagine.ParsePrefs(f.flag+" "+v, p)
		}
	}
	if err != nil {
		return imagine.Prefs{}, err
	}
	if o := byName[optSteps]; o != nil {
		n, ok := intOption(o)
		if !ok || n < 0 {
			return imagine.Prefs{}, badNumber(optSteps, o)
		}
		p.Steps = int(n) // 0: the default
	}
	if v, ok := text(optStyle); ok {
		p.Style = v
		if cleared(v) {
			p.Style = ""
		}
	}
	if v, ok := text(optNegative); ok {
		p.Negative = v
		if cleared(v) {
			p.Negative = ""
		}
	}
	return p, nil
}

// settingsText shows a user's settings, "default" for those not set.
func settingsText(loc string, p imagine.Prefs) string {
	return frontend.SettingsText(loc, p, texts.SettingsHowTo.In(loc))
}
