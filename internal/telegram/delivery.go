package telegram

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// maxAlbum is the most items Telegram takes in one album.
const maxAlbum = 10

// finish delivers the job's terminal status. It is urgent and retried (see
// deliver); the core keeps what the result's buttons need. A result
// Telegram refuses still ends in a visible message saying so (see
// undeliverable): no job ends in silence. Restarting is not an end: the
// message says that the job goes on after the restart.
func (e *editor) finish(ctx context.Context, st imagine.Status) {
	loc := e.loc()
	var err error
	switch {
	case st.State == imagine.Done && (st.Result == nil || len(st.Result.Images) == 0):
		st.State, st.Err = imagine.Failed, errors.New("telegram: a finished job without images")
		fallthrough
	case st.State == imagine.Failed:
		err = e.showText(ctx, failedView(loc, e.tk.ID, st))
	case st.State == imagine.Cancelled:
		err = e.showText(ctx, view{text: catalog.T(loc, catalog.MsgCancelled)})
	case st.State == imagine.Restarting:
		// The job goes on after the restart, in this same message.
		err = e.showText(ctx, e.render(st))
	default:
		sent := false
		if len(st.Result.Images) == 1 {
			err = e.finishSingle(ctx, st)
			sent = err == nil
		} else {
			sent, err = e.finishBatch(ctx, st)
		}
		if ae := asAPIError(err); !sent && err != nil && ctx.Err() == nil && (ae == nil || ae.Code != http.StatusForbidden) {
			err = e.undeliverable(ctx, st, err)
		}
	}
	switch {
	case err == nil && st.State != imagine.Restarting:
		e.delivered = true
		e.saveRef()
	case err == nil:
	case ctx.Err() != nil:
		e.log.Warn("result abandoned at shutdown", "state", st.State.String())
	case isChatGone(err):
		e.log.Info("the chat is gone (bot blocked or removed?); result dropped", "state", st.State.String(), "err", err)
	default:
		e.log.Error("could not deliver the result", "state", st.State.String(), "err", err)
	}
}

// finishSingle turns the status message into the image with its caption
// and buttons: as a photo, as a document if Telegram refuses the photo, and
// as a new message if the status message refuses the edit.
func (e *editor) finishSingle(ctx context.Context, st imagine.Status) error {
	loc, id := e.loc(), e.tk.ID
	m := imageMedia(st.Result.Images[0], "imagine-"+id.String(), "result-"+id.String())
	v := view{text: caption(loc, st, e.req.Requester.Name), media: &m, kb: resultKeyboard(loc, id, 1, !m.doc, e.req.Kind)}
	err := e.showMedia(ctx, v)
	if err != nil && !m.doc && isPhotoRejected(err) {
		m.doc = true
		v.kb = resultKeyboard(loc, id, 1, false, e.req.Kind)
		err = e.showMedia(ctx, v)
	}
	if err != nil && ctx.Err() == nil && e.msgID != 0 && isRefused(err) && !isChatGone(err) {
		e.log.Warn("the status message refused the result; posting it anew", "err", err)
		err = e.replace(ctx, v)
	}
	return err
}

// finishBatch posts the images as albums replying to the command, then the
// caption and buttons as a new message below them (an album cannot carry a
// keyboard, and a photo cannot become a text message), and deletes the
// status message. sent reports whether the images went out.
func (e *editor) finishBatch(ctx context.Context, st imagine.Status) (sent bool, err error) {
	loc, id := e.loc(), e.tk.ID
	items := make([]media, len(st.Result.Images))
	photos := true
	for i, img := range st.Result.Images {
		items[i] = imageMedia(img, "imagine-"+id.String()+"-"+strconv.Itoa(i+1), "")
		photos = photos && !items[i].doc
	}
	err = e.sendAlbums(ctx, items, !photos)
	if err != nil && photos && isPhotoRejected(err) {
		photos = false
		err = e.sendAlbums(ctx, items, true)
	}
	if err != nil {
		return false, err
	}
	v := view{text: caption(loc, st, e.req.Requester.Name), kb: resultKeyboard(loc, id, len(items), photos, e.req.Kind)}
	if err := e.replace(ctx, v); err != nil && ctx.Err() == nil {
		// No new message: the status message above the album says it.
		e.log.Warn("could not post the caption below the album; editing the status message", "err", err)
		return true, e.showText(ctx, v)
	}
	return true, nil
}

// sendAlbums sends the items in albums of up to ten (all documents, or all
// photos: albums cannot mix them), a lone last item on its own.
func (e *editor) sendAlbums(ctx context.Context, items []media, docs bool) error {
	for start := 0; start < len(items); start += maxAlbum {
		chunk := items[start:min(start+maxAlbum, len(items))]
		for i := range chunk {
			chunk[i].doc = docs
		}
		err := e.deliver(ctx, func(ctx context.Context) error {
			_, err := e.bot.send(ctx, outgoing{at: e.at, media: chunk})
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// show makes the status message show v, as an urgent message. A status
// message someone deleted is replaced by a new one replying to the command
// (or, if that is gone too, to nobody), naming the requester.
func (e *editor) show(ctx context.Context, v view) error {
	err := e.deliver(ctx, func(ctx context.Context) error { return e.apply(ctx, v) })
	if err != nil && e.msgID != 0 && isMessageGone(err) && ctx.Err() == nil {
		e.loseStatus(err)
		err = e.deliver(ctx, func(ctx context.Context) error { return e.apply(ctx, v) })
	}
	return err
}

// showMedia is show for a view with an image. A text status message on a
// server that cannot turn text into media is replaced by a new message.
func (e *editor) showMedia(ctx context.Context, v view) error {
	if e.msgID != 0 && !e.isMedia && e.textMedia.textOnly(time.Now()) {
		return e.replace(ctx, v)
	}
	toMedia := e.msgID != 0 && !e.isMedia
	err := e.show(ctx, v)
	switch {
	case err == nil && toMedia && e.msgID != 0:
		if e.textMedia.works() {
			e.log.Info("the Bot API server turns text messages into photos again; live previews are back")
		}
	case err != nil && toMedia && e.msgID != 0 && textToMediaRefused(err):
		e.refuseTextToMedia(err)
		return e.replace(ctx, v)
	}
	return err
}

// showText is show for a text view; if the status message refuses the
// edit, the view goes out as a new message.
func (e *editor) showText(ctx context.Context, v view) error {
	err := e.show(ctx, v)
	if err != nil && ctx.Err() == nil && e.msgID != 0 && isRefused(err) && !isChatGone(err) {
		err = e.replace(ctx, v)
	}
	return err
}

// replace posts v as a new message replying to the command, then deletes
// the status message it replaces. If the new message cannot be posted, the
// status message stays as it was.
func (e *editor) replace(ctx context.Context, v view) error {
	oldChat, oldID, oldMedia, oldShown := e.at.chat, e.msgID, e.isMedia, e.shown
	e.msgID, e.isMedia, e.shown = 0, false, shown{}
	if err := e.show(ctx, v); err != nil {
		if e.msgID == 0 && e.at.chat == oldChat {
			e.msgID, e.isMedia, e.shown = oldID, oldMedia, oldShown
		}
		return err
	}
	if oldID != 0 {
		if err := e.bot.deleteMessage(ctx, oldChat, oldID); err != nil && !isGone(err) && migratedTo(err) == 0 {
			e.log.Warn("could not delete the replaced status message", "err", err)
		}
	}
	return nil
}

// undeliverable tells the user that their image was made but Telegram
// refused it, and why, in place of the status message (or in a new
// message): a finished result never disappears without a word. The
// caption (prompt, seed) and a Reroll button come along. cause is the
// refusal; the returned error is about telling the user.
func (e *editor) undeliverable(ctx context.Context, st imagine.Status, cause error) error {
	loc, id := e.loc(), e.tk.ID
	e.log.Error("Telegram refused the image; telling the user", "err", cause)
	text := texts.imageNotSent.In(loc, refusalReason(loc, cause)) + "\n\n" + caption(loc, st, e.req.Requester.Name)
	v := view{text: text, kb: resultKeyboard(loc, id, len(st.Result.Images), false, e.req.Kind)}
	return e.showText(ctx, v)
}

// refusalReason says in the user's words why Telegram refused an image.
func refusalReason(loc string, err error) string {
	ae := asAPIError(err)
	switch {
	case ae == nil:
		return texts.sendFailedNetwork.In(loc)
	case ae.Code == http.StatusRequestEntityTooLarge || descHas(err, "too big", "too large", "PHOTO_SAVE_FILE_INVALID"):
		return texts.sendTooLarge.In(loc)
	case ae.Code == http.StatusForbidden || descHas(err, "not enough rights", "CHAT_SEND_PHOTOS_FORBIDDEN", "have no rights"):
		return texts.sendNoRights.In(loc)
	case descHas(err, "IMAGE_PROCESS_FAILED", "MEDIA_EMPTY", "must be non-empty", "PHOTO_INVALID", "PHOTO_EXT_INVALID",
		"wrong type", "FILE_PARTS_INVALID", "IMAGE", "PHOTO", "file"):
		return texts.sendBadFile.In(loc)
	default:
		return texts.sendRefused.In(loc, ae.Code)
	}
}
