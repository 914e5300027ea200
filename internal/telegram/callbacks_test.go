package telegram

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/imagine/imaginetest"
	"github.com/imaginebot/imaginebot/internal/telegram/telegramtest"
)

// held makes jobs wait for the test at every step (see harness.running and
// harness.release).
var held = imaginetest.Options{Manual: true}

func TestCancelButton(t *testing.T) {
	tests := []struct {
		name      string
		by        telegramtest.User
		cancelled bool
		answer    string
		alert     bool
	}{
		{"requester", bob, true, "Cancelling", false},
		{"admin", admin, true, "Cancelling", false},
		{"stranger", alice, false, "Only the person who asked", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, options{backend: held})
			cmd := h.tg.SendMessage(group, bob, "/imagine a slow painting --steps 40")
			st := h.running(group.ID, cmd.ID)
			q := h.tg.Click(group, tt.by, st.ID, callbackData(st, "c:"))
			if q == "" {
				t.Fatal("no Cancel button to click")
			}
			ans := h.answered(q)
			if !strings.HasPrefix(ans.Text, tt.answer) || ans.ShowAlert != tt.alert {
				t.Errorf("answer = %q (alert %v), want %q (alert %v)", ans.Text, ans.ShowAlert, tt.answer, tt.alert)
			}
			if !tt.cancelled {
				h.release()
			}
			want := "Cancelled."
			if !tt.cancelled {
				want = "Seed"
			}
			m := h.waitStatus("the end", group.ID, cmd.ID, func(m telegramtest.Message) bool {
				return strings.Contains(text(m), "Cancelled.") || strings.Contains(text(m), "Seed")
			})
			if !strings.Contains(text(m), want) {
				t.Errorf("status message ends as %q, want %q", text(m), want)
			}
			if tt.cancelled && len(m.Keyboard) != 0 {
				t.Errorf("cancelled message keeps a keyboard %v", m.Keyboard)
			}
			if j := h.be.Jobs()[0]; tt.cancelled != errors.Is(j.Err, context.Canceled) || !j.Done {
				t.Errorf("backend job %+v, want it ended by cancellation: %v", j, tt.cancelled)
			}
		})
	}
}

func TestRerollButton(t *testing.T) {
	h := newHarness(t, options{})
	cmd := h.tg.SendMessage(dm, alice, "/imagine a red kite --seed 42")
	m := h.waitDone(dm.ID, cmd.ID)
	if !strings.Contains(m.Caption, "Seed 42 ") {
		t.Fatalf("caption = %q, want seed 42", m.Caption)
	}
	q := h.tg.Click(dm, alice, m.ID, callbackData(m, "r:"))
	if ans := h.answered(q); !strings.HasPrefix(ans.Text, "Rerolling") {
		t.Errorf("answer = %q, want Rerolling", ans.Text)
	}
	// The new job's status message replies to the result that was rerolled.
	re := h.waitDone(dm.ID, m.ID)
	if !strings.HasPrefix(re.Caption, "a red kite\nSeed ") || strings.Contains(re.Caption, "Seed 42 ") {
		t.Errorf("rerolled caption = %q, want the same prompt with a new seed", re.Caption)
	}
	if bytes.Equal(re.Photo.Bytes, m.Photo.Bytes) {
		t.Error("the rerolled image is the same as the original")
	}
}

func TestPNGButton(t *testing.T) {
	h := newHarness(t, options{})
	cmd := h.tg.SendMessage(group, alice, "/imagine a lily")
	m := h.waitDone(group.ID, cmd.ID)
	q := h.tg.Click(group, bob, m.ID, callbackData(m, "p:"))
	if ans := h.answered(q); !strings.HasPrefix(ans.Text, "Sending the PNG") {
		t.Errorf("answer = %q", ans.Text)
	}
	doc := h.waitStatus("the PNG document", group.ID, m.ID, func(m telegramtest.Message) bool { return m.Document != nil })
	if !bytes.Equal(doc.Document.Bytes, m.Photo.Bytes) || doc.Document.MIMEType != "image/png" {
		t.Errorf("document %s (%d bytes), want the original PNG (%d bytes)", doc.Document.MIMEType, len(doc.Document.Bytes), len(m.Photo.Bytes))
	}
}

// forgetful is the in-memory store, but it can forget every record (as
// after store.retention) or every image (as when over the image budget).
type forgetful struct {
	*imagine.MemoryStore
	records, images atomic.Bool
}

func (f *forgetful) Record(ctx context.Context, id imagine.JobID) (imagine.Record, error) {
	if f.records.Load() {
		return imagine.Record{}, imagine.ErrNotFound
	}
	return f.MemoryStore.Record(ctx, id)
}

func (f *forgetful) Image(ctx context.Context, id imagine.JobID, i int) ([]byte, error) {
	if f.images.Load() || f.records.Load() {
		return nil, imagine.ErrNotFound
	}
	return f.MemoryStore.Image(ctx, id, i)
}

func TestExpiredButtons(t *testing.T) {
	st := &forgetful{MemoryStore: imagine.NewMemoryStore()}
	h := newHarness(t, options{svc: imagine.Config{Store: st}})
	cmd := h.tg.SendMessage(carolDM, carol, "/imagine a bee")
	// The result, not a preview (a photo with Cancel under it).
	hasPhoto := func(m telegramtest.Message) bool { return m.Photo != nil && callbackData(m, "p:") != "" }
	m := h.waitStatus("the result", carolDM.ID, cmd.ID, hasPhoto)

	// The images are gone: PNG says so, Reroll still works.
	st.images.Store(true)
	q := h.tg.Click(carolDM, carol, m.ID, callbackData(m, "p:"))
	if ans := h.answered(q); ans.Text != catalog.T("zh", catalog.MsgImageGone) || !ans.ShowAlert {
		t.Errorf("PNG: answer = %q (alert %v), want an alert that the image is gone", ans.Text, ans.ShowAlert)
	}
	q = h.tg.Click(carolDM, carol, m.ID, callbackData(m, "r:"))
	if ans := h.answered(q); ans.ShowAlert {
		t.Errorf("Reroll without images: answer = %q (alert), want it to work", ans.Text)
	}
	h.waitStatus("the rerolled result", carolDM.ID, m.ID, hasPhoto)

	// The whole result is gone, as after store.retention.
	st.records.Store(true)
	want := catalog.T("zh", catalog.MsgResultExpired, 30)
	for _, data := range []string{callbackData(m, "r:"), callbackData(m, "p:")} {
		q := h.tg.Click(carolDM, carol, m.ID, data)
		if ans := h.answered(q); ans.Text != want || !ans.ShowAlert {
			t.Errorf("%s: answer = %q (alert %v), want the alert %q", data, ans.Text, ans.ShowAlert, want)
		}
	}
}
