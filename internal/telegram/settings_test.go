package telegram

import (
	"strings"
	"testing"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/telegram/telegramtest"
)

// buttonData returns the data of the button labelled label (ticked or
// not), or "".
func buttonData(m telegramtest.Message, label string) string {
	for _, row := range m.Keyboard {
		for _, b := range row {
			if strings.TrimPrefix(b.Text, "✓ ") == label {
				return b.CallbackData
			}
		}
	}
	return ""
}

// ticked reports whether the button labelled label is ticked.
func ticked(m telegramtest.Message, label string) bool {
	for _, row := range m.Keyboard {
		for _, b := range row {
			if b.Text == "✓ "+label {
				return true
			}
		}
	}
	return false
}

// reply sends text as from in chat and waits for the bot's first reply.
func (h *harness) reply(chat telegramtest.Chat, from telegramtest.User, text string) telegramtest.Message {
	h.t.Helper()
	cmd := h.tg.SendMessage(chat, from, text)
	return h.waitStatus("the reply to "+text, chat.ID, cmd.ID, func(telegramtest.Message) bool { return true })
}

func TestSettingsKeyboard(t *testing.T) {
	h := newHarness(t, options{})
	m := h.reply(dm, alice, "/settings")
	for _, want := range []string{"Your settings", "Size: default", "Steps: default", "Style: default", "Hires fix: default", "Language: default"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("settings = %q, want %q in it", m.Text, want)
		}
	}
	for _, data := range []string{buttonData(m, "16:9"), buttonData(m, "30"), buttonData(m, "anime"), buttonData(m, "English")} {
		if data == "" || len(data) > maxCallbackData {
			t.Fatalf("keyboard %v lacks a button, or its data is too long", m.Keyboard)
		}
	}

	press := func(by telegramtest.User, label string) telegramtest.CallbackAnswer {
		t.Helper()
		cur, _ := h.tg.Message(dm.ID, m.ID)
		q := h.tg.Click(dm, by, m.ID, buttonData(cur, label))
		if q == "" {
			t.Fatalf("no %q button on %v", label, cur.Keyboard)
		}
		return h.answered(q)
	}
	edited := func(want string) telegramtest.Message {
		t.Helper()
		var got telegramtest.Message
		h.waitFor("the settings message to show "+want, func() bool {
			got, _ = h.tg.Message(dm.ID, m.ID)
			return strings.Contains(got.Text, want)
		})
		return got
	}
	if ans := press(alice, "16:9"); ans.Text != "Saved." || ans.ShowAlert {
		t.Errorf("answer = %q (alert %v), want Saved.", ans.Text, ans.ShowAlert)
	}
	if cur := edited("Size: 16:9"); !ticked(cur, "16:9") {
		t.Errorf("16:9 is not ticked: %v", cur.Keyboard)
	}
	press(alice, "30")
	press(alice, "anime")
	edited("Style: anime")

	// The settings apply to her next request; its options win over them.
	cmd := h.tg.SendMessage(dm, alice, "/imagine a kite --steps 12")
	h.waitDone(dm.ID, cmd.ID)
	p := h.be.Jobs()[0].Params
	if p.Width <= p.Height || p.Steps != 12 || !strings.Contains(p.Prompt, "anime style") {
		t.Errorf("job params %dx%d, %d steps, prompt %q; want 16:9, 12 steps (the option), the anime style", p.Width, p.Height, p.Steps, p.Prompt)
	}

	// Someone else cannot change them.
	if ans := press(bob, "9:16"); !ans.ShowAlert || !strings.Contains(ans.Text, "someone else") {
		t.Errorf("stranger's press: answer = %q (alert %v)", ans.Text, ans.ShowAlert)
	}

	// Chinese: the answer, the message and her later replies switch.
	if ans := press(alice, "中文"); ans.Text != catalog.T("zh", catalog.MsgSettingsSaved) {
		t.Errorf("answer = %q, want it in Chinese", ans.Text)
	}
	edited(catalog.T("zh", catalog.MsgSettingsLanguage, "中文"))
	if q := h.reply(dm, alice, "/queue"); !strings.Contains(q.Text, catalog.T("zh", catalog.MsgQueueEmpty, 0)) {
		t.Errorf("/queue after choosing Chinese = %q", q.Text)
	}

	// Reset clears everything, and the language with it.
	press(alice, texts.btnReset.ZH)
	edited("Size: default")
	if got := h.svc.Prefs(requester(&botUser{ID: alice.ID})); !got.IsZero() {
		t.Errorf("prefs after Reset = %+v", got)
	}
}

func TestSettingsText(t *testing.T) {
	h := newHarness(t, options{})
	m := h.reply(dm, alice, "/settings --ar 16:9 --steps 30 --no blurry, text --hr on")
	for _, want := range []string{"Saved.", "Size: 16:9", "Steps: 30", "Negative terms: blurry, text", "Hires fix: on"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("reply = %q, want %q in it", m.Text, want)
		}
	}
	if !ticked(m, "16:9") || !ticked(m, "30") {
		t.Errorf("keyboard %v does not tick the new values", m.Keyboard)
	}
	who := imagine.Requester{Platform: imagine.Telegram, UserID: "1001"}
	tests := []struct{ args, want string }{
		{"--steps 500", imagine.Describe(h.svc.Settings().Check(imagine.Prefs{Steps: 500}), "en")},
		{"--lang fr", catalog.T("en", catalog.MsgBadLanguage, "fr")},
		{"--colour blue", catalog.T("en", catalog.MsgUnknownSetting, "--colour")},
		{"16:9", catalog.T("en", catalog.MsgBadSetting, "16:9")},
	}
	for _, tt := range tests {
		if r := h.reply(dm, alice, "/settings "+tt.args); r.Text != tt.want {
			t.Errorf("/settings %s: reply %q, want %q", tt.args, r.Text, tt.want)
		}
	}
	if p := h.svc.Prefs(who); p.Steps != 30 {
		t.Errorf("a refused change changed the settings: %+v", p)
	}
	// The language, by text; "auto" goes back to Telegram's.
	if r := h.reply(dm, alice, "/settings --lang zh"); !strings.HasPrefix(r.Text, catalog.T("zh", catalog.MsgSettingsSaved)) {
		t.Errorf("reply = %q, want it in Chinese", r.Text)
	}
	if r := h.reply(dm, alice, "/settings --lang auto"); !strings.HasPrefix(r.Text, "Saved.") {
		t.Errorf("reply = %q, want it in English again", r.Text)
	}
	if r := h.reply(dm, alice, "/settings reset"); !strings.Contains(r.Text, "Steps: default") {
		t.Errorf("reply to reset = %q", r.Text)
	}
}
