package telegram

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// handleImagine submits a generation request and starts its editor, which
// replies at once. Refusals are answered with a one-line reason, an empty
// prompt with the help. It runs on the poll loop: Submit is quick, and the
// network work happens in goroutines.
//
// A command sent with a picture (as a photo's or document's caption), or
// replying to one, starts from that picture (img2img): it is refused at
// once if Telegram's description of it already says it cannot be used,
// else fetched and checked in a goroutine before the job is submitted.
func (a *Adapter) handleImagine(ctx context.Context, m *message, args string) {
	who := a.who(m.From)
	at := answering(m)
	req, err := buildRequest(args, m.ReplyToMessage, who)
	if pic, ok := commandPicture(m); ok && err == nil {
		a.handleImagineFrom(ctx, m, req, pic)
		return
	}
	var tk *imagine.Ticket
	if err == nil {
		req.Source = commandSource(m)
		tk, err = a.core.Submit(req)
	}
	switch {
	case errors.Is(err, imagine.ErrDuplicate):
		// Telegram delivered the command again (the last process stopped
		// before confirming it): its job goes on from the first delivery.
		a.log.Info("command delivered again; its job already exists", "source", req.Source, "user", who.Key())
	case errors.Is(err, imagine.ErrEmptyPrompt):
		a.handleHelp(ctx, m)
	case err != nil:
		a.goReply(ctx, at, imagine.Describe(err, who.Locale))
	default:
		a.log.Info("job submitted", "job", tk.ID.String(), "user", who.Key(), "chat", at.chat.id)
		a.startEditor(ctx, tk, at, req, nil)
	}
}

// handleImagineFrom handles /imagine with a picture: an empty prompt gets
// the help, a picture Telegram already describes as unusable a one-line
// reason, and any other is fetched, checked and submitted in a goroutine
// (see submitFrom), so that the poll loop never waits for a download.
func (a *Adapter) handleImagineFrom(ctx context.Context, m *message, req imagine.Request, pic picture) {
	who, at := req.Requester, answering(m)
	if strings.TrimSpace(req.Prompt) == "" {
		a.handleHelp(ctx, m)
		return
	}
	if err := refuseEarly(pic, a.inputLimit()); err != nil {
		a.log.Info("picture refused", "user", who.Key(), "chat", at.chat.id, "reason", describe(err, "en"))
		a.goReply(ctx, at, describe(err, who.Locale))
		return
	}
	req.Source, req.Kind = commandSource(m), imagine.KindImg2Img
	// Who asks and how often is checked before the download: a blocked or
	// over-quota user does not keep the downloads busy.
	if err := a.core.Admit(req); err != nil {
		a.log.Info("img2img refused before the download", "user", who.Key(), "chat", at.chat.id, "reason", describe(err, "en"))
		a.goReply(ctx, at, describe(err, who.Locale))
		return
	}
	if !a.goChat(ctx, at.chat.id, func(ctx context.Context) { a.submitFrom(ctx, at, req, pic) }) {
		a.log.Warn("an /imagine with a picture was dropped: too many replies pending in the chat", "chat", at.chat.id, "user", who.Key())
	}
}

// submitFrom fetches the picture of an img2img request, submits the
// request and starts its editor; a picture that cannot be fetched or used,
// and a refused request, get a one-line reason.
func (a *Adapter) submitFrom(ctx context.Context, at place, req imagine.Request, pic picture) {
	who := req.Requester
	in, err := a.fetchPicture(ctx, pic)
	var tk *imagine.Ticket
	if err == nil {
		req.Init = in
		tk, err = a.core.Submit(req)
	}
	switch {
	case errors.Is(err, imagine.ErrDuplicate):
		a.log.Info("command delivered again; its job already exists", "source", req.Source, "user", who.Key())
	case err != nil && ctx.Err() != nil:
		a.log.Info("an /imagine with a picture was abandoned at shutdown", "user", who.Key())
		a.sayRestarting(ctx, at, who.Locale)
	case err != nil:
		a.log.Info("img2img refused", "user", who.Key(), "chat", at.chat.id, "reason", describe(err, "en"), "err", err)
		a.client.reply(ctx, at, 0, describe(err, who.Locale), nil)
	default:
		a.log.Info("job submitted", "job", tk.ID.String(), "kind", req.Kind.String(), "user", who.Key(), "chat", at.chat.id,
			"input", in.Format, "width", in.Width, "height", in.Height)
		a.startEditor(ctx, tk, at, req, &pic)
	}
}

// restartingTimeout bounds the message that tells a user the bot is
// restarting, sent once the work's context has ended: it holds up the
// shutdown that long at most.
const restartingTimeout = 3 * time.Second

// sayRestarting tells at, in loc, that the bot is restarting and to send
// the request again: work abandoned at shutdown (a picture still
// downloading when the grace ended) whose context has ended, so the
// message goes on a short context of its own.
func (a *Adapter) sayRestarting(ctx context.Context, at place, loc string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), restartingTimeout)
	defer cancel()
	a.client.reply(ctx, at, 0, catalog.T(loc, catalog.MsgShuttingDown), nil)
}

// commandSource is the dedup key of a command message (imagine.Request.Source).
func commandSource(m *message) string {
	return "tg:" + strconv.FormatInt(m.Chat.ID, 10) + ":" + strconv.Itoa(m.MessageID)
}

// pressSource is the dedup key of a button press that submits a job.
func pressSource(q *callbackQuery) string { return "tg:cb:" + q.ID }

// startEditor runs the job's editor, which replies at at, in a goroutine of
// the adapter's group. Editors are not bounded here: the core's queue
// limits bound the jobs.
// input is the user's picture of an img2img, nil for other jobs.
func (a *Adapter) startEditor(ctx context.Context, tk *imagine.Ticket, at place, req imagine.Request, input *picture) {
	e := a.editing.newEditor(tk, at, req)
	e.input = input
	if !a.tasks.Go(func() { e.saveRef(); e.run(ctx) }) {
		e.cancelJob() // shutting down: nobody would see the job
	}
}

// buildRequest reads the command's prompt and options. A command without a
// prompt that replies to a message takes that message's text (or caption)
// as the prompt, with its options; options in the command win.
func buildRequest(args string, replied *message, who imagine.Requester) (imagine.Request, error) {
	req, err := imagine.ParseInline(args, who)
	if err != nil || strings.TrimSpace(req.Prompt) != "" || replied == nil {
		return req, err
	}
	text := replied.Text
	if text == "" {
		text = replied.Caption
	}
	if replied.From != nil && replied.From.IsBot {
		// A bot's caption: the prompt is the first line.
		text, _, _ = strings.Cut(text, "\n")
	}
	if strings.HasPrefix(text, "/") {
		// Someone's command, e.g. an earlier /imagine: drop the command.
		_, text, _ = strings.Cut(text, " ")
	}
	base, err := imagine.ParseInline(text, who)
	if err != nil {
		// Someone else's text with something like an option in it: it is
		// not this user's mistake, so take the text as it is.
		base = imagine.NewRequest(text, who)
	}
	return merge(base, req), nil
}

// merge returns base with the options set in over.
func merge(base, over imagine.Request) imagine.Request {
	if over.NegativePrompt != "" {
		base.NegativePrompt = over.NegativePrompt
	}
	if over.Width != 0 || over.Height != 0 || !over.Aspect.IsZero() {
		base.Width, base.Height, base.Aspect = over.Width, over.Height, over.Aspect
	}
	if over.Steps != 0 {
		base.Steps = over.Steps
	}
	if over.Seed != -1 {
		base.Seed = over.Seed
	}
	if over.BatchSize != 0 {
		base.BatchSize = over.BatchSize
	}
	if over.Style != "" {
		base.Style = over.Style
	}
	base.HiresFix = base.HiresFix || over.HiresFix
	base.Requester = over.Requester
	return base
}
