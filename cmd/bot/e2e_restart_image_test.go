package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/imaginebot/imaginebot/internal/sdsim"
	"github.com/imaginebot/imaginebot/internal/telegram/telegramtest"
)

// TestRestartImg2ImgAfterKill kills the bot process with SIGKILL while a
// job from a photo waits behind a running one, and starts it again on the
// same store file, which never kept the photo: the new process fetches the
// photo again from Telegram by its file_id and the SD server gets the same
// bytes as init_images[0]; the image comes in the request's own status
// message.
func TestRestartImg2ImgAfterKill(t *testing.T) {
	b := startBot(t, e2eOptions{child: true})
	ann := telegramtest.User{ID: b.newUserID(), FirstName: "Ann", LanguageCode: "en"}
	bob := telegramtest.User{ID: b.newUserID(), FirstName: "Bob", LanguageCode: "en"}
	dan := telegramtest.User{ID: b.newUserID(), FirstName: "Dan", LanguageCode: "en"}

	// ann's job hangs on the server until the bot dies.
	b.sd.Sim().SetFault(sdsim.Fault{Kind: sdsim.FaultHang, Path: txt2imgPath, Times: 1})
	b.tgImagineAs(ann, "ann 1")
	b.eventually("ann's job on the SD server", func() bool {
		return slices.Contains(txt2imgPrompts(b.t, b.sd.Sim()), "ann 1")
	})
	// bob's request waits first; dan's from a photo behind it.
	bobReq := b.tgImagineAs(bob, "bob 1")
	bobStatus := b.tgWaitReply("bob's job queued", bobReq, func(m telegramtest.Message) bool { return strings.Contains(m.Text, "you are next") })
	chat := telegramtest.Chat{ID: dan.ID, Type: telegramtest.ChatPrivate}
	photo := gradientPNG(t, 320, 240)
	cmd := b.tg.SendMessage(chat, dan, "/imagine a fox from my photo", telegramtest.WithPhoto("fox.png", photo))
	r := tgRequest{user: dan, chat: chat, cmd: cmd.ID}
	b.mu.Lock()
	b.requests = append(b.requests, request{tg: r})
	b.mu.Unlock()
	b.tgWaitReply("dan's job queued", r, func(m telegramtest.Message) bool { return strings.Contains(m.Text, "position 2") })
	// bob cancels: dan's status message moves up. It is edited only after
	// its id was saved in the store, so the next process knows it.
	b.tg.Click(bobReq.chat, bob, bobStatus.ID, buttonData(t, bobStatus, "✖"))
	status := b.tgWaitReply("dan's job next", r, func(m telegramtest.Message) bool { return strings.Contains(m.Text, "you are next") })
	b.kill()
	b.sd.Sim().Reset()

	b.startChild()
	if m := b.tgWaitImage(r); m.ID != status.ID {
		t.Errorf("the image came in message %d, want the status message %d", m.ID, status.ID)
	}
	recs := sdRecords(b.sd.Sim(), "/sdapi/v1/img2img")
	if len(recs) != 1 || !bytes.Equal(recs[0].InitImage, photo) {
		t.Errorf("%d img2img requests after the restart; want one whose init_images[0] is dan's photo", len(recs))
	}
	b.requireNothingLost()
}
