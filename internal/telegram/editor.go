package telegram

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

// maxEditFailures is how many background edits may fail in a row before
// an editor stops trying them and only delivers the result.
const maxEditFailures = 5

// editor keeps one job's status message in step with the job: it posts the
// message at once, edits it as the status changes (latest status wins, at
// most one edit per EditInterval, only when what it shows changes) and
// turns it into the result. Its fields belong to the goroutine running it.
type editor struct {
	a   *Adapter
	tk  *imagine.Ticket
	at  place           // the status message replies to the command here
	req imagine.Request // what was asked, for Reroll
	log *slog.Logger

	msgID     int       // the status message, 0 until posted
	isMedia   bool      // it holds a photo or document
	shown     shown     // what it shows
	lastEdit  time.Time // when it was last sent or edited
	failures  int       // background edits that failed in a row
	noPreview bool      // it gets no more preview images: one was refused
	lost      bool      // someone deleted it: no new one until the result
	mention   bool      // new messages name the requester: the status message was lost or moved
	preview   *media    // the latest preview, encoded for upload
	held      heldTurn  // a turn the status message did not use, for the result
}

func (a *Adapter) newEditor(tk *imagine.Ticket, at place, req imagine.Request) *editor {
	return &editor{
		a: a, tk: tk, at: at, req: req,
		log: a.log.With("job", tk.ID.String(), "chat", at.chat.id),
	}
}

func (e *editor) loc() string { return e.req.Requester.Locale }

// run drives the status message until the job's terminal status is
// delivered, the chat is gone, or ctx ends.
func (e *editor) run(ctx context.Context) {
	for {
		e.follow()
		st := e.tk.Watch.Latest()
		if st.State.Terminal() {
			e.finish(ctx, st)
			return
		}
		if e.msgID == 0 && !e.lost {
			if !e.post(ctx) {
				return
			}
			continue
		}
		v := e.render(st)
		if e.lost || e.same(v) || e.failures >= maxEditFailures || e.nearlyDone(st) {
			if !e.wait(ctx, 0) {
				return
			}
			continue
		}
		if d := e.a.cfg.EditInterval - time.Since(e.lastEdit); d > 0 {
			if !e.wait(ctx, d) {
				return
			}
			continue
		}
		if ok, d := e.a.lim.tryNow(e.at.chat); !ok {
			if !e.wait(ctx, d) {
				return
			}
			continue
		}
		toMedia := v.media != nil && !e.isMedia
		err := e.apply(ctx, v)
		e.lastEdit = time.Now()
		if err == nil && st.State == imagine.Running {
			e.a.cfg.Recorder.PreviewEdited(imagine.Telegram)
		}
		if !e.edited(ctx, v, toMedia, err) {
			return
		}
	}
}

// deliver runs op as an urgent message in the job's chat (see
// Adapter.deliver), in a turn the editor holds if it has one.
func (e *editor) deliver(ctx context.Context, op func(ctx context.Context) error) error {
	return e.a.deliverHeld(ctx, e.at.chat, &e.held, op)
}

// follow moves the editor to the supergroup its group became, if it did:
// the old status message stays behind, and a new one is posted there.
func (e *editor) follow() {
	p, moved := e.a.route(e.at)
	if !moved {
		return
	}
	e.log.Info("following the group to its supergroup", "to", p.chat.id)
	e.at = p
	e.msgID, e.isMedia, e.shown = 0, false, shown{}
	e.lost, e.mention = false, true
}

// nearlyDone reports a job that will finish within a chat interval: an
// edit now would only delay the result, which may not follow it sooner.
func (e *editor) nearlyDone(st imagine.Status) bool {
	return st.State == imagine.Running && st.Progress >= 0.5 && st.ETA > 0 && st.ETA < e.a.cfg.Limits.ChatInterval
}

// wait waits for a new status, for d (if positive) or for ctx to end; it
// reports false for the latter.
func (e *editor) wait(ctx context.Context, d time.Duration) bool {
	var timeout <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-e.tk.Watch.Changed():
		return true
	case <-timeout:
		return true
	case <-ctx.Done():
		return false
	}
}

// post sends the status message, as an urgent reply to the command. When
// its turn comes and the job has already finished, it sends nothing: the
// result is then the first message, in the same turn (one send instead of
// two, and no second wait). If the
// status message cannot be sent, nobody would see the job: it is
// cancelled.
func (e *editor) post(ctx context.Context) bool {
	err := e.deliver(ctx, func(ctx context.Context) error {
		st := e.tk.Watch.Latest()
		if st.State.Terminal() {
			return errNotSent
		}
		return e.apply(ctx, e.render(st))
	})
	e.lastEdit = time.Now()
	switch {
	case err == nil || errors.Is(err, errNotSent):
		return true
	case ctx.Err() == nil:
		e.log.Warn("could not post the status message; cancelling the job", "err", err)
		e.cancelJob()
	}
	return false
}

// render turns a queued or running status into a view: the queue line or
// the progress line with a Cancel button, over the latest preview once
// there is one.
func (e *editor) render(st imagine.Status) view {
	loc := e.loc()
	kb := cancelKeyboard(loc, e.tk.ID)
	if st.State == imagine.Queued {
		return view{text: imagine.QueueLine(loc, st), kb: kb}
	}
	v := view{text: imagine.ProgressLine(loc, st), kb: kb}
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

// same reports whether the message already shows v.
func (e *editor) same(v view) bool {
	s := v.shown()
	return s.text == e.shown.text && s.markup == e.shown.markup && (v.media == nil || s.mediaKey == e.shown.mediaKey)
}

// previews reports whether the status message may show preview images:
// not after one was refused, and a text message only if the server can
// turn it into a photo (or it is still to be posted).
func (e *editor) previews() bool {
	return !e.noPreview && (e.isMedia || e.msgID == 0 || !e.a.textMedia.textOnly(time.Now()))
}

// apply makes the status message show v with one call: it posts the
// message if there is none yet, else edits its media, caption or text.
// Once the status message is lost or moved, a posted message names the
// requester.
func (e *editor) apply(ctx context.Context, v view) error {
	e.follow()
	a, c := e.a, e.at.chat
	if e.mention && e.at.chat.group {
		v.mention = &e.req.Requester
	}
	text, caption := v.html(maxText), v.html(maxCaption)
	var err error
	switch {
	case e.msgID == 0 && v.media != nil:
		e.msgID, err = a.sendMedia(ctx, e.at, *v.media, caption, v.kb)
	case e.msgID == 0:
		e.msgID, err = a.sendText(ctx, e.at, text, v.kb)
	case v.media != nil && v.media.key != e.shown.mediaKey:
		err = a.editMedia(ctx, c, e.msgID, *v.media, caption, v.kb)
	case v.media != nil || e.isMedia:
		err = a.editCaption(ctx, c, e.msgID, caption, v.kb)
	default:
		err = a.editText(ctx, c, e.msgID, text, v.kb)
	}
	if err != nil && !isNotModified(err) {
		return err
	}
	s := v.shown()
	e.shown.text, e.shown.markup = s.text, s.markup
	if v.media != nil {
		e.shown.mediaKey, e.isMedia = s.mediaKey, true
	}
	return err
}

// edited handles the outcome of a background edit (toMedia: one that
// would turn a text message into a photo); it reports whether the editor
// goes on.
func (e *editor) edited(ctx context.Context, v view, toMedia bool, err error) bool {
	switch {
	case err == nil || isNotModified(err):
		e.failures = 0
		if toMedia && err == nil && e.a.textMedia.works() {
			e.a.log.Info("the Bot API server turns text messages into photos again; live previews are back")
		}
		return true
	case ctx.Err() != nil:
		return false
	case retryAfter(err) > 0:
		// The limiter holds the chat; the next attempt shows the latest status.
		return true
	case migratedTo(err) != 0:
		e.follow() // the loop posts a new status message in the supergroup
		return true
	case toMedia && textToMediaRefused(err):
		e.refuseTextToMedia(err)
		return true
	case isMessageGone(err):
		e.loseStatus(err)
		return true
	case isChatGone(err):
		e.log.Info("the chat is gone (bot blocked or removed?); cancelling the job", "err", err)
		e.cancelJob()
		return false
	case v.media != nil && isRefused(err):
		// This preview, or previews in this message, were refused: the
		// message goes on without them. Other jobs are not affected.
		e.noPreview = true
		e.shown.mediaKey = v.media.key
		e.log.Warn("a preview was refused; this status message goes on without previews", "err", err)
		return true
	default:
		e.failures++
		e.shown = v.shown() // don't send the same failing edit again
		e.log.Warn("status edit failed", "err", err, "failures", e.failures)
		return true
	}
}

// loseStatus handles a status message that someone deleted (in a group,
// perhaps an admin tidying up): the job goes on, and its result will be a
// new message replying to the command and naming the requester. Users
// cancel with the Cancel button.
func (e *editor) loseStatus(err error) {
	e.log.Info("the status message was deleted; the job goes on and its result will be a new message", "err", err)
	e.msgID, e.isMedia, e.shown = 0, false, shown{}
	e.lost, e.mention = true, true
}

func (e *editor) refuseTextToMedia(err error) {
	e.noPreview = true
	if e.a.textMedia.refused(time.Now()) {
		e.a.log.Warn("the Bot API server cannot turn text messages into photos (Bot API < 7.11?); text status messages get no previews for a while",
			"err", err, "retry_in", e.a.textMedia.reprobeAfter())
	}
}

// cancelJob cancels the job as an admin would: nobody can see it any more.
func (e *editor) cancelJob() {
	if err := e.a.svc.Cancel(e.tk.ID, e.req.Requester, true); err != nil {
		e.log.Debug("cancel", "err", err)
	}
}
