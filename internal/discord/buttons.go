package discord

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// action is what a button does.
type action byte

const (
	actCancel  action = 'c'
	actReroll  action = 'r'
	actUpscale action = 'u' // ⬆ on one image: enlarge it (before image input: a hires re-run)
	actVary    action = 'v'
	actRetry   action = 't'
)

// buttonPrefix starts every custom_id of the adapter's buttons.
const buttonPrefix = "im"

// buttonID builds a custom_id: "im:STAMP:ACTION:JOB:INDEX", far below
// Discord's 100 characters. Job ids are kept across restarts, so buttons
// work after one; the stamp (jobRef.stamp) tells a job from another that
// had the same id.
func buttonID(stamp string, act action, job imagine.JobID, idx int) string {
	return buttonPrefix + ":" + stamp + ":" + string(act) + ":" + job.String() + ":" + strconv.Itoa(idx)
}

// button is a parsed custom_id.
type button struct {
	stamp string
	act   action
	job   imagine.JobID
	idx   int
}

func parseButtonID(s string) (button, bool) {
	f := strings.Split(s, ":")
	if len(f) != 5 || f[0] != buttonPrefix || len(f[2]) != 1 {
		return button{}, false
	}
	job, err := imagine.ParseJobID(f[3])
	if err != nil {
		return button{}, false
	}
	idx, err := strconv.Atoi(f[4])
	if err != nil || idx < 0 {
		return button{}, false
	}
	return button{stamp: f[1], act: action(f[2][0]), job: job, idx: idx}, true
}

// errStaleButton is a button whose job the store no longer knows, or
// whose id now means another job.
var errStaleButton = errors.New("discord: stale button")

// record returns the stored job of a button: a *imagine.UserError of kind
// imagine.ErrExpired once the store dropped it, errStaleButton if the id
// is another job's now. A job whose references could not be saved (a
// store failure) has no stamp to check; its buttons work all the same.
func (a *Adapter) record(b button) (imagine.Record, error) {
	rec, err := a.core.Record(b.job)
	if err != nil {
		return imagine.Record{}, err
	}
	if rec.Request.Requester.Platform != imagine.Discord || (len(rec.Ref) > 0 && recordStamp(rec) != b.stamp) {
		return imagine.Record{}, errStaleButton
	}
	return rec, nil
}

// buttonRefusal words why a button does nothing, in the presser's
// language.
func (a *Adapter) buttonRefusal(in *incoming, err error) string {
	var ue *imagine.UserError
	switch {
	case errors.Is(err, errStaleButton):
		return catalog.T(in.locale(), catalog.MsgButtonExpired)
	case errors.As(err, &ue):
		return imagine.Describe(err, in.locale())
	default:
		a.log.Error("cannot read a job for its button", "err", err)
		return imagine.Describe(err, in.locale())
	}
}

// handleButton answers a button click within Discord's 3 seconds:
// Cancel with a deferred update (the job's editor then shows the result),
// Reroll, Vary and Try again (also /history's run-again buttons) with a
// new deferred message for the new job, made from the stored job (a job
// from a picture fetches it again: planRerun), Upscale with a new message
// that replies to the result (planUpscale).
func (a *Adapter) handleButton(in *incoming) work {
	expired := a.planReply(in, catalog.T(in.locale(), catalog.MsgButtonExpired))
	b, ok := parseButtonID(in.i.MessageComponentData().CustomID)
	if !ok {
		return expired
	}
	if b.act == actCancel {
		return then(func(ctx context.Context) { a.handleCancel(ctx, in, b) })
	}
	if a.stopping.Load() {
		return a.planReply(in, catalog.T(in.locale(), catalog.MsgShuttingDown))
	}
	prev, err := a.record(b)
	if err != nil {
		return a.planReply(in, a.buttonRefusal(in, err))
	}
	// The clicking user asks, and counts against their limit and quota.
	var req imagine.Request
	switch {
	case b.act == actReroll:
		req = prev.Request.Reroll(in.who)
	case b.act == actUpscale:
		return a.planUpscale(in, prev, b.idx)
	case b.act == actVary && b.idx < len(prev.Seeds):
		req = prev.Vary(in.who, b.idx)
	case b.act == actRetry:
		req = prev.Again(in.who)
	default:
		return expired
	}
	return a.planRerun(in, prev, req)
}

// handleCancel cancels a job for its requester or an admin; anyone else gets
// an ephemeral refusal.
func (a *Adapter) handleCancel(ctx context.Context, in *incoming, b button) {
	if _, err := a.record(b); err != nil {
		a.replyEphemeral(ctx, in, catalog.T(in.locale(), catalog.MsgButtonExpired))
		return
	}
	job := b.job
	err := a.core.Cancel(job, in.who, in.who.Admin)
	if err != nil {
		if !errors.Is(err, imagine.ErrNotYourJob) && !errors.Is(err, imagine.ErrJobNotFound) {
			a.log.Warn("cancel failed", "job", job.String(), "err", err)
		}
		a.replyEphemeral(ctx, in, imagine.Describe(err, in.locale()))
		return
	}
	a.log.Info("job cancelled", "job", job.String(), "by", in.who.Key())
	resp := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate}
	if _, err := a.rest.respond(ctx, in.i, resp, false); err != nil {
		a.log.Warn("could not acknowledge a click", "interaction", in.i.ID, "err", err)
	}
}
