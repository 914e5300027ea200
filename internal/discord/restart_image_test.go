package discord

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/imagine/imaginetest"
)

// TestImg2ImgWaitingSurvivesRestart: a job from a picture waits behind
// another when the bot stops (on the SQLite store, which never keeps the
// picture). The next process fetches the picture again by the link the
// job's references keep and makes the job from the same bytes, in the
// job's own message; a link that no longer works by then (404: it
// expired) ends in that message with the line that asks for the picture
// again.
func TestImg2ImgWaitingSurvivesRestart(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		gone bool
	}{{"made from the same picture", false}, {"the link expired", true}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path, clock := filepath.Join(t.TempDir(), "imaginebot.db"), &testClock{}
			db := openStore(t, path)
			s := pictureSettings()
			a := newEnv(t, envOptions{store: db, clock: clock, settings: &s, mem: imaginetest.Options{Manual: true}})
			running := a.imagine("6201", "a cat cut short")
			a.waitMessage(running, "running", func(m discordtest.Message) bool {
				return strings.HasPrefix(m.Content, catalog.T("en", catalog.MsgStarting))
			})
			pic := picturePNG(t, 48, 32, 0)
			waiting := a.imagineWith("6202", "a castle that waits", discordtest.Upload{Filename: "castle.png", Data: pic})
			a.waitMessage(waiting, "queued", func(m discordtest.Message) bool { return strings.Contains(m.Content, "Queued") })
			a.stop()
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			if tt.gone {
				a.srv.SetFileFault("", discordtest.FileFault{Status: http.StatusNotFound})
			}
			fetches := len(a.srv.FileFetches())
			b := newEnv(t, envOptions{store: openStore(t, path), clock: clock, settings: &s, after: a, mem: imaginetest.Options{Manual: true}})
			b.mem.Advance(1 << 20)
			m := b.waitFinal(waiting)
			if !strings.HasPrefix(m.Revision.Route, "PATCH /webhooks/") {
				t.Errorf("the job's message:\n%s\nwant it edited in place through the token", describe(m))
			}
			if tt.gone {
				if want := catalog.T("en", catalog.MsgFailed, catalog.T("en", catalog.MsgInputGone)); m.Content != want || len(m.Attachments) != 0 {
					t.Errorf("the job's message:\n%s\nwant %q", describe(m), want)
				}
			} else {
				if len(m.Attachments) != 1 {
					t.Errorf("the job's message:\n%s\nwant its result", describe(m))
				}
				if p := b.job("a castle that waits").Params; p.Kind != imagine.KindImg2Img || p.Init == nil || !bytes.Equal(p.Init.Data, pic) {
					t.Errorf("after the restart the job ran kind %v from a picture %v, want an img2img of the same bytes", p.Kind, p.Init != nil)
				}
			}
			if n := len(b.srv.FileFetches()) - fetches; n != 1 {
				t.Errorf("the picture was fetched %d times after the restart, want once", n)
			}
			b.waitFinal(running)
		})
	}
}

// TestFailedViewWordsPictureErrors: a job that failed because its picture
// could not be fetched again after a restart says why in its message, in
// the user's words: the adapter's own refusals (optionError) as well as
// the core's.
func TestFailedViewWordsPictureErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"download failed", &optionError{text: texts.DownloadFailed, kind: imagine.ErrBadImage}, texts.DownloadFailed.In("zh-hans")},
		{"link gone", errPictureGone, catalog.T("zh-hans", catalog.MsgInputGone)},
		{"not a picture any more", badImage(catalog.MsgInputNotImage), catalog.T("zh-hans", catalog.MsgInputNotImage)},
		{"core error", errors.New("boom"), catalog.T("zh-hans", catalog.MsgFailInternal)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := describeError(fmt.Errorf("restore: %w", tt.err), "zh-hans"), tt.want; got != want {
				t.Errorf("describeError = %q, want %q", got, want)
			}
		})
	}
}
