package telegram

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/imagine/imaginetest"
	"github.com/imaginebot/imaginebot/internal/telegram/telegramtest"
)

// TestRefusedResultEndsInAMessage: when Telegram refuses every way of
// sending the finished image, the user still gets a message saying so,
// with the caption, and no status message is left showing progress.
func TestRefusedResultEndsInAMessage(t *testing.T) {
	tests := []struct {
		name    string
		from    telegramtest.User
		args    string
		methods []string
		refusal string
		want    string
	}{
		{"photo processing failed", alice, "", []string{"editMessageMedia", "sendPhoto", "sendDocument"},
			"Bad Request: IMAGE_PROCESS_FAILED", "Your image is ready, but it could not be sent here: the image file was empty or damaged."},
		{"0-byte file", alice, "", []string{"editMessageMedia", "sendPhoto", "sendDocument"},
			"Bad Request: file must be non-empty", "could not be sent here: the image file was empty or damaged."},
		{"media empty, in Chinese", carol, "", []string{"editMessageMedia", "sendPhoto", "sendDocument"},
			"Bad Request: MEDIA_EMPTY", "图片已生成，但无法发送到这里：图片文件为空或已损坏。"},
		{"no rights", alice, "", []string{"editMessageMedia", "sendPhoto", "sendDocument"},
			"Bad Request: not enough rights to send photos to the chat", "could not be sent here: the bot may not send pictures in this chat."},
		{"album refused", alice, "--n 2", []string{"sendMediaGroup"},
			"Bad Request: IMAGE_PROCESS_FAILED", "could not be sent here: the image file was empty or damaged."},
		{"something else", alice, "", []string{"editMessageMedia", "sendPhoto", "sendDocument"},
			"Bad Request: TOPIC_CLOSED", "could not be sent here: the messenger refused it (error 400)."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, options{backend: imaginetest.Options{Manual: true}})
			chat := telegramtest.Chat{ID: tt.from.ID, Type: telegramtest.ChatPrivate}
			for _, m := range tt.methods {
				h.tg.FailNextIn(chat.ID, m, http.StatusBadRequest, tt.refusal, 100)
			}
			cmd := h.tg.SendMessage(chat, tt.from, "/imagine a cat nobody may see "+tt.args)
			// The result, not the status message, meets the refusals.
			h.waitStatus("the status message", chat.ID, cmd.ID, func(telegramtest.Message) bool { return true })
			h.release()
			var got telegramtest.Message
			h.waitFor("the message about the refused image", func() bool {
				for _, m := range h.replies(chat.ID, cmd.ID) {
					if strings.Contains(text(m), tt.want) {
						got = m
						return true
					}
				}
				return false
			})
			if !strings.Contains(text(got), "a cat nobody may see\n") || !strings.Contains(text(got), "Seed") && !strings.Contains(text(got), "种子") {
				t.Errorf("message %q, want the caption with the seed too", text(got))
			}
			if callbackData(got, "r:") == "" || callbackData(got, "c:") != "" {
				t.Errorf("keyboard %v, want Reroll and no Cancel", got.Keyboard)
			}
			for _, m := range h.replies(chat.ID, cmd.ID) {
				if callbackData(m, "c:") != "" {
					t.Errorf("message %d still shows %q with a Cancel button", m.ID, text(m))
				}
			}
		})
	}
}

// TestOnePreviewRefusalDoesNotSwitchPreviewsOff: a preview refused in one
// chat (MEDIA_EMPTY) stops previews of that status message only; another
// user's job still gets photo previews, and the refused one still gets its
// image.
func TestOnePreviewRefusalDoesNotSwitchPreviewsOff(t *testing.T) {
	h := newHarness(t, options{backend: imaginetest.Options{StepDelay: 10 * time.Millisecond}})
	h.tg.FailNextIn(dm.ID, "editMessageMedia", http.StatusBadRequest, "Bad Request: MEDIA_EMPTY", 1)
	a := h.tg.SendMessage(dm, alice, "/imagine alice's cat --steps 20")
	am := h.waitDone(dm.ID, a.ID)
	if am.Photo == nil {
		t.Fatal("alice's result is not a photo")
	}
	b := h.tg.SendMessage(bobDM, bob, "/imagine bob's dog --steps 20")
	bm := h.waitDone(bobDM.ID, b.ID)
	previews := 0
	for _, e := range bm.History {
		if e.Kind == telegramtest.EditMedia && strings.Contains(e.Content.Caption, "step") {
			previews++
		}
	}
	if previews == 0 {
		t.Errorf("bob's status got no photo previews (history %s)", kinds(bm.History))
	}
	if h.a.editing.textMedia.textOnly(time.Now()) {
		t.Error("the adapter concluded that the server cannot turn text into photos")
	}
	if strings.Contains(h.logs.String(), "cannot turn text messages into photos") {
		t.Error("the log claims the server cannot turn text into photos")
	}
}

// TestOldServerIsProbedAgain: a server that refused to turn text into a
// photo is asked again once the refusal's time is up.
func TestOldServerIsProbedAgain(t *testing.T) {
	h := newHarness(t, options{fake: telegramtest.Options{NoTextToMedia: true}, backend: imaginetest.Options{StepDelay: 10 * time.Millisecond}})
	h.a.editing.textMedia.setReprobe(time.Nanosecond)
	refusedIn := func(chat int64) int {
		n := 0
		for _, c := range h.tg.CallsTo("editMessageMedia") {
			if c.Params["chat_id"] == fmt.Sprint(chat) && strings.Contains(c.Error, "there is no media in the message to edit") {
				n++
			}
		}
		return n
	}
	// Bob's job waits behind Alice's, with a text status message, while
	// Alice's meets the refusal.
	ca := h.tg.SendMessage(dm, alice, "/imagine an old-fashioned cat --steps 20")
	cb := h.tg.SendMessage(bobDM, bob, "/imagine an old-fashioned dog --steps 20")
	h.waitDone(dm.ID, ca.ID)
	if m := h.waitDone(bobDM.ID, cb.ID); m.Photo == nil {
		t.Fatal("no photo")
	}
	if refusedIn(dm.ID) == 0 || refusedIn(bobDM.ID) == 0 {
		t.Errorf("refused text-to-photo edits: %d for the first job, %d for the second; want the second to ask again", refusedIn(dm.ID), refusedIn(bobDM.ID))
	}
}

// TestGroupMigratesToSupergroup: two jobs run in a group that becomes a
// supergroup; both follow it, and their images arrive there.
func TestGroupMigratesToSupergroup(t *testing.T) {
	old := telegramtest.Chat{ID: -4242, Type: telegramtest.ChatGroup, Title: "Sketchers"}
	h := newHarness(t, options{backend: held})
	ca := h.tg.SendMessage(old, alice, "/imagine a migrating bird --steps 20")
	cb := h.tg.SendMessage(old, bob, "/imagine a migrating fish --steps 20")
	h.running(old.ID, ca.ID)
	h.waitStatus("bob's job queued", old.ID, cb.ID, func(telegramtest.Message) bool { return true })
	super := h.tg.MigrateChat(old.ID)
	h.release()
	results := func() map[string]telegramtest.Message {
		out := map[string]telegramtest.Message{}
		for _, m := range h.tg.Messages(super.ID) {
			if isResult(m) {
				for _, w := range []string{"bird", "fish"} {
					if strings.Contains(m.Caption, "a migrating "+w) {
						out[w] = m
					}
				}
			}
		}
		return out
	}
	h.waitFor("both results in the supergroup", func() bool { return len(results()) == 2 })
	for w, m := range results() {
		if m.ReplyTo != 0 {
			t.Errorf("%s: result replies to %d, a message of the old group", w, m.ReplyTo)
		}
	}
	if strings.Contains(h.logs.String(), "cancelling the job") {
		t.Error("a job was cancelled")
	}
	for _, m := range h.tg.Messages(old.ID) {
		if m.From.IsBot && m.ReplyTo == cb.ID && isResult(m) {
			t.Error("a result went to the old group")
		}
	}
	// Later messages for the old group go to the supergroup too.
	if _, moved := h.a.client.routes.route(place{chat: chatRef{id: old.ID, group: true}}); !moved {
		t.Error("the adapter does not remember the move")
	}
	cmd := h.tg.SendMessage(super, alice, "/imagine settled in")
	h.waitDone(super.ID, cmd.ID)
}

// TestTryAgainAndRerollAnswers: Try again keeps the seed and says so;
// Reroll says it takes a new one.
func TestTryAgainAndRerollAnswers(t *testing.T) {
	for _, tt := range []struct {
		who              telegramtest.User
		tryAgain, reroll string
	}{
		{alice, "Trying again with the same seed…", "Rerolling with a new seed…"},
		{carol, "正在用相同的种子重试…", "正在用新的种子重新生成…"},
	} {
		t.Run(tt.who.FirstName, func(t *testing.T) {
			h := newHarness(t, options{})
			chat := telegramtest.Chat{ID: tt.who.ID, Type: telegramtest.ChatPrivate}
			h.be.SetDown(true)
			cmd := h.tg.SendMessage(chat, tt.who, "/imagine a second chance --seed 4242")
			failed := h.waitStatus("the failure", chat.ID, cmd.ID, func(m telegramtest.Message) bool { return callbackData(m, "t:") != "" })
			h.be.SetDown(false)
			q := h.tg.Click(chat, tt.who, failed.ID, callbackData(failed, "t:"))
			if ans := h.answered(q); ans.Text != tt.tryAgain {
				t.Errorf("Try again answered %q, want %q", ans.Text, tt.tryAgain)
			}
			isDone := func(m telegramtest.Message) bool { return m.Photo != nil && callbackData(m, "r:") != "" }
			done := h.waitStatus("the result", chat.ID, failed.ID, isDone)
			if !strings.Contains(done.Caption, " 4242 ") {
				t.Errorf("caption after Try again = %q, want seed 4242", done.Caption)
			}
			q = h.tg.Click(chat, tt.who, done.ID, callbackData(done, "r:"))
			if ans := h.answered(q); ans.Text != tt.reroll {
				t.Errorf("Reroll answered %q, want %q", ans.Text, tt.reroll)
			}
			h.waitStatus("the rerolled result", chat.ID, done.ID, isDone)
		})
	}
}

// TestSecondInstanceConflict: another process polling with the same token
// is reported once in the log and in Healthy, polling backs off, and the
// recovery is noticed.
func TestSecondInstanceConflict(t *testing.T) {
	h := newHarness(t, options{})
	h.tg.SetSecondPoller(true)
	conflicts := func() []telegramtest.Call {
		var out []telegramtest.Call
		for _, c := range h.tg.CallsTo("getUpdates") {
			if c.Status == http.StatusConflict {
				out = append(out, c)
			}
		}
		return out
	}
	h.waitFor("five conflicts", func() bool { return len(conflicts()) >= 5 })
	err := h.a.Healthy(t.Context())
	if err == nil || !strings.Contains(err.Error(), "another instance of the bot is polling with this token") {
		t.Errorf("Healthy = %v, want the other instance named", err)
	}
	c := conflicts()
	if first, last := c[1].Time.Sub(c[0].Time), c[4].Time.Sub(c[3].Time); last < 3*first {
		t.Errorf("gaps between conflicting polls: first %v, fourth %v; want a growing backoff", first, last)
	}
	if n := strings.Count(h.logs.String(), "level=ERROR"); n != 1 {
		t.Errorf("%d ERROR lines, want exactly one:\n%s", n, h.logs.String())
	}
	h.tg.SetSecondPoller(false)
	cmd := h.tg.SendMessage(dm, alice, "/help") // answered once polling works
	h.waitStatus("the help", dm.ID, cmd.ID, func(telegramtest.Message) bool { return true })
	if err := h.a.Healthy(t.Context()); err != nil {
		t.Errorf("Healthy after the other instance stopped = %v, want nil", err)
	}
	if !strings.Contains(h.logs.String(), "the other instance polling with this token has stopped") {
		t.Error("the recovery is not logged")
	}
}

// TestShutdownDoesNotOverlapPolls: stopping while a long poll is open ends
// it before anything else: no getUpdates overlaps it (Telegram would
// answer 409), and the handled updates stay confirmed.
func TestShutdownDoesNotOverlapPolls(t *testing.T) {
	for i := range 3 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			h := newHarness(t, options{fake: telegramtest.Options{PollHangUpDelay: 300 * time.Millisecond}})
			cmd := h.tg.SendMessage(dm, alice, "/help")
			h.waitStatus("the help", dm.ID, cmd.ID, func(telegramtest.Message) bool { return true })
			// The next long poll confirmed the update: it is open now.
			h.waitFor("the next long poll", func() bool { return h.tg.PendingUpdates() == 0 && h.tg.OpenPolls() == 1 })
			h.stop()
			h.waitFor("the hung-up poll to end", func() bool { return h.tg.OpenPolls() == 0 })
			for _, c := range h.tg.CallsTo("getUpdates") {
				if c.Status == http.StatusConflict {
					t.Errorf("a getUpdates was answered 409 %q: two overlapped", c.Error)
				}
			}
			if n := h.tg.PendingUpdates(); n != 0 {
				t.Errorf("%d updates left unconfirmed", n)
			}
		})
	}
}

// TestRefusedFirstPreviewPostsText: a job that already has a preview when
// its status message goes out posts it as a photo; if Telegram refuses that
// photo, the status message goes out as text and the job goes on to its
// result (it used to be cancelled, and a job that had already finished then
// ended without any message).
func TestRefusedFirstPreviewPostsText(t *testing.T) {
	// retry_after counts in long units for the adapter, so that the job
	// takes a step (and has a preview) while its status message waits.
	limits := testLimits(unit)
	limits.RetryAfterUnit = 25 * unit
	h := newHarness(t, options{backend: imaginetest.Options{Manual: true}, cfg: Config{Limits: limits}})
	h.tg.FailNextIn(dm.ID, "sendMessage", http.StatusTooManyRequests, "", 1)
	h.tg.FailNextIn(dm.ID, "sendPhoto", http.StatusBadRequest, "Bad Request: IMAGE_PROCESS_FAILED", 1)
	cmd := h.tg.SendMessage(dm, alice, "/imagine a cat whose preview breaks")
	h.waitFor("the flood-limited status message", func() bool { return len(h.tg.CallsTo("sendMessage")) == 1 })
	h.be.Advance(1)
	st := h.waitStatus("the status message as text", dm.ID, cmd.ID, func(m telegramtest.Message) bool { return m.Photo == nil && strings.Contains(text(m), "step") })
	refused := 0
	for _, c := range h.tg.CallsTo("sendPhoto") {
		if c.Status == http.StatusBadRequest {
			refused++
		}
	}
	if refused != 1 {
		t.Fatalf("%d refused sendPhoto calls, want the status message's preview refused once (the test did not test anything)", refused)
	}
	if callbackData(st, "c:") == "" {
		t.Errorf("status message %q has no Cancel button", text(st))
	}
	h.release()
	done := h.waitDone(dm.ID, cmd.ID)
	if !strings.Contains(text(done), "a cat whose preview breaks") {
		t.Errorf("result %q, want the caption with the prompt", text(done))
	}
	if jobs := h.be.Jobs(); len(jobs) != 1 || jobs[0].Err != nil {
		t.Errorf("backend jobs %+v, want one that ran to its end", jobs)
	}
}
