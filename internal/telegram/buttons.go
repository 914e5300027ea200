package telegram

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// action is what a button does.
type action byte

const (
	actCancel    action = iota + 1 // c:<job>          cancel a queued or running job
	actReroll                      // r:<job>          the same request with a new seed
	actRetry                       // t:<job>          a failed request again, as it was
	actPNG                         // p:<job>:<i>      image i of a result as a PNG document
	actModel                       // m:<list>:<i>     switch to model i of a stored list (admins)
	actModelPage                   // mp:<list>:<page> another page of a model list (admins)
	actSettings                    // s:<user>:<field>:<value> change a /settings field of user's
	actUpscale                     // u:<job>:<i>      enlarge image i of a result
	actVary                        // v:<job>:<i>      variations of image i of a result
)

// actionCodes are the actions as callback data spells them.
var actionCodes = [...]string{actCancel: "c", actReroll: "r", actRetry: "t", actPNG: "p", actModel: "m", actModelPage: "mp", actSettings: "s",
	actUpscale: "u", actVary: "v"}

// press is a button's callback data: at most maxCallbackData bytes,
// "code:args" (see the actions). Jobs are imagine.JobID.String(); the
// state behind every action but Cancel lives in the store, and a press
// after it was evicted gets a friendly answer.
type press struct {
	act  action
	job  imagine.JobID // cancel, reroll, retry, png, upscale, vary
	list int           // model, model page: the stored model list
	n    int           // png, upscale, vary: image index; model: model index; model page: page

	user         int64  // settings: whose settings the message shows
	field, value string // settings: what to set (see settings.go)
}

// maxCallbackData is Telegram's limit on callback data, in bytes.
const maxCallbackData = 64

// data encodes the press as callback data.
func (p press) data() string {
	code := actionCodes[p.act]
	switch p.act {
	case actCancel, actReroll, actRetry:
		return code + ":" + p.job.String()
	case actPNG, actUpscale, actVary:
		return code + ":" + p.job.String() + ":" + strconv.Itoa(p.n)
	case actSettings:
		return code + ":" + strconv.FormatInt(p.user, 10) + ":" + p.field + ":" + p.value
	default: // actModel, actModelPage
		return code + ":" + strconv.Itoa(p.list) + ":" + strconv.Itoa(p.n)
	}
}

// parsePress decodes callback data written by press.data. Anything else,
// including data from an older version of the bot, is not ok.
func parsePress(data string) (press, bool) {
	if len(data) > maxCallbackData {
		return press{}, false
	}
	code, rest, _ := strings.Cut(data, ":")
	var p press
	for act, c := range actionCodes {
		if c != "" && c == code {
			p.act = action(act)
		}
	}
	var err error
	switch p.act {
	case actCancel, actReroll, actRetry:
		p.job, err = parseJob(rest)
	case actPNG, actUpscale, actVary:
		job, n, _ := strings.Cut(rest, ":")
		if p.job, err = parseJob(job); err == nil {
			p.n, err = parseIndex(n)
		}
	case actModel, actModelPage:
		list, n, _ := strings.Cut(rest, ":")
		if p.list, err = parseIndex(list); err == nil {
			p.n, err = parseIndex(n)
		}
	case actSettings:
		parts := strings.SplitN(rest, ":", 3)
		if len(parts) != 3 || parts[1] == "" || parts[2] == "" || strings.ContainsAny(parts[0], "+-") {
			return press{}, false
		}
		p.field, p.value = parts[1], parts[2]
		p.user, err = strconv.ParseInt(parts[0], 10, 64)
	default:
		return press{}, false
	}
	return p, err == nil
}

func parseJob(s string) (imagine.JobID, error) {
	if s == "" || strings.ContainsAny(s, "+-") {
		return 0, strconv.ErrSyntax
	}
	return imagine.ParseJobID(s)
}

// parseIndex reads a small non-negative decimal number.
func parseIndex(s string) (int, error) {
	if s == "" || len(s) > 9 || strings.ContainsAny(s, "+-") {
		return 0, strconv.ErrSyntax
	}
	return strconv.Atoi(s)
}

// handleButton handles a button press. Every press is answered. It runs on
// the poll loop: the core calls are quick, the network work happens in
// goroutines.
func (a *Adapter) handleButton(ctx context.Context, q *callbackQuery) {
	who := a.who(&q.From)
	if q.Message != nil && !a.cfg.chatAllowed(q.Message.Chat) {
		a.log.Info("button refused: chat not allowed", "chat", q.Message.Chat.ID, "user", who.Key())
		a.answerLater(ctx, q, catalog.T(who.Locale, catalog.MsgNotHere), true)
		return
	}
	p, ok := parsePress(q.Data)
	if !ok {
		a.answerLater(ctx, q, catalog.T(who.Locale, catalog.MsgButtonExpired), true)
		return
	}
	switch p.act {
	case actCancel:
		a.handleCancel(ctx, q, who, p.job)
	case actReroll, actRetry, actVary:
		a.handleReroll(ctx, q, who, p)
	case actUpscale:
		if !a.goHandle(ctx, func(ctx context.Context) { a.handleUpscale(ctx, q, who, p.job, p.n) }) {
			a.answerLater(ctx, q, "", false)
		}
	case actPNG:
		if q.Message == nil || !a.goChat(ctx, q.Message.Chat.ID, func(ctx context.Context) { a.handlePNG(ctx, q, who, p.job, p.n) }) {
			a.answerLater(ctx, q, "", false)
		}
	case actModel, actModelPage:
		a.goHandle(ctx, func(ctx context.Context) { a.handleModelButton(ctx, q, who, p) })
	case actSettings:
		a.goHandle(ctx, func(ctx context.Context) { a.handleSettingsButton(ctx, q, p) })
	}
}

// answerLater answers a callback from a goroutine.
func (a *Adapter) answerLater(ctx context.Context, q *callbackQuery, text string, alert bool) {
	a.goHandle(ctx, func(ctx context.Context) { a.client.answerCallback(ctx, q.ID, text, alert) })
}

// handleCancel cancels a job for its requester or an admin; anyone else
// gets an alert and nothing changes.
func (a *Adapter) handleCancel(ctx context.Context, q *callbackQuery, who imagine.Requester, id imagine.JobID) {
	loc := who.Locale
	err := a.core.Cancel(id, who, a.cfg.isAdmin(q.From.ID))
	switch {
	case err == nil:
		a.log.Info("job cancelled by a button", "job", id.String(), "by", who.Key())
		a.answerLater(ctx, q, texts.cancelling.In(loc), false)
	case errors.Is(err, imagine.ErrNotYourJob):
		a.answerLater(ctx, q, imagine.Describe(err, loc), true)
	default:
		a.answerLater(ctx, q, imagine.Describe(err, loc), false)
	}
}

// handleReroll submits a result's request again as the user who pressed
// the button (whose own limits apply): Reroll with a new seed, Try again
// or run again from /history (actRetry) as it was, Vary with the seed of
// one image and a small variation. The core keeps the request for
// store.retention, across restarts. The new status message replies to the
// pressed message. A request that needs its picture again (an img2img's,
// see imagine.Record.NeedsInput) gets it in a goroutine: an img2img's from
// Telegram by the file_id kept in its reference, an upscale's from the
// store.
func (a *Adapter) handleReroll(ctx context.Context, q *callbackQuery, who imagine.Requester, p press) {
	loc := who.Locale
	rec, err := a.core.Record(p.job)
	if err != nil {
		a.log.Info("button of a result the store no longer has", "job", p.job.String(), "err", err)
		a.answerLater(ctx, q, imagine.Describe(err, loc), true)
		return
	}
	var req imagine.Request
	var answer catalog.Text
	switch p.act {
	case actReroll:
		req, answer = rec.Request.Reroll(who), texts.rerolling
	case actVary:
		if !canEnlargeOrVary(rec, p.n) {
			a.answerLater(ctx, q, catalog.T(loc, catalog.MsgButtonExpired), true)
			return
		}
		req, answer = rec.Vary(who, p.n), texts.varying
	default:
		// Try again, and run again from /history: the same seed, the one
		// the result got if it was asked for with a random one.
		req, answer = rec.Again(who), texts.tryingAgain
	}
	if !rec.NeedsInput() {
		a.submitPress(ctx, q, req, p.job, rec.Ref, answer, nil)
		return
	}
	if !a.goHandle(ctx, func(ctx context.Context) { a.submitPressWithInput(ctx, q, rec, req, answer) }) {
		a.answerLater(ctx, q, "", false)
	}
}

// canEnlargeOrVary reports whether ⬆ Upscale and 🎨 Vary may run on
// image i of rec's result: one of its images, of a result that is not
// itself an upscale (whose keyboard has neither: callback data naming one
// is crafted, or from an older keyboard).
func canEnlargeOrVary(rec imagine.Record, i int) bool {
	return rec.Request.Kind != imagine.KindUpscale && i >= 0 && i < rec.Images
}

// submitPressWithInput gives req the picture rec's request started from
// and submits it (see submitPress): an upscale's image from the store
// (quick: a picture no longer there is explained in an alert), an
// img2img's picture fetched again from Telegram. A download may outlast
// the time Telegram keeps the press open, so the press is answered first
// (the usual toast) and a picture that cannot be fetched, or a refused
// request, is explained in a message replying to the pressed one.
func (a *Adapter) submitPressWithInput(ctx context.Context, q *callbackQuery, rec imagine.Record, req imagine.Request, answer catalog.Text) {
	loc := req.Requester.Locale
	refuse := func(err error) {
		a.log.Info("a button's job cannot have its picture again", "job", rec.ID.String(), "user", req.Requester.Key(), "err", err)
		a.client.answerCallback(ctx, q.ID, describe(err, loc), true)
	}
	var ref jobRef
	switch from := rec.Request.From; {
	case rec.Request.Kind == imagine.KindUpscale && from != nil:
		img, err := a.core.Image(from.Job, from.Index)
		if err != nil {
			refuse(err)
			return
		}
		req.Init = &imagine.InputImage{Data: img}
		a.submitPress(ctx, q, req, rec.ID, rec.Ref, answer, nil)
		return
	case rec.Request.Kind == imagine.KindUpscale:
		refuse(&imagine.UserError{Kind: imagine.ErrBadImage, ID: catalog.MsgInputGone})
		return
	default:
		var err error
		if ref, err = decodeRef(rec.Ref); err != nil || ref.Input == nil {
			refuse(&imagine.UserError{Kind: imagine.ErrBadImage, ID: catalog.MsgInputGone})
			return
		}
	}
	a.client.answerCallback(ctx, q.ID, answer.In(loc), false)
	in, err := a.fetchPicture(ctx, *ref.Input)
	switch {
	case err != nil && ctx.Err() != nil:
		a.log.Info("a button's job was abandoned at shutdown while its picture downloaded", "job", rec.ID.String(), "user", req.Requester.Key())
		at := ref.place()
		if q.Message != nil {
			at = answering(q.Message)
		}
		a.sayRestarting(ctx, at, loc)
		return
	case err != nil:
		a.log.Info("a button's job cannot have its picture again", "job", rec.ID.String(), "user", req.Requester.Key(), "err", err)
		a.replyToPress(ctx, q, ref.place(), describe(err, loc))
		return
	}
	req.Init = in
	a.submitAnswered(ctx, q, req, rec.ID, ref.place(), ref.Input)
}

// replyToPress tells the presser of a press already answered why its job
// did not start, in a message replying to the pressed message (else at
// fallback, the place of the result's job).
func (a *Adapter) replyToPress(ctx context.Context, q *callbackQuery, fallback place, text string) {
	at := fallback
	if q.Message != nil {
		at = answering(q.Message)
	}
	a.client.reply(ctx, at, 0, text, nil)
}

// handleUpscale submits the upscale of image i of job's result, asked by
// who (⬆ Upscale): an ordinary job that counts against who's quota and
// waits in the fair queue. Its status message, and then the larger image,
// is a new message replying to the pressed one; the result stays.
func (a *Adapter) handleUpscale(ctx context.Context, q *callbackQuery, who imagine.Requester, id imagine.JobID, i int) {
	loc := who.Locale
	rec, err := a.core.Record(id)
	if err == nil && !canEnlargeOrVary(rec, i) {
		a.client.answerCallback(ctx, q.ID, catalog.T(loc, catalog.MsgButtonExpired), true)
		return
	}
	var img []byte
	if err == nil {
		img, err = a.core.Image(id, i)
	}
	if err != nil {
		a.log.Info("Upscale button of an image the store no longer has", "job", id.String(), "image", i, "err", err)
		a.client.answerCallback(ctx, q.ID, imagine.Describe(err, loc), true)
		return
	}
	a.submitPress(ctx, q, rec.UpscaleImage(who, i, img), id, rec.Ref, texts.upscaling, nil)
}

// submitPress submits a job asked for by a button press on the result (or
// history line) of job from, whose reference is ref; answer tells the
// presser it is under way. The new status message replies to the pressed
// message. input is the user's picture of an img2img, nil for other jobs.
func (a *Adapter) submitPress(ctx context.Context, q *callbackQuery, req imagine.Request, from imagine.JobID, ref []byte, answer catalog.Text, input *picture) {
	loc := req.Requester.Locale
	req.Source = pressSource(q)
	tk, err := a.core.Submit(req)
	switch {
	case errors.Is(err, imagine.ErrDuplicate):
		a.log.Info("button press delivered again; its job already exists", "source", req.Source)
		return
	case err != nil:
		a.answerLater(ctx, q, imagine.Describe(err, loc), true)
		return
	}
	var at place
	if q.Message != nil {
		at = answering(q.Message)
	} else if r, err := decodeRef(ref); err == nil {
		at = r.place()
	} else {
		// Nowhere to show it (a press without its message on a result
		// without a reference): nobody would see the job.
		_ = a.core.Cancel(tk.ID, req.Requester, true)
		a.answerLater(ctx, q, catalog.T(loc, catalog.MsgButtonExpired), true)
		return
	}
	a.log.Info("job submitted by a button", "job", tk.ID.String(), "from", from.String(), "user", req.Requester.Key())
	a.answerLater(ctx, q, answer.In(loc), false)
	a.startEditor(ctx, tk, at, req, input)
}

// submitAnswered is submitPress for a press already answered (see
// submitPressWithInput): a refusal is a message replying to the pressed
// message, else at fallback, where the result's job is.
func (a *Adapter) submitAnswered(ctx context.Context, q *callbackQuery, req imagine.Request, from imagine.JobID, fallback place, input *picture) {
	req.Source = pressSource(q)
	tk, err := a.core.Submit(req)
	switch {
	case errors.Is(err, imagine.ErrDuplicate):
		a.log.Info("button press delivered again; its job already exists", "source", req.Source)
		return
	case err != nil:
		a.log.Info("a button's job was refused", "from", from.String(), "user", req.Requester.Key(), "err", err)
		a.replyToPress(ctx, q, fallback, imagine.Describe(err, req.Requester.Locale))
		return
	}
	at := fallback
	if q.Message != nil {
		at = answering(q.Message)
	}
	a.log.Info("job submitted by a button", "job", tk.ID.String(), "from", from.String(), "user", req.Requester.Key())
	a.startEditor(ctx, tk, at, req, input)
}

// handlePNG sends one original image of a result as a document, from the
// core's store.
func (a *Adapter) handlePNG(ctx context.Context, q *callbackQuery, who imagine.Requester, id imagine.JobID, i int) {
	loc := who.Locale
	rec, err := a.core.Record(id)
	var img []byte
	if err == nil {
		img, err = a.core.Image(id, i)
	}
	if err != nil {
		a.log.Info("PNG button of an image the store no longer has", "job", id.String(), "image", i, "err", err)
		a.client.answerCallback(ctx, q.ID, imagine.Describe(err, loc), true)
		return
	}
	at := answering(q.Message) // handleButton checked it is there
	a.client.answerCallback(ctx, q.ID, texts.sendingPNG.In(loc), false)
	name := "imagine-" + id.String()
	if rec.Images > 1 {
		name += "-" + strconv.Itoa(i+1)
	}
	m := media{data: img, name: name + imageExt(img), doc: true}
	err = a.client.deliver(ctx, at.chat, nil, func(ctx context.Context) error {
		_, err := a.client.send(ctx, outgoing{at: at, media: []media{m}})
		return err
	})
	if err != nil {
		a.log.Warn("could not send a PNG", "job", id.String(), "err", err)
	}
}
