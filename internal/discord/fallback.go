package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/bwmarrin/discordgo"
	"github.com/imaginebot/imaginebot/internal/catalog"
)

// textRetries bounds the tries of the text that replaces a refused result.
const textRetries = 3

// deliverWithoutFiles ends a job whose result Discord refused to attach to
// the job message (no Attach Files permission, a file too large): it sends
// the images to the user in a direct message where it can, then replaces
// the job message (with its Cancel button) by a text that says why the
// image is not there and where it went, with the result's buttons. So a
// finished job never looks like it is still running.
func (e *editor) deliverWithoutFiles(ctx context.Context, v *view, cause error) {
	loc := e.r.locale
	e.log.Warn("the result could not be attached to the job message", "route", e.d.route.String(), "err", cause)
	text := catalog.T(loc, catalog.MsgDiscordNotAttached, refusalReason(loc, cause))
	if e.sendByDM(ctx, v) {
		text += "\n" + catalog.T(loc, catalog.MsgDiscordSentByDM)
	}
	tv := textOnly(v, text)
	for try := 1; ; try++ {
		err := e.d.send(ctx, tv)
		if err == nil {
			e.shownKey = v.key
			return
		}
		kind := classify(err)
		if (kind != errRateLimited && kind != errTransient) || try >= textRetries ||
			!sleepCtx(ctx, max(retryAfter(err), e.a.backoff<<try)) {
			e.log.Warn("could not replace the refused result by a text either", "route", e.d.route.String(), "err", err)
			return
		}
	}
}

// refusalReason words why Discord refused an upload.
func refusalReason(loc string, err error) string {
	var ae *apiError
	errors.As(err, &ae)
	switch {
	case ae == nil:
		return catalog.T(loc, catalog.MsgDiscordUploadRefused, err.Error())
	case ae.Code == codeMissingPermissions:
		return catalog.T(loc, catalog.MsgDiscordNoAttachPermission)
	case ae.Code == codeEntityTooLarge || ae.Status == http.StatusRequestEntityTooLarge:
		return catalog.T(loc, catalog.MsgDiscordTooLarge)
	case ae.Code != 0:
		return catalog.T(loc, catalog.MsgDiscordUploadRefused, fmt.Sprintf("HTTP %d, code %d", ae.Status, ae.Code))
	default:
		return catalog.T(loc, catalog.MsgDiscordUploadRefused, fmt.Sprintf("HTTP %d", ae.Status))
	}
}

// sendByDM sends the result v to the requester in a direct message and
// reports whether it arrived. It does not try where the job message is in
// that DM already.
func (e *editor) sendByDM(ctx context.Context, v *view) bool {
	if e.inDM {
		return false
	}
	chID, err := e.d.api.openDM(ctx, e.d.userID)
	if err != nil {
		e.log.Info("could not open a DM for the result", "err", err)
		return false
	}
	content := catalog.T(e.r.locale, catalog.MsgDiscordDMResult)
	m := &outMessage{Content: &content, Embeds: &v.embeds, Components: &v.components,
		AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}}
	if _, err := e.d.api.postMessage(ctx, chID, m, v.files); err != nil {
		e.log.Info("could not send the result by DM", "err", err)
		return false
	}
	e.log.Info("result sent by DM")
	return true
}
