package telegram

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/telegram/telegramtest"
)

// TestImg2ImgLocalBotAPI: a self-hosted Bot API server started with
// --local answers getFile with an absolute path in its working directory,
// under a folder named by the token. The bot reads the file directly when
// it can; when it cannot, the operator learns why in the log and the user
// gets one friendly line. The path, and so the token, is never logged.
func TestImg2ImgLocalBotAPI(t *testing.T) {
	h := newHarness(t, options{})
	dir := t.TempDir()
	photo := picturePNG(t, 300, 200, 0)

	t.Run("readable", func(t *testing.T) {
		h.tg.LocalFiles(dir, true)
		cmd := h.tg.SendMessage(dm, alice, "/imagine a red fox", telegramtest.WithPhoto("fox.png", photo))
		h.waitDone(dm.ID, cmd.ID)
		jobs := h.jobsOf(imagine.KindImg2Img)
		if len(jobs) != 1 || !bytes.Equal(jobs[0].Params.Init.Data, photo) {
			t.Fatalf("%d img2img jobs, want one with the photo's %d bytes read from the local file", len(jobs), len(photo))
		}
		if ds := h.tg.Downloads(); len(ds) != 0 {
			t.Errorf("downloads %+v, want none: the file is on the local disk", ds)
		}
	})
	t.Run("unreadable", func(t *testing.T) {
		h.tg.LocalFiles(filepath.Join(dir, "elsewhere"), false)
		cmd := h.tg.SendMessage(dm, alice, "/imagine a red fox", telegramtest.WithPhoto("fox2.png", photo))
		const want = "I can't fetch pictures from Telegram right now: the bot is not set up to read them. The operator can see why in the log; you can still /imagine from words alone."
		if m := h.waitReply(dm.ID, cmd.ID, "can't fetch"); text(m) != want {
			t.Errorf("reply %q, want %q", text(m), want)
		}
		if !strings.Contains(h.logs.String(), "runs with --local") {
			t.Error("the log does not tell the operator that the --local server's files cannot be read")
		}
		if n := len(h.jobsOf(imagine.KindImg2Img)); n != 1 {
			t.Errorf("%d img2img jobs, want still the one of the readable file", n)
		}
	})
	logs := h.logs.String()
	if strings.Contains(logs, h.tg.Token()) || strings.Contains(logs, dir) {
		t.Error("the log names the local file, whose path holds the token")
	}
	for _, m := range h.tg.Messages(dm.ID) {
		if strings.Contains(text(m), h.tg.Token()) || strings.Contains(text(m), dir) {
			t.Errorf("message %q names the local file", text(m))
		}
	}
}

// TestImg2ImgShutdownDuringDownload: a picture still downloading when the
// shutdown grace ends is abandoned, and the user is told the bot is
// restarting (on a context of its own: the work's has ended).
func TestImg2ImgShutdownDuringDownload(t *testing.T) {
	h := newHarness(t, options{cfg: Config{ShutdownGrace: 100 * time.Millisecond}})
	h.tg.FailDownloads(telegramtest.DownloadFault{Delay: time.Minute})
	cmd := h.tg.SendMessage(carolDM, carol, "/imagine 一只狐狸", telegramtest.WithPhoto("fox.png", picturePNG(t, 300, 200, 0)))
	h.waitFor("the getFile call", func() bool { return len(h.tg.CallsTo("getFile")) == 1 })
	h.stop()
	want := catalog.T("zh", catalog.MsgShuttingDown)
	h.replyWith(carolDM.ID, cmd.ID, want)
	if n := len(h.be.Jobs()); n != 0 {
		t.Errorf("%d backend jobs, want none", n)
	}
}

// TestImg2ImgButtonShutdownDuringDownload: so is a Reroll whose picture is
// still downloading; the press was answered already, so the presser gets
// a reply to the result.
func TestImg2ImgButtonShutdownDuringDownload(t *testing.T) {
	h := newHarness(t, options{cfg: Config{ShutdownGrace: 100 * time.Millisecond}})
	cmd := h.tg.SendMessage(carolDM, carol, "/imagine 一只狐狸", telegramtest.WithPhoto("fox.png", picturePNG(t, 300, 200, 0)))
	res := h.waitStatus("the result", carolDM.ID, cmd.ID, func(m telegramtest.Message) bool { return m.Photo != nil && callbackData(m, "r:") != "" })
	h.tg.FailDownloads(telegramtest.DownloadFault{Delay: time.Minute})
	h.answered(h.tg.Click(carolDM, carol, res.ID, callbackData(res, "r:")))
	h.waitFor("the second getFile call", func() bool { return len(h.tg.CallsTo("getFile")) == 2 })
	h.stop()
	h.replyWith(carolDM.ID, res.ID, catalog.T("zh", catalog.MsgShuttingDown))
}
