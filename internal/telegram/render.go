package telegram

import (
	"bytes"
	"errors"
	"html"
	"image"
	"image/jpeg"
	_ "image/png" // image formats whose size photoFits can read
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagefile"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// Telegram's length limits, in UTF-16 code units after entity parsing.
const (
	maxText    = 4096
	maxCaption = 1024
)

// Telegram's limits for an upload sent as a photo; anything else goes as a
// document.
const (
	maxPhotoBytes = 10 << 20
	maxPhotoSides = 10000 // width + height
	maxPhotoRatio = 20
)

// escape makes plain text safe for parse_mode HTML.
func escape(s string) string { return html.EscapeString(s) }

// clip cuts plain text to at most n UTF-16 code units (Telegram's
// "characters"), marking the cut with "…". Cut before escaping, so that no
// entity is split.
func clip(s string, n int) string {
	if utf16Len(s) <= n {
		return s
	}
	units := 0
	for i, r := range s {
		units += utf16.RuneLen(r)
		if units > n-1 {
			return s[:i] + "…"
		}
	}
	return s
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r == utf8.RuneError {
			n++
			continue
		}
		n += utf16.RuneLen(r)
	}
	return n
}

// view is what a status message should show: a text, or a photo or
// document with the text as its caption, and a keyboard. Text is plain;
// it is clipped and escaped when sent.
type view struct {
	text  string
	media *media
	kb    keyboard
	// mention, if set, names this requester in a first line that links to
	// them (tg://user?id=…), so that a message posted anew in a group
	// notifies them.
	mention *imagine.Requester
}

// html returns the text clipped to n characters and escaped, after the
// mention if any.
func (v view) html(n int) string {
	if v.mention == nil || v.mention.UserID == "" {
		return escape(clip(v.text, n))
	}
	name := clip(v.mention.Name, 64)
	link := `<a href="tg://user?id=` + escape(v.mention.UserID) + `">` + escape(name) + "</a>\n"
	return link + escape(clip(v.text, n-utf16Len(name)-1))
}

// shown is what a status message shows, to skip edits that change nothing.
type shown struct {
	text     string
	mediaKey string
	markup   string
}

func (v view) shown() shown {
	s := shown{text: v.text, markup: v.kb.markup()}
	if v.media != nil {
		s.mediaKey = v.media.key
	}
	return s
}

// render turns a queued or running status into a view: the queue line or
// the progress line with a Cancel button, over the latest preview once
// there is one; for a job that came back after a restart, a line saying
// so above. Restarting (the bot stops; the job goes on after the restart)
// keeps the Cancel button, which works after the restart.
func (e *editor) render(st imagine.Status) view {
	loc := e.loc()
	kb := cancelKeyboard(loc, e.tk.ID)
	switch st.State {
	case imagine.Restarting:
		if st.Rerun {
			return view{text: catalog.T(loc, catalog.MsgRestartingRerun), kb: kb}
		}
		return view{text: catalog.T(loc, catalog.MsgRestarting), kb: kb}
	case imagine.Queued:
		return view{text: restartNote(loc, st) + kindNote(loc, st) + imagine.QueueLine(loc, st), kb: kb}
	}
	v := view{text: restartNote(loc, st) + kindNote(loc, st) + imagine.ProgressLine(loc, st), kb: kb}
	if st.Preview == nil || !e.previews() {
		return v
	}
	key := "preview-" + strconv.Itoa(st.PreviewSeq)
	if e.preview == nil || e.preview.key != key {
		// Encode each preview once, however often the status is rendered.
		data, name, ok := previewPhoto(st.Preview)
		e.preview = &media{data: data, name: name, key: key}
		if !ok {
			e.preview.data = nil
		}
	}
	if e.preview.data != nil {
		v.media = e.preview
	}
	return v
}

// restartNote is the line above the status of a job that came back after
// a restart: it kept its place, or (Rerun) it is made again.
func restartNote(loc string, st imagine.Status) string {
	switch {
	case st.Rerun:
		return catalog.T(loc, catalog.MsgRestartedRerun) + "\n"
	case st.Restarted && st.State == imagine.Queued:
		return catalog.T(loc, catalog.MsgRestarted) + "\n"
	}
	return ""
}

// kindNote is the line above the status of a job that is not a plain
// txt2img: it started from the user's picture, is an upscale or a
// variation (imagine.KindLine).
func kindNote(loc string, st imagine.Status) string {
	if k := imagine.KindLine(loc, st.Params); k != "" {
		return k + "\n"
	}
	return ""
}

func cancelKeyboard(loc string, id imagine.JobID) keyboard {
	return keyboard{{{Text: catalog.T(loc, catalog.MsgBtnCancel), Data: press{act: actCancel, job: id}.data()}}}
}

// resultKeyboard offers, under a result of images, 🎲 Reroll, for images
// sent as photos (which Telegram re-encodes) the original PNG, and per
// image ⬆ Upscale and 🎨 Vary: one row of each kind, four to a row, with
// short numbered labels for a batch. An upscale's result gets only its
// PNG: there is nothing to sample again.
func resultKeyboard(loc string, id imagine.JobID, images int, pngs bool, kind imagine.JobKind) keyboard {
	png := button{Text: texts.btnPNG.In(loc), Data: press{act: actPNG, job: id}.data()}
	if kind == imagine.KindUpscale {
		if pngs {
			return keyboard{{png}}
		}
		return nil
	}
	kb := keyboard{{{Text: catalog.T(loc, catalog.MsgBtnReroll), Data: press{act: actReroll, job: id}.data()}}}
	if images == 1 {
		if pngs {
			kb[0] = append(kb[0], png)
		}
		return append(kb, []button{
			{Text: texts.btnUpscale.In(loc), Data: press{act: actUpscale, job: id}.data()},
			{Text: texts.btnVary.In(loc), Data: press{act: actVary, job: id}.data()},
		})
	}
	perImage := func(act action, label catalog.Text) {
		var row []button
		for i := range images {
			row = append(row, button{Text: label.In(loc, i+1), Data: press{act: act, job: id, n: i}.data()})
			if len(row) == 4 || i == images-1 {
				kb, row = append(kb, row), nil
			}
		}
	}
	if pngs {
		perImage(actPNG, texts.btnPNGN)
	}
	perImage(actUpscale, texts.btnUpscaleN)
	perImage(actVary, texts.btnVaryN)
	return kb
}

// failedView shows why a job failed (a picture it could not fetch again
// after a restart too: see describe), with a Try again button unless the bot
// is restarting (the button would not survive the restart).
func failedView(loc string, id imagine.JobID, st imagine.Status) view {
	v := view{text: catalog.T(loc, catalog.MsgFailed, describe(st.Err, loc))}
	if !errors.Is(st.Err, imagine.ErrShuttingDown) {
		v.kb = keyboard{{{Text: catalog.T(loc, catalog.MsgBtnTryAgain), Data: press{act: actRetry, job: id}.data()}}}
	}
	return v
}

// caption renders a finished job's caption, shortening the prompt so that
// the whole fits in a caption.
func caption(loc string, st imagine.Status, who string) string {
	runes := maxCaption
	for range 4 {
		c := imagine.Caption(loc, st, runes, who)
		over := utf16Len(c) - maxCaption
		if over <= 0 {
			return c
		}
		runes -= over + 1
		if runes < 16 {
			break
		}
	}
	return clip(imagine.Caption(loc, st, 16, imagine.Shorten(who, 32)), maxCaption)
}

// photoFits reports whether Telegram accepts the image as a photo: at most
// 10 MB, width + height at most 10000, sides at most 20:1, and a format it
// can read.
func photoFits(b []byte) bool {
	if len(b) == 0 || len(b) > maxPhotoBytes {
		return false
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return false
	}
	w, h := cfg.Width, cfg.Height
	return w > 0 && h > 0 && w+h <= maxPhotoSides && max(w, h) <= maxPhotoRatio*min(w, h)
}

// imageMedia returns the media for an image: a photo if Telegram takes it
// as one, else a document.
func imageMedia(b []byte, base, key string) media {
	return media{data: b, name: base + imageExt(b), doc: !photoFits(b), key: key}
}

// imageExt returns an image's file extension with its dot, e.g. ".png".
func imageExt(b []byte) string {
	ext, _ := imagefile.Ext(b)
	return "." + ext
}

// Live previews are shrunk to a JPEG of at most previewSide pixels on the
// long side before upload: an A1111 preview is a full-size PNG of up to a
// few MB, sent about once a second per running job, while Telegram shows it
// small and re-encodes it anyway.
const (
	previewSide    = 640
	previewQuality = 80
)

// previewPhoto returns the preview to upload as a photo and its file name,
// or ok false if it cannot be shown.
func previewPhoto(b []byte) (data []byte, name string, ok bool) {
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return b, "preview" + imageExt(b), photoFits(b)
	}
	var out bytes.Buffer
	if err := jpeg.Encode(&out, imagefile.Shrink(img, previewSide), &jpeg.Options{Quality: previewQuality}); err != nil {
		return b, "preview" + imageExt(b), photoFits(b)
	}
	if out.Len() >= len(b) && photoFits(b) {
		return b, "preview" + imageExt(b), true // already small
	}
	return out.Bytes(), "preview.jpg", photoFits(out.Bytes())
}
