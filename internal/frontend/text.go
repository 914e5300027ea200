package frontend

import (
	"cmp"
	"strconv"
	"strings"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// QueuePromptRunes is how much of each prompt /queue shows.
const QueuePromptRunes = 60

// QueueText answers /queue: the user's jobs with their places, and how
// many jobs wait in all, in the user's language.
func QueueText(loc string, mine []imagine.JobInfo, waiting int) string {
	if len(mine) == 0 {
		return catalog.T(loc, catalog.MsgQueueEmpty, waiting)
	}
	lines := []string{catalog.T(loc, catalog.MsgQueueMine, waiting)}
	for _, j := range mine {
		p := imagine.Shorten(j.Prompt, QueuePromptRunes)
		if j.State == imagine.Running {
			lines = append(lines, catalog.T(loc, catalog.MsgQueueRunning, p))
		} else {
			lines = append(lines, catalog.T(loc, catalog.MsgQueueWaiting, j.Position, p))
		}
	}
	return strings.Join(lines, "\n")
}

// HelpText answers /help: the front end's own introduction (a Text with
// four %d verbs for the largest width and height, the most steps and the
// largest batch), the styles if any, and for admins the admin line.
func HelpText(loc string, s imagine.Settings, intro catalog.Text, admin bool) string {
	l := s.Limits
	parts := []string{intro.In(loc, l.MaxWidth, l.MaxHeight, l.MaxSteps, l.MaxBatch)}
	if names := s.StyleNames(); len(names) > 0 {
		parts = append(parts, catalog.T(loc, catalog.MsgHelpStyles, strings.Join(names, ", ")))
	}
	if admin {
		parts = append(parts, catalog.T(loc, catalog.MsgHelpAdmin))
	}
	return strings.Join(parts, "\n\n")
}

// SettingsText shows a user's settings (/settings), one per line under the
// title, "default" for those not set, then howTo: how to change them on
// the platform.
func SettingsText(loc string, p imagine.Prefs, howTo string) string {
	t := func(id catalog.MsgID, args ...any) string { return catalog.T(loc, id, args...) }
	or := func(s string) string {
		if s == "" {
			return t(catalog.MsgSettingsDefault)
		}
		return s
	}
	var size, steps, hires string
	switch {
	case !p.Aspect.IsZero():
		size = p.Aspect.String()
	case p.Width > 0 && p.Height > 0:
		size = strconv.Itoa(p.Width) + "x" + strconv.Itoa(p.Height)
	}
	if p.Steps > 0 {
		steps = strconv.Itoa(p.Steps)
	}
	if p.Hires != nil {
		hires = t(catalog.MsgSettingsOff)
		if *p.Hires {
			hires = t(catalog.MsgSettingsOn)
		}
	}
	return strings.Join([]string{
		t(catalog.MsgSettingsTitle),
		t(catalog.MsgSettingsSize, or(size)),
		t(catalog.MsgSettingsSteps, or(steps)),
		t(catalog.MsgSettingsStyle, or(p.Style)),
		t(catalog.MsgSettingsNegative, or(p.Negative)),
		t(catalog.MsgSettingsHires, or(hires)),
		t(catalog.MsgSettingsLanguage, or(LanguageName(p.Locale))),
		"",
		howTo,
	}, "\n")
}

// LanguageName is how a reply language of imagine.Prefs is shown: in
// itself, as language pickers do; "" for none.
func LanguageName(locale string) string {
	switch locale {
	case "en":
		return "English"
	case "zh":
		return "中文"
	}
	return ""
}

// HistoryPromptRunes is how much of each prompt /history shows.
const HistoryPromptRunes = 60

// HistoryLine is line n of /history for rec: the prompt on one line,
// shortened, the seed of its first image, the size, the model and when,
// which the platform formats (e.g. a Discord timestamp, or UTC).
func HistoryLine(loc string, n int, rec imagine.Record, when string) string {
	seed := rec.Request.Seed
	if len(rec.Seeds) > 0 {
		seed = rec.Seeds[0]
	}
	model := rec.Model
	if model == "" {
		model = "?"
	}
	prompt := imagine.Shorten(strings.Join(strings.Fields(rec.Request.Prompt), " "), HistoryPromptRunes)
	return catalog.T(loc, catalog.MsgHistoryItem, n, prompt, seed, strconv.Itoa(rec.Width)+"x"+strconv.Itoa(rec.Height), model, when)
}

// ImageHelpText is /help's paragraph on images: starting from a picture
// with --strength, and the ⬆ Upscale and 🎨 Vary buttons. A front end adds
// it to its help once it takes pictures and shows those buttons.
func ImageHelpText(loc string, s imagine.Settings) string {
	return catalog.T(loc, catalog.MsgHelpImage, cmp.Or(s.Defaults.Strength, imagine.DefaultStrength), cmp.Or(s.Defaults.UpscaleBy, imagine.DefaultUpscaleBy))
}
