package discord

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
	"github.com/imaginebot/imaginebot/internal/imagefile"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// The limits of users' pictures in these tests: small, so that the
// pictures at and just over them are cheap.
const (
	testMaxBytes  = 20000
	testMaxPixels = 64 * 64
)

// picturePNG returns a w×h PNG, padded after its end to size bytes when
// size > 0 (readers stop at IEND; the byte limit counts the whole file).
func picturePNG(t testing.TB, w, h, size int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	img.Set(0, 0, color.NRGBA{R: 200, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if size > 0 {
		if buf.Len() > size {
			t.Fatalf("a %dx%d PNG has %d bytes, more than %d", w, h, buf.Len(), size)
		}
		buf.Write(make([]byte, size-buf.Len()))
	}
	return buf.Bytes()
}

// animatedPNG returns an APNG: an acTL chunk after the IHDR.
func animatedPNG(t testing.TB) []byte {
	p := picturePNG(t, 16, 16, 0)
	const afterIHDR = 8 + 12 + 13
	body := []byte{0, 0, 0, 2, 0, 0, 0, 0}
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	chunk = append(chunk, "acTL"...)
	chunk = append(chunk, body...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(append([]byte("acTL"), body...)))
	return append(append(append([]byte{}, p[:afterIHDR]...), chunk...), p[afterIHDR:]...)
}

func gifPicture(t testing.TB) []byte {
	var buf bytes.Buffer
	if err := gif.Encode(&buf, image.NewPaletted(image.Rect(0, 0, 8, 8), color.Palette{color.Black, color.White}), nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func pictureSettings() imagine.Settings {
	s := testSettings()
	s.Limits.Input = imagine.InputLimits{MaxBytes: testMaxBytes, MaxPixels: testMaxPixels}
	s.CheckInput = imagefile.InputChecker(s.Limits.Input)
	return s
}

// TestPictures runs the img2img, upscale and variation tests against one
// adapter whose picture limits are small.
func TestPictures(t *testing.T) {
	t.Parallel()
	s := pictureSettings()
	e := newEnv(t, envOptions{settings: &s, perUser: 3, cfg: Config{DownloadTimeout: 500 * time.Millisecond}})
	for _, tt := range []struct {
		name string
		f    func(*testing.T, *env)
	}{
		{"img2img by the image option", testImageOption},
		{"strength", testStrength},
		{"bad pictures", testBadPictures},
		{"context menu and form", testFromImage},
		{"rerun fetches the picture again", testRerunPicture},
		{"upscale each image of a batch", testUpscaleBatch},
		{"vary", testVary},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.f(t, e.sub(t)) })
	}
	// Signed links are nobody's business in a log (tokens are checked by the env).
	if logs := e.logs.String(); strings.Contains(logs, "hm=") || strings.Contains(logs, "/attachments/") {
		t.Error("a picture's link appears in the logs")
	}
}

// imagineWith dispatches /imagine with a picture.
func (e *env) imagineWith(user, prompt string, pic discordtest.Upload, opts ...discordtest.Option) *discordtest.Interaction {
	e.t.Helper()
	return e.imagine(user, prompt, append([]discordtest.Option{{Name: "image", Value: pic}}, opts...)...)
}

// jobsRun returns how many generations the backend started.
func (e *env) jobsRun() int { return len(e.mem.Jobs()) }

// deferredRefusal waits for an interaction answered with a public deferred
// response that then became the text of a refusal, and returns the text.
func (e *env) deferredRefusal(it *discordtest.Interaction) string {
	e.t.Helper()
	if cb := e.ack(it); cb.Type != discordtest.CallbackDeferredChannelMessage {
		e.t.Fatalf("callback type %d, want a deferred message (5)", cb.Type)
	}
	m := e.waitMessage(it, "refused", func(m discordtest.Message) bool {
		return len(m.History) > 1 && m.Flags&discordtest.FlagLoading == 0
	})
	if len(m.Attachments) != 0 || len(customIDs(m.Revision)) != 0 || strings.Contains(m.Content, "\n") {
		e.t.Errorf("refusal message %s, want one line", describe(m))
	}
	return m.Content
}

func testImageOption(t *testing.T, e *env) {
	pic := picturePNG(t, 48, 32, 0)
	it := e.imagineWith("9101", "a castle", discordtest.Upload{Filename: "castle.png", Data: pic})
	if cb := e.ack(it); cb.Type != discordtest.CallbackDeferredChannelMessage {
		t.Fatalf("callback type %d, want 5", cb.Type)
	}
	m := e.waitFinal(it)
	p := e.job("a castle").Params
	if p.Kind != imagine.KindImg2Img || p.Init == nil || !bytes.Equal(p.Init.Data, pic) || p.Strength != imagine.DefaultStrength {
		t.Fatalf("params kind %v strength %v init %v, want an img2img of the picture at 0.6", p.Kind, p.Strength, p.Init != nil)
	}
	if p.Width <= p.Height {
		t.Errorf("size %dx%d, want the picture's landscape shape", p.Width, p.Height)
	}
	line := imagine.KindLine("en", p)
	if cap := embeds(m.Revision)[0].Description; !strings.HasPrefix(cap, line) {
		t.Errorf("caption %q, want it to begin with %q", cap, line)
	}
	shown := false
	for _, r := range m.History {
		shown = shown || (r.Flags&discordtest.FlagLoading == 0 && strings.HasPrefix(r.Content, line+"\n"))
	}
	if !shown {
		t.Errorf("no queued or running status said %q:\n%s", line, describe(m))
	}
}

func testStrength(t *testing.T, e *env) {
	pic := discordtest.Upload{Filename: "p.png", Data: picturePNG(t, 32, 32, 0)}
	for _, tt := range []struct {
		prompt string
		opts   []discordtest.Option
		want   float64
	}{
		{"strength option", []discordtest.Option{{Name: "strength", Value: 0.3}}, 0.3},
		{"inline strength --strength 0.8", nil, 0.8},
		{"both strengths --strength 0.8", []discordtest.Option{{Name: "strength", Value: 0.25}}, 0.25},
		{"exact strength --strength 1", nil, 1},
	} {
		e.waitFinal(e.imagineWith("9102", tt.prompt, pic, tt.opts...))
		if p := e.job(tt.prompt[:10]).Params; p.Strength != tt.want {
			t.Errorf("%s: strength %v, want %v", tt.prompt, p.Strength, tt.want)
		}
	}
	before := e.jobsRun()
	got := e.ephemeral(e.imagineWith("9102", "too strong --strength 1.5", pic))
	if want := "--strength"; !strings.Contains(got, want) || !strings.Contains(got, "1.5") {
		t.Errorf("--strength 1.5 answered %q", got)
	}
	got = e.ephemeral(e.imagine("9102", "no picture", discordtest.Option{Name: "strength", Value: 0.5}))
	if want := catalog.T("en", catalog.MsgStrengthNoImage); got != want {
		t.Errorf("strength without a picture answered %q, want %q", got, want)
	}
	if e.jobsRun() != before {
		t.Error("a refused request reached the backend")
	}
}

func testBadPictures(t *testing.T, e *env) {
	foreign := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(picturePNG(t, 8, 8, 0))
	}))
	defer foreign.Close()
	var foreignHits atomic.Int32
	foreign.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { foreignHits.Add(1) })

	small := picturePNG(t, 16, 16, 0)
	mb := func(n int64) string { return imagefile.ByteSize(n) }
	type answer int
	const (
		ephemeral answer = iota // refused from Discord's metadata: nothing downloaded
		deferred                // refused once downloaded
	)
	tests := []struct {
		name    string
		up      discordtest.Upload
		fault   *discordtest.FileFault
		modify  func(att map[string]any)
		answer  answer
		want    string
		fetches int
	}{
		{"not an image", discordtest.Upload{Filename: "notes.txt", Data: []byte("just words")}, nil, nil, ephemeral,
			catalog.T("en", catalog.MsgInputNotImage), 0},
		{"over the bytes by its size", discordtest.Upload{Filename: "big.png", Data: picturePNG(t, 16, 16, testMaxBytes+1)}, nil, nil, ephemeral,
			catalog.T("en", catalog.MsgInputTooBig, mb(testMaxBytes+1), mb(testMaxBytes)), 0},
		{"over the bytes once read", discordtest.Upload{Filename: "liar.png", Data: small},
			&discordtest.FileFault{Body: picturePNG(t, 16, 16, testMaxBytes+1)}, nil, deferred, texts.TooBigRead.In("en", mb(testMaxBytes)), 1},
		{"over the pixels", discordtest.Upload{Filename: "tall.png", Data: picturePNG(t, 17, 241, 0)}, nil, nil, ephemeral,
			catalog.T("en", catalog.MsgInputTooManyPixels, 17, 241, 1), 0},
		{"over the pixels once read", discordtest.Upload{Filename: "p.png", Data: small},
			&discordtest.FileFault{Body: picturePNG(t, 65, 64, 0)}, nil, deferred, catalog.T("en", catalog.MsgInputTooManyPixels, 65, 64, 1), 1},
		{"animated", discordtest.Upload{Filename: "anim.png", Data: animatedPNG(t)}, nil, nil, deferred,
			catalog.T("en", catalog.MsgInputAnimated), 1},
		{"unsupported format", discordtest.Upload{Filename: "cat.gif", Data: gifPicture(t)}, nil, nil, ephemeral,
			catalog.T("en", catalog.MsgInputFormat, "GIF"), 0},
		{"unsupported format once read", discordtest.Upload{Filename: "cat.png", Data: gifPicture(t), ContentType: "image/png"}, nil, nil, deferred,
			catalog.T("en", catalog.MsgInputFormat, "GIF"), 1},
		{"wrong content", discordtest.Upload{Filename: "p.png", Data: small}, &discordtest.FileFault{Body: []byte("<html>login</html>")}, nil, deferred,
			catalog.T("en", catalog.MsgInputNotImage), 1},
		{"a link on a foreign host", discordtest.Upload{Filename: "p.png", Data: small}, nil,
			func(att map[string]any) { att["url"] = foreign.URL + "/p.png" }, ephemeral, texts.ForeignImage.In("en"), 0},
		{"a plain-http CDN link", discordtest.Upload{Filename: "p.png", Data: small}, nil,
			func(att map[string]any) { att["url"] = "http://cdn.discordapp.com/attachments/1/2/p.png" }, ephemeral, texts.ForeignImage.In("en"), 0},
		{"download fails", discordtest.Upload{Filename: "p.png", Data: small}, &discordtest.FileFault{Status: http.StatusInternalServerError}, nil, deferred,
			texts.DownloadFailed.In("en"), 1},
		{"download hangs", discordtest.Upload{Filename: "p.png", Data: small}, &discordtest.FileFault{Delay: time.Minute}, nil, deferred,
			texts.DownloadFailed.In("en"), 1},
		{"the link is gone", discordtest.Upload{Filename: "p.png", Data: small}, &discordtest.FileFault{Status: http.StatusNotFound}, nil, deferred,
			catalog.T("en", catalog.MsgInputGone), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := e.sub(t)
			if tt.fault != nil {
				e.srv.SetFileFault("", *tt.fault)
				defer e.srv.SetFileFault("", discordtest.FileFault{})
			}
			before, fetched := e.jobsRun(), len(e.srv.FileFetches())
			it := e.interact(discordtest.InteractSpec{Name: "imagine", UserID: "9103", Options: []discordtest.Option{
				{Name: "prompt", Value: "bad " + tt.name}, {Name: "image", Value: tt.up}},
				Modify: func(p map[string]any) {
					if tt.modify == nil {
						return
					}
					for _, att := range p["data"].(map[string]any)["resolved"].(map[string]map[string]any)["attachments"] {
						tt.modify(att.(map[string]any))
					}
				}})
			var got string
			if tt.answer == ephemeral {
				got = e.ephemeral(it)
			} else {
				got = e.deferredRefusal(it)
			}
			if got != tt.want {
				t.Errorf("answered %q, want %q", got, tt.want)
			}
			if n := len(e.srv.FileFetches()) - fetched; n != tt.fetches {
				t.Errorf("%d downloads, want %d", n, tt.fetches)
			}
			if e.jobsRun() != before {
				t.Error("a refused picture reached the backend")
			}
		})
	}
	if foreignHits.Load() != 0 {
		t.Errorf("the foreign host was asked %d times", foreignHits.Load())
	}

	// Exactly at the limits, a picture is taken.
	for _, tt := range []struct {
		name string
		data []byte
	}{{"at the bytes", picturePNG(t, 16, 16, testMaxBytes)}, {"at the pixels", picturePNG(t, 64, 64, 0)}} {
		it := e.imagineWith("9103", "limit "+tt.name, discordtest.Upload{Filename: "p.png", Data: tt.data})
		e.waitFinal(it)
		if p := e.job("limit " + tt.name).Params; p.Init == nil || !bytes.Equal(p.Init.Data, tt.data) {
			t.Errorf("%s: the picture did not reach the backend", tt.name)
		}
	}
}

// contextMenu dispatches "Imagine from this image" on a message.
func (e *env) contextMenu(user, msgID string) *discordtest.Interaction {
	e.t.Helper()
	return e.interact(discordtest.InteractSpec{Name: cmdFromImage, UserID: user, TargetID: msgID})
}

func testFromImage(t *testing.T, e *env) {
	pic := picturePNG(t, 40, 40, 0)
	msg, err := e.srv.PostUserMessage(discordtest.UserMessageSpec{ChannelID: e.ch.ID, UserID: "9104", Content: "my cat",
		Files: []discordtest.Upload{{Filename: "notes.txt", Data: []byte("text")}, {Filename: "cat.png", Data: pic}}})
	if err != nil {
		t.Fatal(err)
	}
	it := e.contextMenu("9105", msg.ID)
	if cb := e.ack(it); cb.Type != discordtest.CallbackModal {
		t.Fatalf("callback type %d (%s), want a modal (9)", cb.Type, cb.Data)
	}
	modal, _ := it.Modal()
	if len(modal.Inputs) != 2 || modal.Inputs[0].CustomID != inputPrompt || !strings.HasPrefix(modal.CustomID, modalPrefix) {
		t.Fatalf("modal = %+v", modal)
	}
	sub, err := e.srv.SubmitModal(it, discordtest.ModalSubmitSpec{Values: map[string]string{inputPrompt: "a tiger --seed 5", inputStrength: "0,4"}})
	if err != nil {
		t.Fatal(err)
	}
	e.secrets.tokens = append(e.secrets.tokens, sub.Token)
	e.waitFinal(sub)
	p := e.job("a tiger").Params
	if p.Kind != imagine.KindImg2Img || p.Init == nil || !bytes.Equal(p.Init.Data, pic) || p.Strength != 0.4 || p.Seed != 5 {
		t.Errorf("params kind %v strength %v seed %v, want the message's picture at 0.4, seed 5", p.Kind, p.Strength, p.Seed)
	}

	// A message without a picture, a form that is gone, a bad strength.
	plain, _ := e.srv.PostUserMessage(discordtest.UserMessageSpec{ChannelID: e.ch.ID, Content: "no picture here"})
	if got := e.ephemeral(e.contextMenu("9105", plain.ID)); got != texts.NoImageInMessage.In("en") {
		t.Errorf("a message without a picture answered %q", got)
	}
	big, _ := e.srv.PostUserMessage(discordtest.UserMessageSpec{ChannelID: e.ch.ID,
		Files: []discordtest.Upload{{Filename: "big.png", Data: picturePNG(t, 16, 16, testMaxBytes+1)}}})
	if got := e.ephemeral(e.contextMenu("9105", big.ID)); !strings.Contains(got, "too large") {
		t.Errorf("a message with too large a picture answered %q", got)
	}
	before := e.jobsRun()
	for _, tt := range []struct {
		name   string
		values map[string]string
		modify func(map[string]any)
		want   string
	}{
		{"expired form", map[string]string{inputPrompt: "x"}, func(p map[string]any) { p["data"].(map[string]any)["custom_id"] = modalPrefix + "gone" },
			texts.FormExpired.In("en")},
		{"bad strength", map[string]string{inputPrompt: "x", inputStrength: "lots"}, nil,
			catalog.T("en", catalog.MsgBadDecimal, optStrength, "lots")},
	} {
		it := e.contextMenu("9105", msg.ID)
		e.ack(it)
		sub, err := e.srv.SubmitModal(it, discordtest.ModalSubmitSpec{Values: tt.values, Modify: tt.modify})
		if err != nil {
			t.Fatal(err)
		}
		e.secrets.tokens = append(e.secrets.tokens, sub.Token)
		if got := e.ephemeral(sub); got != tt.want {
			t.Errorf("%s: answered %q, want %q", tt.name, got, tt.want)
		}
	}
	if e.jobsRun() != before {
		t.Error("a refused form reached the backend")
	}
}

func testRerunPicture(t *testing.T, e *env) {
	pic := picturePNG(t, 32, 32, 0)
	it := e.imagineWith("9106", "rerun owl", discordtest.Upload{Filename: "owl.png", Data: pic})
	m := e.waitFinal(it)
	reroll := e.click(m, "9107", actReroll, 0)
	e.waitFinal(reroll)
	if p := e.job("rerun owl").Params; p.Kind != imagine.KindImg2Img || p.Init == nil || !bytes.Equal(p.Init.Data, pic) || p.Seed != -1 {
		t.Errorf("reroll ran kind %v seed %v, want an img2img of the same picture with a new seed", p.Kind, p.Seed)
	}
	vary := e.click(m, "9107", actVary, 0)
	e.waitFinal(vary)
	if p := e.job("rerun owl").Params; p.Kind != imagine.KindImg2Img || p.SubseedStrength == 0 || p.Init == nil {
		t.Errorf("vary of an img2img ran kind %v subseed strength %v", p.Kind, p.SubseedStrength)
	}
	// Once Discord's link expired, the user is told to send the picture again.
	e.srv.SetFileFault("", discordtest.FileFault{Status: http.StatusNotFound})
	defer e.srv.SetFileFault("", discordtest.FileFault{})
	before := e.jobsRun()
	if got := e.deferredRefusal(e.click(m, "9107", actReroll, 0)); got != catalog.T("en", catalog.MsgInputGone) {
		t.Errorf("reroll after the link expired answered %q", got)
	}
	if e.jobsRun() != before {
		t.Error("a rerun without its picture reached the backend")
	}
}

func testUpscaleBatch(t *testing.T, e *env) {
	it := e.imagine("9108", "batch of boats", discordtest.Option{Name: "count", Value: 3})
	m := e.waitFinal(it)
	b, _ := parseButtonID(buttonWith(t, m.Revision, actUpscale, 2))
	rows := buttons(m.Revision)
	if len(rows) != 3 || len(rows[1]) != 3 || len(rows[2]) != 3 {
		t.Errorf("button rows = %v, want Reroll, then three ⬆ and three 🎨", rows)
	}
	seen := map[string]bool{}
	for i := range 3 {
		up := e.click(m, "9109", actUpscale, i)
		if cb := e.ack(up); cb.Type != discordtest.CallbackDeferredUpdateMessage {
			t.Fatalf("⬆%d answered %d", i+1, cb.Type)
		}
		var reply discordtest.Message
		err := e.srv.WaitFor(ctxT(t), func() bool {
			for _, r := range e.srv.ChannelMessages(e.ch.ID) {
				if r.ReplyTo == m.ID && !seen[r.ID] && len(r.Attachments) == 1 && len(customIDs(r.Revision)) == 0 {
					reply = r
					return true
				}
			}
			return false
		})
		if err != nil {
			t.Fatalf("no reply for ⬆%d", i+1)
		}
		seen[reply.ID] = true
		want, _ := e.svc.Image(b.job, i)
		p := e.job("batch of boats").Params
		if p.Kind != imagine.KindUpscale || p.Init == nil || !bytes.Equal(p.Init.Data, want) || reply.Attachments[0].Width != 128 {
			t.Errorf("⬆%d upscaled another image (kind %v) or not to 128px (%d)", i+1, p.Kind, reply.Attachments[0].Width)
		}
		if cap := embeds(reply.Revision)[0].Description; !strings.Contains(cap, "by <@9109>") {
			t.Errorf("⬆%d caption %q, want the presser", i+1, cap)
		}
	}
	if orig, _ := it.Original(); len(orig.History) != len(m.History) {
		t.Error("the result changed after its upscales")
	}
}

func testVary(t *testing.T, e *env) {
	it := e.imagine("9110", "varied hills --seed 77")
	m := e.waitFinal(it)
	v := e.click(m, "9111", actVary, 0)
	if cb := e.ack(v); cb.Type != discordtest.CallbackDeferredChannelMessage {
		t.Fatalf("vary answered %d", cb.Type)
	}
	vm := e.waitFinal(v)
	p := e.job("varied hills").Params
	if p.Kind != imagine.KindVary || p.Seed != 77 || p.Subseed != -1 || p.SubseedStrength != imagine.DefaultVaryStrength {
		t.Errorf("vary params kind %v seed %v subseed %v/%v", p.Kind, p.Seed, p.Subseed, p.SubseedStrength)
	}
	if cap := embeds(vm.Revision)[0].Description; !strings.HasPrefix(cap, imagine.KindLine("en", p)) {
		t.Errorf("vary caption %q", cap)
	}
}

// TestPictureAdmittedBeforeDownload: a user the bot would refuse anyway
// (the daily quota used up here) is told so at once, privately, and their
// picture is not downloaded: such users cannot keep the downloads busy.
func TestPictureAdmittedBeforeDownload(t *testing.T) {
	e := newEnv(t, envOptions{daily: 1})
	e.interact(discordtest.InteractSpec{Name: "imagine", UserID: "9301", Options: []discordtest.Option{{Name: "prompt", Value: "the one image of today"}}})
	fetched := len(e.srv.FileFetches())
	it := e.interact(discordtest.InteractSpec{Name: "imagine", UserID: "9301", Options: []discordtest.Option{
		{Name: "prompt", Value: "and one more"}, {Name: "image", Value: discordtest.Upload{Filename: "p.png", Data: picturePNG(t, 64, 64, 0)}}}})
	if got := e.ephemeral(it); !strings.HasPrefix(got, "You have made your 1 images for today.") {
		t.Errorf("answered %q, want the quota's refusal", got)
	}
	if n := len(e.srv.FileFetches()) - fetched; n != 0 {
		t.Errorf("%d downloads of an over-quota user's picture, want none", n)
	}
}
