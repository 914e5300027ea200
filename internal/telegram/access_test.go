package telegram

import (
	"strings"
	"sync/atomic"
	"testing"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/telegram/telegramtest"
)

func TestAccessControl(t *testing.T) {
	other := telegramtest.Chat{ID: -100777, Type: telegramtest.ChatGroup, Title: "Strangers"}
	h := newHarness(t, options{noPrivate: true, cfg: Config{AllowedChatIDs: []int64{group.ID}}})
	u := telegramtest.User{ID: 4242, FirstName: "Li", LanguageCode: "zh-hans"}
	tests := []struct {
		name    string
		chat    telegramtest.Chat
		allowed bool
	}{
		{"listed group", group, true},
		{"unlisted group", other, false},
		{"private chat", telegramtest.Chat{ID: u.ID, Type: telegramtest.ChatPrivate}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(h.be.Jobs())
			from := u // Chinese, to see the refusal's language
			if tt.allowed {
				from = alice
			}
			cmd := h.tg.SendMessage(tt.chat, from, "/imagine"+botTag+" a quiet lake")
			if tt.allowed {
				h.waitDone(tt.chat.ID, cmd.ID)
				return
			}
			m := h.waitStatus("the refusal", tt.chat.ID, cmd.ID, func(m telegramtest.Message) bool { return m.Text != "" })
			if want := catalog.T("zh", catalog.MsgNotHere); m.Text != want {
				t.Errorf("refusal = %q, want %q", m.Text, want)
			}
			if got := len(h.be.Jobs()); got != before {
				t.Errorf("a refused request reached the backend (%d generations, want %d)", got, before)
			}
			if !strings.Contains(h.logs.String(), "chat not allowed") {
				t.Errorf("the refusal was not logged")
			}
		})
	}
}

// countingRecorder counts what the adapter reports.
type countingRecorder struct{ previews, limited atomic.Int64 }

func (r *countingRecorder) PreviewEdited(imagine.Platform) { r.previews.Add(1) }
func (r *countingRecorder) RateLimited(imagine.Platform)   { r.limited.Add(1) }

func TestRecorderCountsPreviewsAnd429s(t *testing.T) {
	rec := &countingRecorder{}
	h := newHarness(t, options{noLimits: true, cfg: Config{Recorder: rec}, svc: imagine.Config{PerUser: 5, MaxQueue: 100},
		backend: held})
	chat := telegramtest.Chat{ID: 5151, Type: telegramtest.ChatPrivate}
	u := telegramtest.User{ID: 5151, FirstName: "P"}
	var cmds []int
	// Five replies at once: more than the chat's burst of three.
	for i := range 5 {
		cmds = append(cmds, h.tg.SendMessage(chat, u, "/imagine --steps 40 storm "+string(rune('a'+i))).ID)
	}
	// The first job stays at its first step until a status message has
	// been edited into its preview.
	for _, id := range cmds {
		h.waitStatus("the status message", chat.ID, id, func(telegramtest.Message) bool { return true })
	}
	h.be.Advance(1)
	h.waitFor("a preview edit", func() bool {
		for _, id := range cmds {
			m, _ := h.status(chat.ID, id)
			for _, e := range m.History {
				if e.Kind == telegramtest.EditMedia && strings.Contains(e.Content.Caption, "step") {
					return true
				}
			}
		}
		return false
	})
	h.release()
	for _, id := range cmds {
		h.waitDone(chat.ID, id)
	}
	if rec.previews.Load() == 0 {
		t.Errorf("no preview edits were counted")
	}
	if got, served := rec.limited.Load(), h.tg.Count429(); served == 0 || got == 0 {
		t.Errorf("counted %d 429s, the fake served %d; want both above 0", got, served)
	}
}
