package telegram

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/frontend"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// The choices of the /settings keyboard. A press's callback data is
// "s:USER:FIELD:VALUE" (see press), where USER is the Telegram user whose
// settings the message shows and VALUE "d" means the default.
var (
	settingsAspects = []string{"1:1", "3:2", "2:3", "16:9", "9:16"}
	settingsSteps   = []int{15, 20, 30, 40, 50}
)

// The fields of a /settings press.
const (
	setAspect = "a"
	setSteps  = "s"
	setStyle  = "y" // value: the index of a configured style
	setHires  = "h" // value: "1" or "0"
	setLang   = "l" // value: "en" or "zh"
	setReset  = "x"
	setClear  = "d" // the value that clears a field
)

// handleSettings handles /settings: without arguments it shows the
// user's settings with a keyboard to change them; with options (as
// imagine.ParsePrefs reads them) it saves them first.
func (a *Adapter) handleSettings(ctx context.Context, m *message, args string) {
	base := a.requesterOf(m.From)
	at := answering(m)
	p := a.core.Prefs(base)
	saved := false
	if strings.TrimSpace(args) != "" {
		np, err := imagine.ParsePrefs(args, p)
		if err == nil {
			err = a.core.SetPrefs(base, np)
		}
		if err != nil {
			a.log.Info("settings refused", "user", base.Key(), "err", err)
			a.goReply(ctx, at, imagine.Describe(err, p.ApplyLocale(base).Locale))
			return
		}
		a.log.Info("settings saved", "user", base.Key())
		p, saved = np, true
	}
	loc := p.ApplyLocale(base).Locale
	text, kb := a.settingsView(loc, m.From.ID, p)
	if saved {
		text = catalog.T(loc, catalog.MsgSettingsSaved) + "\n\n" + text
	}
	a.goChat(ctx, at.chat.id, func(ctx context.Context) { a.client.reply(ctx, at, 0, text, kb) })
}

// settingsView renders a user's settings and the keyboard to change them,
// in loc.
func (a *Adapter) settingsView(loc string, user int64, p imagine.Prefs) (string, keyboard) {
	return frontend.SettingsText(loc, p, catalog.T(loc, catalog.MsgSettingsHelp)), a.settingsKeyboard(loc, user, p)
}

// settingsKeyboard has a row per setting: its values (the current one
// ticked) and, last, the button that clears it, labelled with the
// setting's name; then Reset.
func (a *Adapter) settingsKeyboard(loc string, user int64, p imagine.Prefs) keyboard {
	set := a.core.Settings()
	def := catalog.T(loc, catalog.MsgSettingsDefault)
	btn := func(label string, current bool, field, value string) button {
		if current {
			label = "✓ " + label
		}
		return button{Text: label, Data: press{act: actSettings, user: user, field: field, value: value}.data()}
	}
	clearBtn := func(name catalog.MsgID, current bool, field string) button {
		return btn(catalog.T(loc, name, def), current, field, setClear)
	}
	var kb keyboard

	var row []button
	for _, ar := range settingsAspects {
		row = append(row, btn(ar, p.Aspect.String() == ar, setAspect, strings.Replace(ar, ":", "x", 1)))
	}
	kb = append(kb, row, []button{clearBtn(catalog.MsgSettingsSize, p.Aspect.IsZero() && p.Width == 0 && p.Height == 0, setAspect)})

	row = nil
	for _, n := range settingsSteps {
		if n <= set.Limits.MaxSteps {
			row = append(row, btn(strconv.Itoa(n), p.Steps == n, setSteps, strconv.Itoa(n)))
		}
	}
	kb = append(kb, append(row, clearBtn(catalog.MsgSettingsSteps, p.Steps == 0, setSteps)))

	row = nil
	for i, st := range set.Styles {
		row = append(row, btn(imagine.Shorten(st.Name, 24), strings.EqualFold(p.Style, st.Name), setStyle, strconv.Itoa(i)))
		if len(row) == 3 {
			kb, row = append(kb, row), nil
		}
	}
	kb = append(kb, append(row, clearBtn(catalog.MsgSettingsStyle, p.Style == "", setStyle)))

	on, off := p.Hires != nil && *p.Hires, p.Hires != nil && !*p.Hires
	kb = append(kb, []button{
		btn(catalog.T(loc, catalog.MsgSettingsHires, catalog.T(loc, catalog.MsgSettingsOn)), on, setHires, "1"),
		btn(catalog.T(loc, catalog.MsgSettingsOff), off, setHires, "0"),
		btn(def, p.Hires == nil, setHires, setClear),
	})
	kb = append(kb, []button{
		btn("English", p.Locale == "en", setLang, "en"),
		btn("中文", p.Locale == "zh", setLang, "zh"),
		clearBtn(catalog.MsgSettingsLanguage, p.Locale == "", setLang),
	})
	kb = append(kb, []button{{Text: texts.btnReset.In(loc), Data: press{act: actSettings, user: user, field: setReset, value: setClear}.data()}})
	return kb
}

// handleSettingsButton saves what a /settings button sets and edits the
// message to show the new settings, in the user's (perhaps new) language.
// Only the user whose settings it shows may use it.
func (a *Adapter) handleSettingsButton(ctx context.Context, q *callbackQuery, p press) {
	base := a.requesterOf(&q.From)
	cur := a.core.Prefs(base)
	loc := cur.ApplyLocale(base).Locale
	if q.From.ID != p.user || q.Message == nil {
		a.client.answerCallback(ctx, q.ID, texts.settingsNotYours.In(loc), true)
		return
	}
	np, err := a.applySetting(cur, p.field, p.value)
	if err == nil {
		err = a.core.SetPrefs(base, np)
	}
	switch {
	case errors.Is(err, errStaleSetting):
		a.client.answerCallback(ctx, q.ID, catalog.T(loc, catalog.MsgButtonExpired), true)
		return
	case err != nil:
		a.log.Info("settings refused", "user", base.Key(), "err", err)
		a.client.answerCallback(ctx, q.ID, imagine.Describe(err, loc), true)
		return
	}
	a.log.Info("settings saved", "user", base.Key(), "field", p.field)
	loc = np.ApplyLocale(base).Locale
	a.client.answerCallback(ctx, q.ID, catalog.T(loc, catalog.MsgSettingsSaved), false)
	text, kb := a.settingsView(loc, p.user, np)
	a.client.reply(ctx, answering(q.Message), q.Message.MessageID, text, kb)
}

// errStaleSetting is a /settings press this version does not know, or
// for a style no longer configured.
var errStaleSetting = errors.New("telegram: unknown settings button")

// applySetting returns p changed as a /settings press says.
func (a *Adapter) applySetting(p imagine.Prefs, field, value string) (imagine.Prefs, error) {
	clear := value == setClear
	var err error
	switch field {
	case setReset:
		return imagine.Prefs{}, nil
	case setAspect:
		p.Aspect, p.Width, p.Height = imagine.Ratio{}, 0, 0
		if !clear {
			p.Aspect, err = imagine.ParseRatio(strings.Replace(value, "x", ":", 1))
		}
	case setSteps:
		p.Steps = 0
		if !clear {
			p.Steps, err = strconv.Atoi(value)
		}
	case setStyle:
		p.Style = ""
		if !clear {
			styles := a.core.Settings().Styles
			i, aerr := strconv.Atoi(value)
			if aerr != nil || i < 0 || i >= len(styles) {
				return p, errStaleSetting
			}
			p.Style = styles[i].Name
		}
	case setHires:
		p.Hires = nil
		if !clear {
			on := value == "1"
			p.Hires = &on
		}
	case setLang:
		p.Locale = ""
		if !clear {
			p.Locale = value
		}
	default:
		return p, errStaleSetting
	}
	return p, err
}
