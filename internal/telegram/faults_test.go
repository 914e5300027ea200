package telegram

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/imagine/imaginetest"
	"github.com/imaginebot/imaginebot/internal/telegram/telegramtest"
)

// TestBackendFailures: each kind of backend failure ends in its sentence
// and a Try again button that runs the same request once the backend
// recovers. (The SD errors behind these kinds are mapped in sdbackend and
// tested through the simulator in cmd/bot's end-to-end suite.)
func TestBackendFailures(t *testing.T) {
	tests := []struct {
		name string
		fail func(*imaginetest.Backend)
		want string
	}{
		{"down", func(b *imaginetest.Backend) { b.SetDown(true) }, "Failed: The image server is not reachable right now."},
		{"out of memory", func(b *imaginetest.Backend) {
			b.FailNext(imaginetest.Failure{Err: imagine.ErrOutOfMemory, AfterStep: 3})
		}, "Failed: The image server ran out of GPU memory."},
		{"rejected", func(b *imaginetest.Backend) {
			b.FailNext(imaginetest.Failure{Err: &imagine.RejectedError{Reason: "steps", Err: errors.New("422 Unprocessable Entity")}})
		}, "Failed: The image server rejected the request: steps"},
		{"no image", func(b *imaginetest.Backend) {
			b.FailNext(imaginetest.Failure{Err: imagine.ErrNoImage, AfterStep: 8})
		}, "Failed: The image server returned no image."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, options{})
			tt.fail(h.be)
			cmd := h.tg.SendMessage(dm, alice, "/imagine a doomed cat")
			m := h.waitStatus("the failure", dm.ID, cmd.ID, func(m telegramtest.Message) bool { return strings.HasPrefix(text(m), "Failed") })
			if !strings.HasPrefix(text(m), tt.want) {
				t.Errorf("status = %q, want %q", text(m), tt.want)
			}
			data := callbackData(m, "t:")
			if data == "" {
				t.Fatalf("keyboard = %v, want Try again", m.Keyboard)
			}
			// The server recovers; Try again runs the same request.
			h.be.SetDown(false)
			q := h.tg.Click(dm, alice, m.ID, data)
			h.answered(q)
			if re := h.waitDone(dm.ID, m.ID); !strings.HasPrefix(re.Caption, "a doomed cat\n") {
				t.Errorf("retried caption = %q", re.Caption)
			}
		})
	}
}

// editsOf returns the edit calls made for one message.
func editsOf(calls []telegramtest.Call, id int) []telegramtest.Call {
	var out []telegramtest.Call
	for _, c := range calls {
		if strings.HasPrefix(c.Method, "editMessage") && c.Params["message_id"] == strconv.Itoa(id) {
			out = append(out, c)
		}
	}
	return out
}

func TestDeletedStatusMessage(t *testing.T) {
	tests := []struct {
		name       string
		chat       telegramtest.Chat
		delCommand bool // the command message is deleted too
	}{
		{"private chat", dm, false},
		{"group, command deleted too", group, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Steps take time, so that the job goes on after the deletion
			// with previews the adapter must not try to show.
			h := newHarness(t, options{backend: imaginetest.Options{StepDelay: 10 * time.Millisecond}})
			if tt.chat.Type != telegramtest.ChatPrivate {
				h.tg.SetAdmins(tt.chat.ID, admin)
			}
			cmd := h.tg.SendMessage(tt.chat, alice, "/imagine a painting an admin tidied away --steps 30")
			st := h.waitStatus("running", tt.chat.ID, cmd.ID, func(m telegramtest.Message) bool { return strings.Contains(text(m), "step") })
			h.tg.DeleteMessage(tt.chat.ID, st.ID)
			if tt.delCommand {
				h.tg.DeleteMessage(tt.chat.ID, cmd.ID)
			}
			// The job goes on; its image arrives as a new message.
			var got telegramtest.Message
			h.waitFor("the result as a new message", func() bool {
				for _, m := range h.tg.Messages(tt.chat.ID) {
					if m.From.IsBot && m.ID > st.ID && isResult(m) {
						got = m
						return true
					}
				}
				return false
			})
			wantReply := cmd.ID
			if tt.delCommand {
				wantReply = 0
			}
			if got.ReplyTo != wantReply {
				t.Errorf("result replies to %d, want %d", got.ReplyTo, wantReply)
			}
			mentioned := false
			for _, e := range got.Entities {
				mentioned = mentioned || e.URL == "tg://user?id=1001"
			}
			if tt.chat.Type != telegramtest.ChatPrivate && (!mentioned || !strings.HasPrefix(got.Caption, "Alice\na painting")) {
				t.Errorf("result caption %q, entities %v: want it to mention Alice by a tg://user link", got.Caption, got.Entities)
			}
			if jobs := h.be.Jobs(); len(jobs) != 1 || jobs[0].Err != nil || jobs[0].Steps != 30 {
				t.Errorf("backend jobs %+v, want one that ran its 30 steps uninterrupted", jobs)
			}
			var failed int
			for _, c := range editsOf(h.tg.Calls(), st.ID) {
				if c.Error != "" {
					failed++
				}
			}
			if failed != 1 {
				t.Errorf("%d failed edits of the deleted message, want exactly 1 (no retry storm)", failed)
			}
			if !strings.Contains(h.logs.String(), "the status message was deleted; the job goes on") {
				t.Error("the log does not say what happened to the status message")
			}
		})
	}
}

func TestFloodStorm(t *testing.T) {
	// The adapter ignores the limits; the fake enforces Telegram's, scaled.
	h := newHarness(t, options{noLimits: true, svc: imagine.Config{PerUser: 3, MaxQueue: 100}})
	type job struct {
		chat telegramtest.Chat
		cmd  int
	}
	var jobs []job
	for i := range 8 {
		u := telegramtest.User{ID: int64(3000 + i), FirstName: fmt.Sprint("U", i)}
		chat := group
		if i%2 == 0 {
			chat = telegramtest.Chat{ID: u.ID, Type: telegramtest.ChatPrivate}
		}
		for k := range 2 {
			cmd := h.tg.SendMessage(chat, u, fmt.Sprintf("/imagine storm %d/%d", i, k))
			jobs = append(jobs, job{chat, cmd.ID})
		}
	}
	for _, j := range jobs {
		h.waitDone(j.chat.ID, j.cmd)
	}
	n429 := h.tg.Count429()
	calls := len(h.tg.Calls())
	t.Logf("%d jobs, %d calls, %d answers were 429", len(jobs), calls, n429)
	if n429 == 0 {
		t.Error("no 429 answers: the storm did not happen")
	}
	if calls > 12*len(jobs) {
		t.Errorf("%d calls for %d jobs: a retry storm", calls, len(jobs))
	}
}

func TestFlood429OnResult(t *testing.T) {
	h := newHarness(t, options{backend: imaginetest.Options{Manual: true}})
	h.tg.FailNext("editMessageMedia", http.StatusTooManyRequests, "", 3)
	cmd := h.tg.SendMessage(dm, alice, "/imagine a stubborn cat")
	// The result is edited into the status message: the 429s meet it.
	h.waitStatus("the status message", dm.ID, cmd.ID, func(telegramtest.Message) bool { return true })
	h.release()
	h.waitDone(dm.ID, cmd.ID)
	if n := h.tg.Count429(); n < 3 {
		t.Errorf("%d 429s, want the 3 injected ones", n)
	}
}

func TestServerErrorsAreRetried(t *testing.T) {
	// The job waits, so that its status message is a text (sendMessage)
	// that meets the two 502s, not the finished image.
	h := newHarness(t, options{backend: imaginetest.Options{Manual: true}})
	h.tg.FailNext("sendMessage", http.StatusBadGateway, "Bad Gateway", 2)
	cmd := h.tg.SendMessage(dm, alice, "/imagine a patient cat")
	h.waitStatus("the status message", dm.ID, cmd.ID, func(telegramtest.Message) bool { return true })
	failed := 0
	for _, c := range h.tg.CallsTo("sendMessage") {
		if c.Status == http.StatusBadGateway {
			failed++
		}
	}
	if failed != 2 {
		t.Errorf("%d sendMessage calls answered 502, want the 2 injected ones before the status message", failed)
	}
	h.release()
	h.waitDone(dm.ID, cmd.ID)
}

func TestOldServerWithoutTextToMedia(t *testing.T) {
	h := newHarness(t, options{fake: telegramtest.Options{NoTextToMedia: true}, backend: imaginetest.Options{StepDelay: 10 * time.Millisecond}})
	cmd := h.tg.SendMessage(dm, alice, "/imagine an old-fashioned cat --steps 20")
	m := h.waitDone(dm.ID, cmd.ID)
	if r := h.replies(dm.ID, cmd.ID); len(r) != 1 {
		t.Errorf("%d replies, want only the result (the text status deleted)", len(r))
	}
	if m.Photo == nil {
		t.Error("no photo")
	}
	// The next job knows: no more refused media edits.
	before := 0
	for _, c := range h.tg.CallsTo("editMessageMedia") {
		if c.Error != "" {
			before++
		}
	}
	cmd2 := h.tg.SendMessage(dm, alice, "/imagine another --steps 20")
	h.waitDone(dm.ID, cmd2.ID)
	after := 0
	for _, c := range h.tg.CallsTo("editMessageMedia") {
		if c.Error != "" {
			after++
		}
	}
	if after != before {
		t.Errorf("%d more refused media edits for the second job, want none", after-before)
	}
}
