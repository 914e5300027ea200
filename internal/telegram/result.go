package telegram

import (
	"context"
	"errors"
	"strconv"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

// maxAlbum is the most items Telegram takes in one album.
const maxAlbum = 10

// finish delivers the job's terminal status. It is urgent and retried (see
// deliver); the state behind the result's buttons is stored first, so that
// a quick click finds it.
func (e *editor) finish(ctx context.Context, st imagine.Status) {
	loc := e.loc()
	var err error
	switch {
	case st.State == imagine.Done && (st.Result == nil || len(st.Result.Images) == 0):
		st.State, st.Err = imagine.Failed, errors.New("telegram: a finished job without images")
		fallthrough
	case st.State == imagine.Failed:
		if !errors.Is(st.Err, imagine.ErrShuttingDown) {
			e.a.store.put(e.tk.ID, &result{req: e.req, at: e.at})
		}
		err = e.finishView(ctx, failedView(loc, e.tk.ID, st))
	case st.State == imagine.Cancelled:
		err = e.finishView(ctx, view{text: imagine.T(loc, imagine.MsgCancelled)})
	case len(st.Result.Images) == 1:
		e.a.store.put(e.tk.ID, &result{req: e.req, at: e.at, images: st.Result.Images})
		err = e.finishSingle(ctx, st)
	default:
		e.a.store.put(e.tk.ID, &result{req: e.req, at: e.at, images: st.Result.Images})
		err = e.finishBatch(ctx, st)
	}
	switch {
	case err == nil:
	case ctx.Err() != nil:
		e.log.Warn("result abandoned at shutdown", "state", st.State.String())
	case isGone(err):
		e.log.Info("the status message is gone (deleted by the user?); result dropped", "state", st.State.String(), "err", err)
	default:
		e.log.Error("could not deliver the result", "state", st.State.String(), "err", err)
	}
}

// finishSingle turns the status message into the image with its caption
// and buttons.
func (e *editor) finishSingle(ctx context.Context, st imagine.Status) error {
	loc, id := e.loc(), e.tk.ID
	m := imageMedia(st.Result.Images[0], "imagine-"+id.String(), "result-"+id.String())
	v := view{text: caption(loc, st, e.req.Requester.Name), media: &m, kb: resultKeyboard(loc, id, 1, !m.doc)}
	err := e.finishView(ctx, v)
	if err != nil && !m.doc && isPhotoRejected(err) {
		m.doc = true
		v.kb = resultKeyboard(loc, id, 1, false)
		err = e.finishView(ctx, v)
	}
	return err
}

// finishView makes the status message show a terminal view. A server that
// cannot turn text into media gets a new message instead.
func (e *editor) finishView(ctx context.Context, v view) error {
	if v.media != nil && e.msgID != 0 && !e.isMedia && (e.textOnly || e.a.textOnly.Load()) {
		if err := e.dropStatus(ctx); err != nil {
			return err
		}
	}
	err := e.a.deliver(ctx, e.at.chat, func(ctx context.Context) error { return e.apply(ctx, v) })
	if err != nil && v.media != nil && e.msgID != 0 && !e.isMedia && textToMediaRefused(err) {
		e.refuseTextToMedia(err)
		if err := e.dropStatus(ctx); err != nil {
			return err
		}
		err = e.a.deliver(ctx, e.at.chat, func(ctx context.Context) error { return e.apply(ctx, v) })
	}
	return err
}

// dropStatus deletes the status message, so that the next apply posts a
// new one. A message the user already deleted is an error (isGone).
func (e *editor) dropStatus(ctx context.Context) error {
	if e.msgID == 0 {
		return nil
	}
	err := e.a.deleteMessage(ctx, e.at.chat, e.msgID)
	if err != nil && !isTransient(err) {
		return err
	}
	e.msgID, e.isMedia, e.shown = 0, false, shown{}
	return nil
}

// finishBatch posts the images as an album replying to the command, then
// replaces the status message with the caption and buttons below the album
// (an album cannot carry a keyboard, and a photo cannot become a text
// message).
func (e *editor) finishBatch(ctx context.Context, st imagine.Status) error {
	loc, id := e.loc(), e.tk.ID
	if err := e.dropStatus(ctx); err != nil {
		return err
	}
	items := make([]media, len(st.Result.Images))
	photos := true
	for i, img := range st.Result.Images {
		items[i] = imageMedia(img, "imagine-"+id.String()+"-"+strconv.Itoa(i+1), "")
		photos = photos && !items[i].doc
	}
	err := e.sendAlbums(ctx, items, !photos)
	if err != nil && photos && isPhotoRejected(err) {
		photos = false
		err = e.sendAlbums(ctx, items, true)
	}
	if err != nil {
		return err
	}
	v := view{text: caption(loc, st, e.req.Requester.Name), kb: resultKeyboard(loc, id, len(items), photos)}
	return e.a.deliver(ctx, e.at.chat, func(ctx context.Context) error { return e.apply(ctx, v) })
}

// sendAlbums sends the items in albums of up to ten (all documents, or all
// photos: albums cannot mix them), a lone last item on its own.
func (e *editor) sendAlbums(ctx context.Context, items []media, docs bool) error {
	for start := 0; start < len(items); start += maxAlbum {
		chunk := items[start:min(start+maxAlbum, len(items))]
		for i := range chunk {
			chunk[i].doc = docs
		}
		err := e.a.deliver(ctx, e.at.chat, func(ctx context.Context) error {
			if len(chunk) == 1 {
				_, err := e.a.sendMedia(ctx, e.at, chunk[0], "", nil)
				return err
			}
			return e.a.sendAlbum(ctx, e.at, chunk)
		})
		if err != nil {
			return err
		}
	}
	return nil
}
