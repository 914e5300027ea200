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
	actUpscale action = 'u'
	actRetry   action = 't'
)

// buttonPrefix starts every custom_id of the adapter's buttons.
const buttonPrefix = "im"

// buttonID builds a custom_id: "im:NONCE:ACTION:JOB:INDEX", far below
// Discord's 100 characters. The nonce tells this process's buttons from
// those of an earlier one, whose job ids meant other jobs.
func buttonID(nonce string, act action, job imagine.JobID, idx int) string {
	return buttonPrefix + ":" + nonce + ":" + string(act) + ":" + job.String() + ":" + strconv.Itoa(idx)
}

// button is a parsed custom_id.
type button struct {
	nonce string
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
	return button{nonce: f[1], act: action(f[2][0]), job: job, idx: idx}, true
}

// handleButton answers a button click within Discord's 3 seconds:
// Cancel with a deferred update (the job's editor then shows the result),
// Reroll, Upscale and Try again with a new deferred message for the new job.
func (a *Adapter) handleButton(in *incoming) work {
	expired := a.planReply(in, catalog.T(in.locale(), catalog.MsgButtonExpired))
	b, ok := parseButtonID(in.i.MessageComponentData().CustomID)
	if !ok || b.nonce != a.nonce {
		return expired
	}
	if b.act == actCancel {
		return then(func(ctx context.Context) { a.handleCancel(ctx, in, b.job) })
	}
	if a.stopping.Load() {
		return a.planReply(in, catalog.T(in.locale(), catalog.MsgShuttingDown))
	}
	// The clicking user asks, and counts against their limit.
	prev, ok := a.store.get(b.job)
	switch {
	case !ok:
		return expired
	case b.act == actReroll:
		return a.planJob(in, prev.req.Reroll(in.who))
	case b.act == actUpscale && b.idx < len(prev.seeds):
		return a.planJob(in, prev.req.Upscale(in.who, prev.seeds[b.idx]))
	case b.act == actRetry:
		return a.planJob(in, prev.req.Retry(in.who))
	}
	return expired
}

// handleCancel cancels a job for its requester or an admin; anyone else gets
// an ephemeral refusal.
func (a *Adapter) handleCancel(ctx context.Context, in *incoming, job imagine.JobID) {
	err := a.core.Cancel(job, in.who, a.isAdmin(in))
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
