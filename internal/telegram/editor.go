package telegram

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/imaginebot/imaginebot/internal/frontend"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// maxEditFailures is how many background edits may fail in a row before
// an editor stops trying them and only delivers the result.
const maxEditFailures = 5

// messenger is the Bot API as an editor uses it; *client implements it.
type messenger interface {
	// deliver runs op as an urgent message in c, in the next free slot or
	// one held, with retries (see client.deliver).
	deliver(ctx context.Context, c chatRef, held *heldTurn, op func(ctx context.Context) error) error
	// tryNow takes a slot for a background edit in c if one is free now.
	tryNow(c chatRef) (ok bool, retry time.Duration)
	// send sends or edits one message and returns its id.
	send(ctx context.Context, m outgoing) (int, error)
	// deleteMessage deletes one of the bot's messages.
	deleteMessage(ctx context.Context, c chatRef, id int) error
}

// editing is what every job's editor shares; New builds it once.
type editing struct {
	bot       messenger
	routes    *chatRoutes // groups that became supergroups, which editors follow
	textMedia textMedia   // whether the server can turn a text message into a photo (Bot API 7.11+)
	jobs      frontend.Jobs
	restarts  frontend.Restarts // where jobs' message references are saved
	rec       frontend.Recorder
	interval  time.Duration // the least time between two edits of a status message
	chatGap   time.Duration // the flood limits' time between two messages in a chat
	baseLog   *slog.Logger
}

// editor keeps one job's status message in step with the job: it posts the
// message at once, edits it as the status changes (latest status wins, at
// most one edit per EditInterval, only when what it shows changes) and
// turns it into the result. Its fields belong to the goroutine running it.
type editor struct {
	*editing
	tk  *imagine.Ticket
	at  place           // the status message replies to the command here
	req imagine.Request // what was asked, for Reroll
	// input is the user's picture an img2img started from, kept in the
	// job's reference for the buttons that need it again.
	input *picture
	log   *slog.Logger

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
	delivered bool      // the result went out (msgID carries its buttons)
}

func (ed *editing) newEditor(tk *imagine.Ticket, at place, req imagine.Request) *editor {
	return &editor{
		editing: ed, tk: tk, at: at, req: req,
		log: ed.baseLog.With("job", tk.ID.String(), "chat", at.chat.id),
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
		// Edit only when the view changed, EditInterval has passed and the
		// flood limits have a background slot; else wait for the next
		// status, for d, or for both.
		v := e.render(st)
		slot, d := false, e.interval-time.Since(e.lastEdit)
		switch {
		case e.lost || e.same(v) || e.failures >= maxEditFailures || e.nearlyDone(st):
			d = 0
		case d <= 0:
			slot, d = e.bot.tryNow(e.at.chat)
		}
		if !slot {
			if !e.wait(ctx, d) {
				return
			}
			continue
		}
		toMedia := v.media != nil && !e.isMedia
		err := e.apply(ctx, v)
		e.lastEdit = time.Now()
		if err == nil && st.State == imagine.Running {
			e.rec.PreviewEdited(imagine.Telegram)
		}
		if !e.edited(ctx, v, toMedia, err) {
			return
		}
	}
}

// deliver runs op as an urgent message in the job's chat (see
// client.deliver), in a turn the editor holds if it has one.
func (e *editor) deliver(ctx context.Context, op func(ctx context.Context) error) error {
	return e.bot.deliver(ctx, e.at.chat, &e.held, op)
}

// follow moves the editor to the supergroup its group became, if it did:
// the old status message stays behind, and a new one is posted there.
func (e *editor) follow() {
	p, moved := e.routes.route(e.at)
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
	return st.State == imagine.Running && st.Progress >= 0.5 && st.ETA > 0 && st.ETA < e.chatGap
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
// two, and no second wait). A refused preview makes it go out as text. A
// status message that cannot be sent at all means nobody sees the job: it
// is cancelled, and its end is still tried as a new message. It reports
// whether the editor goes on.
func (e *editor) post(ctx context.Context) bool {
	withPreview := false
	err := e.deliver(ctx, func(ctx context.Context) error {
		st := e.tk.Watch.Latest()
		if st.State.Terminal() {
			return errNotSent
		}
		v := e.render(st)
		withPreview = v.media != nil
		return e.apply(ctx, v)
	})
	e.lastEdit = time.Now()
	switch {
	case err == nil || errors.Is(err, errNotSent):
		return true
	case ctx.Err() != nil:
		return false
	case withPreview && isRefused(err) && !isChatGone(err):
		// The preview was refused, not the message: post it as text.
		e.noPreview = true
		e.log.Warn("a preview was refused; posting the status message without it", "err", err)
		return true
	case isChatGone(err):
		e.log.Info("the chat is gone (bot blocked or removed?); cancelling the job", "err", err)
		e.cancelJob()
		return false
	default:
		// Nobody sees the job now, so it is cancelled; whatever ends it
		// (the cancellation, or a result that came first) is still tried
		// as a new message, with every fallback of delivery.
		e.log.Warn("could not post the status message; cancelling the job", "err", err)
		e.cancelJob()
		e.lost = true
		return true
	}
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
	return !e.noPreview && (e.isMedia || e.msgID == 0 || !e.textMedia.textOnly(time.Now()))
}

// apply makes the status message show v with one call: it posts the
// message if there is none yet, else edits its media, caption or text.
// Once the status message is lost or moved, a posted message names the
// requester.
func (e *editor) apply(ctx context.Context, v view) error {
	e.follow()
	if e.mention && e.at.chat.group {
		v.mention = &e.req.Requester
	}
	out := outgoing{at: e.at, edit: e.msgID, text: v.html(maxText), kb: v.kb}
	switch {
	case v.media != nil && (e.msgID == 0 || v.media.key != e.shown.mediaKey):
		out.media, out.text = []media{*v.media}, v.html(maxCaption)
	case e.msgID != 0 && (v.media != nil || e.isMedia):
		out.text, out.captionOnly = v.html(maxCaption), true
	}
	id, err := e.bot.send(ctx, out)
	posted := e.msgID == 0 && id != 0
	if e.msgID == 0 {
		e.msgID = id
	}
	if err != nil && !isNotModified(err) {
		return err
	}
	s, wasMedia := v.shown(), e.isMedia
	e.shown.text, e.shown.markup = s.text, s.markup
	if v.media != nil {
		e.shown.mediaKey, e.isMedia = s.mediaKey, true
	}
	if posted || e.isMedia != wasMedia {
		e.saveRef()
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
		if toMedia && err == nil && e.textMedia.works() {
			e.log.Info("the Bot API server turns text messages into photos again; live previews are back")
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
	if news, reprobe := e.textMedia.refused(time.Now()); news {
		e.log.Warn("the Bot API server cannot turn text messages into photos (Bot API < 7.11?); text status messages get no previews for a while",
			"err", err, "retry_in", reprobe)
	}
}

// cancelJob cancels the job as an admin would: nobody can see it any more.
func (e *editor) cancelJob() {
	if err := e.jobs.Cancel(e.tk.ID, e.req.Requester, true); err != nil {
		e.log.Debug("cancel", "err", err)
	}
}
