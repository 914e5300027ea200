package telegram

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/telegram/telegramtest"
)

func TestHistory(t *testing.T) {
	h := newHarness(t, options{})
	if r := h.reply(dm, alice, "/history"); r.Text != catalog.T("en", catalog.MsgHistoryEmpty) {
		t.Errorf("empty history = %q", r.Text)
	}
	h.waitDone(dm.ID, h.tg.SendMessage(dm, alice, "/imagine a quiet   harbour at dawn").ID)
	h.waitDone(dm.ID, h.tg.SendMessage(dm, alice, "/imagine a red kite --seed 42 --ar 2:1").ID)
	h.waitDone(bobDM.ID, h.tg.SendMessage(bobDM, bob, "/imagine bob's own").ID)

	hist := h.reply(dm, alice, "/history")
	lines := strings.Split(hist.Text, "\n")
	if len(lines) != 3 || lines[0] != catalog.T("en", catalog.MsgHistoryTitle, 2) {
		t.Fatalf("history = %q, want a title and two lines", hist.Text)
	}
	for i, tt := range []struct {
		prompt string
		j      int
	}{{"a red kite", 1}, {"a quiet harbour at dawn", 0}} {
		j := h.be.Jobs()[tt.j]
		model := strings.TrimSuffix(strings.Fields(j.Model)[0], ".safetensors")
		want := fmt.Sprintf("%d. %s (seed %d, %dx%d, %s, ", i+1, tt.prompt, j.Seeds[0], j.Params.Width, j.Params.Height, model)
		if !strings.HasPrefix(lines[i+1], want) || !whenRE.MatchString(lines[i+1]) {
			t.Errorf("line %d = %q, want it to start %q", i+1, lines[i+1], want)
		}
	}
	if strings.Contains(hist.Text, "bob") {
		t.Errorf("alice's history lists bob's result: %q", hist.Text)
	}

	// 🔁 2 runs the older one again, with the seed it got.
	q := h.tg.Click(dm, alice, hist.ID, buttonData(hist, "🔁 2"))
	if q == "" {
		t.Fatalf("no 🔁 2 button: %v", hist.Keyboard)
	}
	h.answered(q)
	again := h.waitDone(dm.ID, hist.ID)
	seed := h.be.Jobs()[0].Seeds[0]
	if !strings.Contains(again.Caption, fmt.Sprintf("Seed %d ", seed)) || !strings.HasPrefix(again.Caption, "a quiet") {
		t.Errorf("run again: caption %q, want the harbour with seed %d", again.Caption, seed)
	}
}

// whenRE is the end of a /history line: when, in UTC.
var whenRE = regexp.MustCompile(`, \d{4}-\d\d-\d\d \d\d:\d\d UTC\)$`)

// waitCaption waits for a reply to message id that shows a result's
// caption (for a batch, the message below the album).
func (h *harness) waitCaption(chat int64, id int) {
	h.t.Helper()
	h.waitFor("the result's caption", func() bool {
		for _, m := range h.replies(chat, id) {
			if strings.Contains(text(m), "Seed") {
				return true
			}
		}
		return false
	})
}

func TestQuota(t *testing.T) {
	h := newHarness(t, options{svc: imagine.Config{DailyImages: 3}})
	if r := h.reply(dm, alice, "/queue"); !strings.Contains(r.Text, catalog.T("en", catalog.MsgQuotaLeft, 3, 3)) {
		t.Errorf("/queue = %q, want the quota line", r.Text)
	}
	h.waitCaption(dm.ID, h.tg.SendMessage(dm, alice, "/imagine two kites --n 2").ID)
	if r := h.reply(dm, alice, "/queue"); !strings.Contains(r.Text, catalog.T("en", catalog.MsgQuotaLeft, 1, 3)) {
		t.Errorf("/queue = %q, want 1 of 3 left", r.Text)
	}
	// Two more images are over the quota: the refusal says when it resets.
	r := h.reply(dm, alice, "/imagine two more --n 2")
	if !strings.HasPrefix(r.Text, "You have made your 3 images for today. The quota resets at 00:00 UTC") {
		t.Errorf("over the quota: %q", r.Text)
	}
	if n := len(h.be.Jobs()); n != 1 {
		t.Errorf("%d jobs ran, want 1", n)
	}
	// Admins have no quota, and no quota line.
	adminDM := telegramtest.Chat{ID: admin.ID, Type: telegramtest.ChatPrivate}
	if r := h.reply(adminDM, admin, "/queue"); strings.Contains(r.Text, "Images left") {
		t.Errorf("admin's /queue = %q, want no quota line", r.Text)
	}
	for range 2 {
		h.waitCaption(adminDM.ID, h.tg.SendMessage(adminDM, admin, "/imagine many --n 2").ID)
	}
}
