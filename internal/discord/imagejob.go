package discord

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// planImageJob plans a job that starts from a user's picture: req with
// the picture as Init. What Discord says of the picture is checked now
// (an ephemeral refusal, nothing downloaded); the work acknowledges the
// interaction with a public deferred response, downloads and checks the
// picture, submits the job and edits that message until the job ends. A
// picture refused once downloaded turns the response into the one line
// that says why. Unlike text jobs, these are submitted once their picture
// is here (a download must not hold up the gateway's events), so they may
// enter the fair queue after a text job the same user sent just after.
func (a *Adapter) planImageJob(in *incoming, req imagine.Request, src imageSource) work {
	if err := a.precheck(src); err != nil {
		return a.planRefusal(in, err)
	}
	if err := checkStrength(req.Strength); err != nil {
		return a.planRefusal(in, err)
	}
	// Who asks and how often is checked before the download: a blocked or
	// over-quota user does not keep the downloads busy.
	if err := a.core.Admit(req); err != nil {
		return a.planRefusal(in, err)
	}
	return then(func(ctx context.Context) { a.runImageJob(ctx, in, req, src) })
}

// checkStrength refuses a strength outside 0–1 before any download (the
// core checks it again on Submit).
func checkStrength(s float64) error {
	if s < 0 || s > 1 || math.IsNaN(s) {
		return &imagine.UserError{Kind: imagine.ErrBadOption, ID: catalog.MsgCFGRange, Args: []any{"--strength", 0.0, 1.0, s}}
	}
	return nil
}

// restartingTimeout bounds the answer that tells a user the bot is
// restarting, sent once the work's context has ended: it holds up the
// shutdown that long at most.
const restartingTimeout = 3 * time.Second

func (a *Adapter) runImageJob(ctx context.Context, in *incoming, req imagine.Request, src imageSource) {
	msg, err := a.acknowledge(ctx, in, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource})
	if err != nil {
		a.log.Warn("could not acknowledge an interaction", "interaction", in.i.ID, "err", err)
		return
	}
	start := a.now()
	init, err := a.fetch(ctx, src)
	var tk *imagine.Ticket
	if err == nil {
		req.Init = init
		req.Source = source(in)
		tk, err = a.core.Submit(req)
	}
	if errors.Is(err, imagine.ErrDuplicate) {
		a.ignoreDuplicate(in)
		return
	}
	if err != nil && ctx.Err() != nil {
		// The shutdown grace ended while the picture downloaded: the
		// work's context has ended, so the answer goes on one of its own.
		a.log.Info("a picture job was abandoned at shutdown", "interaction", in.i.ID, "user", in.who.Key())
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), restartingTimeout)
		defer cancel()
		a.refuseDeferred(rctx, in, &imagine.UserError{Kind: imagine.ErrShuttingDown, ID: catalog.MsgShuttingDown})
		return
	}
	if err != nil {
		a.refuseDeferred(ctx, in, err)
		return
	}
	a.log.Debug("picture job submitted", "job", tk.ID.String(), "picture", src.logID(),
		"took", a.now().Sub(start).Round(time.Millisecond))
	a.followJob(ctx, in, req, tk, msg, &src)
}

// refuseDeferred turns an acknowledged interaction's "thinking…" response
// into the one line that says why nothing happens.
func (a *Adapter) refuseDeferred(ctx context.Context, in *incoming, err error) {
	a.logRefusal(in, err)
	text := a.describe(in, err)
	m := &outMessage{Content: &text, Embeds: &[]*discordgo.MessageEmbed{}, Components: &[]discordgo.MessageComponent{},
		AllowedMentions: noMentions()}
	bucket := a.rest.webhooks.get()
	defer a.rest.webhooks.put(bucket)
	if _, err := a.rest.editOriginal(ctx, bucket, in.i.AppID, in.i.Token, m, nil); err != nil {
		a.log.Warn("could not say why a picture was refused", "interaction", in.i.ID, "err", err)
	}
}

// planUpscale plans ⬆ Upscale on image idx of a result: the image is read
// from the store and the job submitted now; its message is a new message
// that replies to the result (which stays as it is).
func (a *Adapter) planUpscale(in *incoming, prev imagine.Record, idx int) work {
	if prev.Request.Kind == imagine.KindUpscale || idx >= len(prev.Seeds) {
		return a.planReply(in, catalog.T(in.locale(), catalog.MsgButtonExpired))
	}
	img, err := a.core.Image(prev.ID, idx)
	if err != nil {
		return a.planReply(in, a.buttonRefusal(in, err))
	}
	req := prev.UpscaleImage(in.who, idx, img)
	req.Source = source(in)
	replyTo := ""
	if in.i.Message != nil {
		replyTo = in.i.Message.ID
	}
	return a.planReplyJob(in, req, replyTo)
}

// planReplyJob submits req and plans its message as a reply to the
// message replyTo.
func (a *Adapter) planReplyJob(in *incoming, req imagine.Request, replyTo string) work {
	tk, err := a.core.Submit(req)
	if errors.Is(err, imagine.ErrDuplicate) {
		return a.ignoreDuplicate(in)
	}
	if err != nil {
		return a.planRefusal(in, err)
	}
	return work{
		run:  func(ctx context.Context) { a.runReplyJob(ctx, in, req, tk, replyTo) },
		undo: func() { _ = a.core.Cancel(tk.ID, req.Requester, true) },
	}
}

// runReplyJob acknowledges a click without a message of its own and posts
// the job's message as a reply to replyTo, mentioning the presser; the bot
// then edits it with its own token. Where the bot cannot post (an app only
// the user installed, a private channel), the job's message is the
// interaction's response instead, as for Reroll.
func (a *Adapter) runReplyJob(ctx context.Context, in *incoming, req imagine.Request, tk *imagine.Ticket, replyTo string) {
	if _, canPost := botReach(in.i); !canPost || replyTo == "" {
		a.runJob(ctx, in, req, tk)
		return
	}
	if _, err := a.acknowledge(ctx, in, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate}); err != nil {
		a.log.Warn("could not acknowledge a click; cancelling its job", "job", tk.ID.String(), "interaction", in.i.ID, "err", err)
		_ = a.core.Cancel(tk.ID, req.Requester, true)
		return
	}
	a.log.Info("job accepted", "job", tk.ID.String(), "user", req.Requester.Key(), "channel", in.i.ChannelID, "reply_to", replyTo)
	ref := newRef(in)
	ref.ReplyTo = replyTo
	a.core.SetRef(tk.ID, imagine.Ref{Data: ref.encode()})
	e := a.newEditor(ref, "", req.Requester, tk)
	defer e.close()
	e.run(ctx)
}

// planRerun plans a job that runs a stored job again (Reroll, Vary, Try
// again, /history): a job from a picture fetches the picture again from
// its link (a result's upscale reads its image from the store again); once
// that is gone, the user is told to send the picture again.
func (a *Adapter) planRerun(in *incoming, prev imagine.Record, req imagine.Request) work {
	req.Source = source(in)
	switch req.Kind {
	case imagine.KindImg2Img:
		ref, ok := decodeRef(prev.Ref)
		if !ok || ref.Input == nil {
			return a.planRefusal(in, errPictureGone)
		}
		return a.planImageJob(in, req, *ref.Input)
	case imagine.KindUpscale:
		if req.From == nil {
			return a.planRefusal(in, errPictureGone)
		}
		src, err := a.core.Record(req.From.Job)
		var img []byte
		if err == nil {
			img, err = a.core.Image(req.From.Job, req.From.Index)
		}
		if err != nil {
			return a.planRefusal(in, errPictureGone)
		}
		up := src.UpscaleImage(in.who, req.From.Index, img)
		up.Source = req.Source
		replyTo := ""
		if ref, ok := decodeRef(src.Ref); ok {
			replyTo = ref.Result
		}
		return a.planReplyJob(in, up, replyTo)
	}
	return a.planJob(in, req)
}
