package telegram

import (
	"bytes"
	"image/png"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/telegram/telegramtest"
)

// batchCaption waits for a batch's result and returns the message below
// its album that carries the caption and buttons.
func (h *harness) batchCaption(chat int64, cmd int) telegramtest.Message {
	h.t.Helper()
	var got telegramtest.Message
	h.waitFor("the batch's caption message", func() bool {
		for _, m := range h.replies(chat, cmd) {
			if m.Photo == nil && m.Document == nil && strings.Contains(m.Text, "Seed") && m.Keyboard != nil {
				got = m
				return true
			}
		}
		return false
	})
	return got
}

// pressedResult waits for the finished job whose status message replies
// to message id and whose caption contains want.
func (h *harness) pressedResult(chat int64, id int, want string) telegramtest.Message {
	h.t.Helper()
	var got telegramtest.Message
	h.waitFor("a result saying "+want, func() bool {
		for _, m := range h.replies(chat, id) {
			if isResult(m) && strings.Contains(m.Caption, want) {
				got = m
				return true
			}
		}
		return false
	})
	return got
}

func rowTexts(kb [][]telegramtest.Button) []string {
	var out []string
	for _, row := range kb {
		var labels []string
		for _, b := range row {
			labels = append(labels, b.Text)
		}
		out = append(out, strings.Join(labels, " "))
	}
	return out
}

// TestUpscaleEachImageOfABatch: Bob presses ⬆ under each image of Alice's
// batch: each is an upscale job of his, from exactly that image, delivered
// as a new message replying to the result, which stays.
func TestUpscaleEachImageOfABatch(t *testing.T) {
	h := newHarness(t, options{})
	cmd := h.tg.SendMessage(group, alice, "/imagine"+botTag+" three cats --n 3")
	capMsg := h.batchCaption(group.ID, cmd.ID)
	want := []string{"🎲 Reroll", "📄 PNG 1 📄 PNG 2 📄 PNG 3", "⬆1 ⬆2 ⬆3", "🎨1 🎨2 🎨3"}
	if got := rowTexts(capMsg.Keyboard); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("batch keyboard rows %q, want %q", got, want)
	}
	job, _ := parsePress(callbackData(capMsg, "u:"))
	for i := range 3 {
		q := h.tg.Click(group, bob, capMsg.ID, press{act: actUpscale, job: job.job, n: i}.data())
		if a := h.answered(q); a.Text != "Upscaling this image…" || a.ShowAlert {
			t.Errorf("answer to ⬆%d = %+v, want a toast saying it is under way", i+1, a)
		}
	}
	var results []telegramtest.Message
	h.waitFor("three upscales", func() bool {
		results = nil
		for _, m := range h.replies(group.ID, capMsg.ID) {
			if isResult(m) && strings.HasPrefix(m.Caption, "⬆ Upscaled ×2\n") {
				results = append(results, m)
			}
		}
		return len(results) == 3
	})
	ups := h.jobsOf(imagine.KindUpscale)
	if len(ups) != 3 {
		t.Fatalf("%d upscale jobs, want 3", len(ups))
	}
	seen := map[int]bool{}
	for _, j := range ups {
		for i := range 3 {
			img, err := h.svc.Image(job.job, i)
			if err == nil && bytes.Equal(j.Params.Init.Data, img) {
				seen[i] = true
			}
		}
		if j.Params.Width != 128 || j.Params.Height != 128 {
			t.Errorf("upscale to %dx%d, want 128x128 (×2)", j.Params.Width, j.Params.Height)
		}
	}
	if len(seen) != 3 {
		t.Errorf("the upscales started from images %v, want each of the three", seen)
	}
	for _, m := range results {
		img, err := png.Decode(bytes.NewReader(m.Photo.Bytes))
		if err != nil || img.Bounds().Dx() != 128 {
			t.Errorf("upscaled photo: %v, want a 128 px PNG", err)
		}
		if got := rowTexts(m.Keyboard); len(got) != 1 || got[0] != "📄 PNG" {
			t.Errorf("an upscale's keyboard %q, want only its PNG", got)
		}
	}
	if m, ok := h.tg.Message(group.ID, capMsg.ID); !ok || m.Deleted || m.Keyboard == nil {
		t.Error("the batch's result message did not stay")
	}
	recs, err := h.svc.History(h.a.requesterOf(&botUser{ID: bob.ID, FirstName: bob.FirstName}))
	if err != nil || len(recs) != 3 {
		t.Errorf("Bob's history has %d records (%v), want his 3 upscales", len(recs), err)
	}
}

// TestUpscaleTooLargeForAPhoto: an upscale beyond Telegram's photo limits
// (width + height over 10000) comes as a document.
func TestUpscaleTooLargeForAPhoto(t *testing.T) {
	h := newHarness(t, options{settings: func(s *imagine.Settings) { s.Defaults.UpscaleBy = 4 }})
	cmd := h.tg.SendMessage(dm, alice, "/imagine a huge cat --size 1280x1280 --steps 1")
	res := h.waitDone(dm.ID, cmd.ID)
	if res.Photo == nil {
		t.Fatal("the 1280x1280 result is not a photo")
	}
	h.tg.Click(dm, alice, res.ID, callbackData(res, "u:"))
	up := h.pressedResult(dm.ID, res.ID, "⬆ Upscaled ×4")
	if up.Document == nil || up.Photo != nil {
		t.Fatalf("the 5120x5120 upscale came as photo %v, document %v; want a document", up.Photo != nil, up.Document != nil)
	}
	if up.Keyboard != nil {
		t.Errorf("an upscale sent as a document has buttons %q, want none", rowTexts(up.Keyboard))
	}
}

// TestVary: 🎨 Vary runs the image's seed again with a small variation.
func TestVary(t *testing.T) {
	h := newHarness(t, options{})
	cmd := h.tg.SendMessage(group, alice, "/imagine"+botTag+" a cat --seed 42")
	res := h.waitDone(group.ID, cmd.ID)
	if got := rowTexts(res.Keyboard); strings.Join(got, "|") != "🎲 Reroll 📄 PNG|⬆ Upscale 🎨 Vary" {
		t.Errorf("single result keyboard %q, want Reroll and PNG, then Upscale and Vary", got)
	}
	q := h.tg.Click(group, bob, res.ID, callbackData(res, "v:"))
	if a := h.answered(q); a.Text != "Making variations of this image…" {
		t.Errorf("answer %+v, want a toast", a)
	}
	v := h.pressedResult(group.ID, res.ID, "🎨 Variation of seed 42")
	vs := h.jobsOf(imagine.KindVary)
	if len(vs) != 1 || vs[0].Params.Seed != 42 || vs[0].Params.SubseedStrength != imagine.DefaultVaryStrength {
		t.Fatalf("vary jobs %+v, want one of seed 42 at the default strength", vs)
	}
	if callbackData(v, "u:") == "" || callbackData(v, "v:") == "" {
		t.Errorf("a variation's keyboard %q, want Upscale and Vary again", rowTexts(v.Keyboard))
	}
}

// TestImg2ImgButtonsFetchThePictureAgain: Reroll, Vary and Try again from
// /history under an img2img result fetch the user's picture again by the
// file_id kept in the job's reference; once Telegram no longer has it, the
// presser is told to send it again.
func TestImg2ImgButtonsFetchThePictureAgain(t *testing.T) {
	h := newHarness(t, options{})
	photo := picturePNG(t, 300, 200, 0)
	cmd := h.tg.SendMessage(group, alice, "/imagine"+botTag+" a red fox", telegramtest.WithPhoto("fox.png", photo))
	res := h.waitDone(group.ID, cmd.ID)

	h.tg.Click(group, bob, res.ID, callbackData(res, "r:"))
	h.tg.Click(group, bob, res.ID, callbackData(res, "v:"))
	h.waitFor("the reroll and the variation", func() bool { return len(h.jobsOf(imagine.KindImg2Img)) == 3 })
	list := h.reply(dm, alice, "/history")
	h.tg.Click(dm, alice, list.ID, callbackData(list, "t:"))
	h.waitFor("the run from /history", func() bool { return len(h.jobsOf(imagine.KindImg2Img)) >= 4 })
	for _, j := range h.jobsOf(imagine.KindImg2Img) {
		if !bytes.Equal(j.Params.Init.Data, photo) {
			t.Errorf("job %d started from %d bytes, want the photo again", j.Seq, initLen(j.Params))
		}
	}
	if n := len(h.tg.Downloads()); n < 4 {
		t.Errorf("%d downloads, want the picture fetched for each of the 4 jobs", n)
	}

	h.tg.FailNext("getFile", 400, "Bad Request: invalid file_id", 1)
	q := h.tg.Click(group, bob, res.ID, callbackData(res, "r:"))
	if a := h.answered(q); a.ShowAlert || a.Text != texts.rerolling.In("en") {
		t.Errorf("answer %+v, want the toast before the picture is fetched", a)
	}
	h.replyWith(group.ID, res.ID, "The picture this request started from is no longer kept; please send it again.")
}

// replyWith waits for a message of the bot replying to message id that
// says exactly want.
func (h *harness) replyWith(chat int64, id int, want string) {
	h.t.Helper()
	h.waitFor("a reply saying "+want, func() bool {
		return slices.ContainsFunc(h.replies(chat, id), func(m telegramtest.Message) bool { return text(m) == want })
	})
}

// TestImg2ImgButtonAnsweredBeforeDownload: Reroll under an img2img result
// answers the press at once (Telegram keeps a press open for a few
// seconds only), then fetches the picture; a picture that cannot be
// fetched is explained in a message replying to the result, in the
// presser's language.
func TestImg2ImgButtonAnsweredBeforeDownload(t *testing.T) {
	h := newHarness(t, options{cfg: Config{DownloadTimeout: time.Second}})
	cmd := h.tg.SendMessage(carolDM, carol, "/imagine 一只狐狸", telegramtest.WithPhoto("fox.png", picturePNG(t, 300, 200, 0)))
	res := h.waitStatus("the result", carolDM.ID, cmd.ID, func(m telegramtest.Message) bool { return m.Photo != nil && callbackData(m, "r:") != "" })
	// The download hangs until the bot's download timeout.
	h.tg.FailDownloads(telegramtest.DownloadFault{Delay: time.Minute})
	q := h.tg.Click(carolDM, carol, res.ID, callbackData(res, "r:"))
	if a := h.answered(q); a.ShowAlert || a.Text != texts.rerolling.In("zh") {
		t.Errorf("answer %+v, want the toast %q at once", a, texts.rerolling.In("zh"))
	}
	h.replyWith(carolDM.ID, res.ID, texts.inputFetchFailed.In("zh"))
	if n := len(h.jobsOf(imagine.KindImg2Img)); n != 1 {
		t.Errorf("%d img2img jobs, want only the first", n)
	}
}

func TestHelpExplainsPictures(t *testing.T) {
	h := newHarness(t, options{})
	for _, tt := range []struct {
		user telegramtest.User
		want string
	}{
		{alice, "Start from a picture: send it with /imagine PROMPT."},
		{carol, "以图片为起点"},
	} {
		chat := telegramtest.Chat{ID: tt.user.ID, Type: telegramtest.ChatPrivate}
		if r := h.reply(chat, tt.user, "/help"); !strings.Contains(r.Text, tt.want) || !strings.Contains(r.Text, "--strength") {
			t.Errorf("/help for %s = %q, want the paragraph on pictures", tt.user.FirstName, r.Text)
		}
	}
}

// TestImg2ImgReferenceSurvivesRestart: the job's reference keeps the
// picture's file_id (never the picture), so Reroll works after a restart.
func TestImg2ImgReferenceSurvivesRestart(t *testing.T) {
	h := newHarness(t, options{})
	photo := picturePNG(t, 300, 200, 0)
	cmd := h.tg.SendMessage(dm, alice, "/imagine a red fox", telegramtest.WithPhoto("fox.png", photo))
	res := h.waitDone(dm.ID, cmd.ID)
	p, _ := parsePress(callbackData(res, "r:"))
	rec, err := h.svc.Record(p.job)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := decodeRef(rec.Ref)
	if err != nil || ref.Input == nil || ref.Input.FileID != cmd.Photo.FileID || bytes.Contains(rec.Ref, photo[:64]) {
		t.Fatalf("reference %s (%v), want the largest size's file_id and no picture", rec.Ref, err)
	}
	h.restart()
	h.tg.Click(dm, alice, res.ID, callbackData(res, "r:"))
	h.waitFor("the reroll after the restart", func() bool { return len(h.jobsOf(imagine.KindImg2Img)) == 2 })
	if j := h.jobsOf(imagine.KindImg2Img)[1]; !bytes.Equal(j.Params.Init.Data, photo) {
		t.Error("the reroll after the restart did not start from the photo")
	}
}

// TestCraftedImageButtons: callback data a keyboard never carries (⬆ or 🎨
// of an upscale, an image index the result does not have) gets the
// "button expired" alert and no job.
func TestCraftedImageButtons(t *testing.T) {
	h := newHarness(t, options{})
	cmd := h.tg.SendMessage(dm, alice, "/imagine a cat --seed 42")
	res := h.waitDone(dm.ID, cmd.ID)
	h.tg.Click(dm, alice, res.ID, callbackData(res, "u:"))
	up := h.pressedResult(dm.ID, res.ID, "⬆ Upscaled ×2")
	job, _ := parsePress(callbackData(res, "u:"))
	upJob, ok := parsePress(callbackData(up, "p:"))
	if !ok {
		t.Fatalf("the upscale's keyboard %q has no PNG button", rowTexts(up.Keyboard))
	}
	jobs := len(h.be.Jobs())
	want := catalog.T("en", catalog.MsgButtonExpired)
	for _, p := range []press{
		{act: actUpscale, job: upJob.job, n: 0},
		{act: actVary, job: upJob.job, n: 0},
		{act: actUpscale, job: job.job, n: 1},
		{act: actVary, job: job.job, n: 1},
		{act: actVary, job: job.job, n: 999},
	} {
		q := h.tg.ClickData(dm, alice, res.ID, p.data())
		if a := h.answered(q); !a.ShowAlert || a.Text != want {
			t.Errorf("%s: answer %+v, want the alert %q", p.data(), a, want)
		}
	}
	if n := len(h.be.Jobs()); n != jobs {
		t.Errorf("%d backend jobs after the crafted presses, want still %d", n, jobs)
	}
}
