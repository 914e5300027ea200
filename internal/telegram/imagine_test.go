package telegram

import (
	"bytes"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/imagine/imaginetest"
	"github.com/imaginebot/imaginebot/internal/telegram/telegramtest"
)

func TestPrivateImagineEndToEnd(t *testing.T) {
	h := newHarness(t, options{backend: imaginetest.Options{StepDelay: 10 * time.Millisecond}})
	cmd := h.tg.SendMessage(dm, alice, "/imagine a lighthouse at dusk --steps 20")
	first := h.waitStatus("the first reply", dm.ID, cmd.ID, func(telegramtest.Message) bool { return true })
	if d := first.Date.Sub(cmd.Date); d > 500*time.Millisecond {
		t.Errorf("first reply after %v, want it at once", d)
	}
	orig := first.Original
	if orig.Photo != nil || !(strings.HasPrefix(orig.Text, "Queued") || strings.HasPrefix(orig.Text, "Starting")) {
		t.Errorf("first reply = %q (photo %v), want a queue or start line", orig.Text, orig.Photo != nil)
	}
	if callbackData(telegramtest.Message{Content: orig}, "c:") == "" {
		t.Errorf("first reply keyboard = %v, want a Cancel button", orig.Keyboard)
	}

	m := h.waitDone(dm.ID, cmd.ID)
	if m.ID != first.ID {
		t.Errorf("result in message %d, want the status message %d edited", m.ID, first.ID)
	}
	var previews int
	for _, e := range m.History[:len(m.History)-1] {
		if e.Kind == telegramtest.EditMedia && e.Content.Photo != nil && strings.Contains(e.Content.Caption, "step") {
			previews++
			if callbackData(telegramtest.Message{Content: e.Content}, "c:") == "" {
				t.Errorf("preview edit without a Cancel button: %v", e.Content.Keyboard)
			}
		}
	}
	if previews == 0 {
		t.Errorf("no preview edits in the history %s", kinds(m.History))
	}
	t.Logf("status message history: %s", kinds(m.History))
	last := m.History[len(m.History)-1]
	if last.Kind != telegramtest.EditMedia {
		t.Errorf("last edit %s, want the final image by editMessageMedia", last.Kind)
	}
	if !strings.HasPrefix(m.Caption, "a lighthouse at dusk\nSeed ") || !strings.Contains(m.Caption, "20 steps") || !strings.Contains(m.Caption, "by Alice") {
		t.Errorf("caption = %q, want the prompt, seed, steps and requester", m.Caption)
	}
	if callbackData(m, "r:") == "" || callbackData(m, "p:") == "" || callbackData(m, "c:") != "" {
		t.Errorf("result keyboard = %v, want Reroll and PNG only", m.Keyboard)
	}
	img, err := png.Decode(bytes.NewReader(m.Photo.Bytes))
	if err != nil || img.Bounds().Dx() != 64 || img.Bounds().Dy() != 64 {
		t.Errorf("final photo: %v, want a 64x64 PNG", err)
	}
	// Preview edits of one message keep the edit interval; the result
	// follows as soon as the limits allow.
	for i := 1; i < len(m.History)-1; i++ {
		if gap := m.History[i].Time.Sub(m.History[i-1].Time); gap < unit {
			t.Errorf("edits %d and %d only %v apart", i-1, i, gap)
		}
	}
	if n := h.tg.Count429(); n != 0 {
		t.Errorf("%d answers were 429, want none", n)
	}
}

func kinds(h []telegramtest.Edit) string {
	var s []string
	for _, e := range h {
		s = append(s, string(e.Kind))
	}
	return strings.Join(s, ",")
}

func TestGroupCommands(t *testing.T) {
	h := newHarness(t, options{})
	other := h.tg.SendMessage(group, bob, "/imagine@other_bot a dog")
	ours := h.tg.SendMessage(group, bob, "/imagine"+botTag+" a dog")
	plain := h.tg.SendMessage(group, alice, "/imagine a cat")
	m := h.waitDone(group.ID, ours.ID)
	if !strings.HasPrefix(m.Caption, "a dog\n") || !strings.Contains(m.Caption, "by Bob") {
		t.Errorf("caption = %q, want bob's dog", m.Caption)
	}
	h.waitDone(group.ID, plain.ID)
	if r := h.replies(group.ID, other.ID); len(r) != 0 {
		t.Errorf("the bot answered a command for another bot: %q", text(r[0]))
	}
}

func TestForumTopic(t *testing.T) {
	h := newHarness(t, options{backend: imaginetest.Options{StepDelay: 10 * time.Millisecond}})
	cmd := h.tg.SendMessage(forum, bob, "/imagine"+botTag+" a ship --n 2 --steps 20", telegramtest.InThread(77))
	st := h.waitStatus("the status message", forum.ID, cmd.ID, func(telegramtest.Message) bool { return true })
	if st.ThreadID != 77 {
		t.Errorf("status message in thread %d, want the command's topic 77", st.ThreadID)
	}
	// The user deletes the command: the results can no longer reply to it
	// but must still land in its topic.
	h.tg.DeleteMessage(forum.ID, cmd.ID)
	var got []telegramtest.Message
	h.waitFor("album and caption", func() bool {
		got = nil
		for _, m := range h.tg.Messages(forum.ID) {
			if m.From.IsBot && m.ID > st.ID {
				got = append(got, m)
			}
		}
		return len(got) == 3 && strings.Contains(text(got[2]), "Seed")
	})
	for _, m := range got {
		if m.ThreadID != 77 {
			t.Errorf("message %d in thread %d, want topic 77", m.ID, m.ThreadID)
		}
	}
}

func TestReplyPrompt(t *testing.T) {
	h := newHarness(t, options{})
	idea := h.tg.SendMessage(group, alice, "a castle in the clouds --ar 3:2")
	cmd := h.tg.SendMessage(group, bob, "/imagine --steps 5", telegramtest.ReplyTo(idea.ID))
	m := h.waitDone(group.ID, cmd.ID)
	if !strings.HasPrefix(m.Caption, "a castle in the clouds\n") || !strings.Contains(m.Caption, "5 steps") || !strings.Contains(m.Caption, "by Bob") {
		t.Errorf("caption = %q, want alice's prompt with bob's options", m.Caption)
	}
	if m.Photo == nil || m.Photo.Width <= m.Photo.Height {
		t.Errorf("photo %+v, want a 3:2 landscape image", m.Photo)
	}
	// A prompt in the command wins over the replied text.
	cmd2 := h.tg.SendMessage(group, bob, "/imagine a moon", telegramtest.ReplyTo(idea.ID))
	if m := h.waitDone(group.ID, cmd2.ID); !strings.HasPrefix(m.Caption, "a moon\n") {
		t.Errorf("caption = %q, want the command's own prompt", m.Caption)
	}
}

func TestBatchAlbum(t *testing.T) {
	h := newHarness(t, options{backend: imaginetest.Options{Manual: true}})
	cmd := h.tg.SendMessage(dm, alice, "/imagine two cats --n 2 --seed 7")
	h.waitStatus("the status message", dm.ID, cmd.ID, func(telegramtest.Message) bool { return true })
	h.release()
	var r []telegramtest.Message
	h.waitFor("album and caption", func() bool {
		r = h.replies(dm.ID, cmd.ID)
		return len(r) == 3 && strings.Contains(text(r[2]), "Seed")
	})
	album, capMsg := r[:2], r[2]
	if album[0].MediaGroupID == "" || album[0].MediaGroupID != album[1].MediaGroupID || album[0].Photo == nil || album[1].Photo == nil {
		t.Errorf("album = %+v, want two photos in one media group", album)
	}
	if !strings.HasPrefix(capMsg.Text, "two cats\nSeed 7, 8 ·") {
		t.Errorf("caption message = %q, want the prompt and both seeds", capMsg.Text)
	}
	var pngs []string
	for _, row := range capMsg.Keyboard {
		for _, b := range row {
			if strings.HasPrefix(b.CallbackData, "p:") {
				pngs = append(pngs, b.Text)
			}
		}
	}
	if callbackData(capMsg, "r:") == "" || len(pngs) != 2 {
		t.Errorf("keyboard = %v, want Reroll and two PNG buttons", capMsg.Keyboard)
	}
	// The status message was replaced: exactly these three replies remain.
	var deleted int
	for _, c := range h.tg.CallsTo("deleteMessage") {
		if c.Error == "" {
			deleted++
		}
	}
	if deleted != 1 {
		t.Errorf("%d status messages deleted, want 1", deleted)
	}
}

func TestTooLargeForAPhotoGoesAsDocument(t *testing.T) {
	h := newHarness(t, options{})
	cmd := h.tg.SendMessage(dm, alice, "/imagine a very tall tower --size 64x1344")
	m := h.waitStatus("the result", dm.ID, cmd.ID, func(m telegramtest.Message) bool { return m.Document != nil })
	if !strings.HasSuffix(m.Document.FileName, ".png") || !strings.Contains(m.Caption, "64x1344") {
		t.Errorf("document %q with caption %q, want the PNG with its caption", m.Document.FileName, m.Caption)
	}
	if callbackData(m, "r:") == "" || callbackData(m, "p:") != "" {
		t.Errorf("keyboard = %v, want Reroll without a PNG button (the document is the PNG)", m.Keyboard)
	}
}

func TestHTMLEscaping(t *testing.T) {
	h := newHarness(t, options{})
	prompt := `a (b) [c] _d_ *e* \f <g> & h "i" 'j' </b> &amp;`
	cmd := h.tg.SendMessage(dm, alice, "/imagine "+prompt)
	m := h.waitDone(dm.ID, cmd.ID)
	if first, _, _ := strings.Cut(m.Caption, "\n"); first != prompt {
		t.Errorf("caption's first line = %q, want the prompt %q", first, prompt)
	}
	if len(m.Entities) != 0 {
		t.Errorf("caption entities %v, want none (the prompt is not markup)", m.Entities)
	}
}

func TestLongPromptCaptionFits(t *testing.T) {
	h := newHarness(t, options{})
	prompt := strings.Repeat("🐱 cat ", 50) // 300 characters, 350 UTF-16 units
	carolDM := telegramtest.Chat{ID: carol.ID, Type: telegramtest.ChatPrivate}
	cmd := h.tg.SendMessage(carolDM, carol, "/imagine "+strings.TrimSpace(prompt))
	m := h.waitStatus("the result", carolDM.ID, cmd.ID, func(m telegramtest.Message) bool { return strings.Contains(m.Caption, "种子") })
	if !strings.HasPrefix(m.Caption, strings.TrimSpace(prompt)+"\n") {
		t.Errorf("caption = %q, want the whole prompt", m.Caption)
	}
}
