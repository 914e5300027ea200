package telegram

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/telegram/telegramtest"
)

// TestImg2ImgWaitingSurvivesRestart: bob's job from a photo waits behind
// alice's when the bot stops (on the SQLite store, which never keeps the
// photo). The next process fetches the photo again by the file_id the
// job's reference keeps and makes the job from the same bytes, in bob's
// one status message; a photo Telegram no longer has by then (getFile
// answers 400) ends in that message with the line that asks for it again.
func TestImg2ImgWaitingSurvivesRestart(t *testing.T) {
	for _, tt := range []struct {
		name string
		gone bool
	}{{"made from the same photo", false}, {"the photo is gone", true}} {
		t.Run(tt.name, func(t *testing.T) {
			db := openDB(t)
			h := newHarness(t, options{backend: held, svc: imagine.Config{Store: db, ShutdownTimeout: 20 * time.Millisecond}})
			running := h.tg.SendMessage(dm, alice, "/imagine a slow lighthouse --steps 40")
			h.running(dm.ID, running.ID)
			photo := picturePNG(t, 300, 200, 0)
			waiting := h.tg.SendMessage(bobDM, bob, "/imagine a red fox", telegramtest.WithPhoto("fox.png", photo))
			h.waitStatus("bob's job queued", bobDM.ID, waiting.ID, func(m telegramtest.Message) bool { return strings.Contains(text(m), "Queued") })
			poll(t, "bob's status message and photo saved", func() bool {
				r, err := db.Record(t.Context(), 2)
				if err != nil {
					return false
				}
				ref, err := decodeRef(r.Ref)
				return err == nil && ref.Status != 0 && ref.Input != nil && ref.Input.FileID == waiting.Photo.FileID
			})
			h.stop()
			if tt.gone {
				h.tg.FailNext("getFile", http.StatusBadRequest, "Bad Request: invalid file_id", 1)
			}
			getFiles := len(h.tg.CallsTo("getFile"))
			h.startAsBot()
			if tt.gone {
				want := catalog.T("en", catalog.MsgFailed, catalog.T("en", catalog.MsgInputGone))
				m := h.waitStatus("bob's job failed", bobDM.ID, waiting.ID, func(m telegramtest.Message) bool { return strings.Contains(text(m), "Failed") })
				if !strings.Contains(text(m), want) {
					t.Errorf("bob's status message says %q, want %q", text(m), want)
				}
				h.release()
				h.waitDone(dm.ID, running.ID)
				if n := len(h.jobsOf(imagine.KindImg2Img)); n != 0 {
					t.Errorf("%d img2img generations, want none", n)
				}
			} else {
				h.resultsInPlace(running, waiting)
				jobs := h.jobsOf(imagine.KindImg2Img)
				if len(jobs) != 1 || jobs[0].Params.Init == nil || !bytes.Equal(jobs[0].Params.Init.Data, photo) {
					t.Errorf("%d img2img generations; want one, from the photo bob sent", len(jobs))
				}
			}
			if n := len(h.replies(bobDM.ID, waiting.ID)); n != 1 {
				t.Errorf("the bot replied %d times to bob's command, want once (its status message)", n)
			}
			if n := len(h.tg.CallsTo("getFile")) - getFiles; n != 1 {
				t.Errorf("getFile called %d times after the restart, want once", n)
			}
		})
	}
}

// TestFailedViewWordsPictureErrors: a job that failed because its picture
// could not be fetched again after a restart says why in its status
// message, in the user's words: Telegram's own refusals (inputError) as
// well as the core's.
func TestFailedViewWordsPictureErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"download failed", fetchFailed(errors.New("telegram: file download: HTTP 502")), texts.inputFetchFailed.In("zh-hans")},
		{"over Telegram's 20 MB", &inputError{msg: texts.inputTelegramLimit}, texts.inputTelegramLimit.In("zh-hans")},
		{"file_id gone", &imagine.UserError{Kind: imagine.ErrBadImage, ID: catalog.MsgInputGone}, catalog.T("zh-hans", catalog.MsgInputGone)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := failedView("zh-hans", 7, imagine.Status{State: imagine.Failed, Err: fmt.Errorf("restore: %w", tt.err)})
			if want := catalog.T("zh-hans", catalog.MsgFailed, tt.want); v.text != want {
				t.Errorf("failed view %q, want %q", v.text, want)
			}
		})
	}
}
