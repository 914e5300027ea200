package discord

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

// route is how a job message is delivered.
type route int

const (
	viaWebhook route = iota // the interaction token: PATCH @original (15 minutes)
	viaBotEdit              // the bot token: PATCH /channels/{c}/messages/{m}
	viaBotPost              // the bot token: a new channel message mentioning the user, then edits of it
	viaNone                 // nothing can reach the user any more
)

var routeNames = [...]string{"webhook", "bot edit", "bot post", "none"}

func (r route) String() string { return routeNames[r] }

// Delivery failures that end a message.
var (
	errNoRoute     = errors.New("no way to reach the user")
	errMessageGone = errors.New("the message or its channel was deleted")
)

// expiryMargin is how long before its end an interaction token is no
// longer used: a request must not start just before the token dies.
func expiryMargin(lifetime time.Duration) time.Duration {
	return min(lifetime/20, 30*time.Second)
}

// createdAt returns when an interaction was created: the time in its
// snowflake id, unless that is implausibly far from when it arrived (an id
// that is not a snowflake, a skewed clock), since an interaction is answered
// within seconds or never.
func createdAt(id string, received time.Time) time.Time {
	t, err := discordgo.SnowflakeTimestamp(id)
	if err != nil || t.Before(received.Add(-time.Minute)) || t.After(received.Add(time.Minute)) {
		return received
	}
	return t
}

// botReach reports whether the bot itself can edit the job message and post
// in the channel, once the interaction token is gone. It cannot where the
// app is only user-installed (no guild install among the authorizing
// owners) or used in a private channel, nor without seeing the channel and
// attaching files there.
func botReach(i *discordgo.Interaction) (canEdit, canPost bool) {
	if _, ok := i.AuthorizingIntegrationOwners[discordgo.ApplicationIntegrationGuildInstall]; !ok && len(i.AuthorizingIntegrationOwners) > 0 {
		return false, false
	}
	switch i.Context {
	case discordgo.InteractionContextPrivateChannel:
		return false, false
	case discordgo.InteractionContextBotDM:
		return true, true
	}
	p := i.AppPermissions
	canEdit = p&discordgo.PermissionViewChannel != 0 && p&discordgo.PermissionAttachFiles != 0
	canPost = canEdit && p&(discordgo.PermissionSendMessages|discordgo.PermissionSendMessagesInThreads) != 0 &&
		p&discordgo.PermissionEmbedLinks != 0
	return canEdit, canPost
}

// delivery sends a job message's views to Discord: through the interaction
// token while it lives, then (once, for good) through the bot token. It is
// used by one editor goroutine.
type delivery struct {
	api  messageAPI
	log  *slog.Logger
	now  func() time.Time
	slot *slotPool

	bucket       string // the webhook rate-limit bucket this message holds
	appID, token string
	expires      time.Time // when to stop using the token
	channelID    string
	messageID    string // known from the deferred response or the first edit
	posted       bool   // messageID is a message the bot posted, not the interaction's response
	replyTo      string // a posted message replies to this one (an upscale's result), or ""
	userID       string
	botCanEdit   bool
	botCanPost   bool
	route        route
	reposts      int  // new messages posted because the job message was deleted
	hidden       bool // the job message was deleted: only the terminal view is posted again

	// What the message shows, so that an edit sends only what changed.
	shown struct {
		valid                     bool
		files, embeds, components string
	}
}

// unreachable reports whether the message cannot be updated once the token
// is gone.
func (d *delivery) unreachable() bool { return !d.botCanEdit && !d.botCanPost }

// release returns the message's rate-limit bucket.
func (d *delivery) release() {
	if d.bucket != "" {
		d.slot.put(d.bucket)
		d.bucket = ""
	}
}

// fallBack leaves the interaction token for the best bot-token route.
func (d *delivery) fallBack(reason string) {
	switch {
	case d.messageID != "" && d.botCanEdit:
		d.route = viaBotEdit
	case d.botCanPost:
		d.route = viaBotPost
	default:
		d.route = viaNone
	}
	d.log.Info("leaving the interaction token", "reason", reason, "route", d.route.String())
}

// send delivers v, switching routes as needed. Its errors are classified by
// classify, or wrap errNoRoute or errMessageGone.
func (d *delivery) send(ctx context.Context, v *view) error {
	if d.hidden && !v.final {
		return nil
	}
	if d.route == viaWebhook && !d.now().Before(d.expires) {
		d.fallBack("the interaction token expired")
	}
	for {
		var msg *discordgo.Message
		var err error
		switch d.route {
		case viaWebhook:
			m, files := d.body(v, false)
			msg, err = d.api.editOriginal(ctx, d.bucket, d.appID, d.token, m, files)
		case viaBotEdit:
			m, files := d.body(v, false)
			msg, err = d.api.editMessage(ctx, d.channelID, d.messageID, m, files)
		case viaBotPost:
			m, files := d.body(v, true)
			msg, err = d.api.postMessage(ctx, d.channelID, m, files)
		default:
			return errNoRoute
		}
		if err == nil {
			d.delivered(v, msg)
			return nil
		}
		switch classify(err) {
		case errTokenInvalid:
			if d.route == viaWebhook {
				d.fallBack(err.Error()) // once: the route never returns to the token
				continue
			}
		case errForbidden:
			if d.route != viaWebhook && !(len(v.files) > 0 && uploadRefused(err)) {
				d.route = viaNone
				return fmt.Errorf("%w: %w", errNoRoute, err)
			}
		case errGone:
			if d.repost(err) {
				if !v.final {
					return nil // the result comes as a new message
				}
				continue
			}
			return fmt.Errorf("%w: %w", errMessageGone, err)
		}
		return err
	}
}

// maxReposts bounds the new messages posted for one job whose message
// keeps being deleted.
const maxReposts = 3

// repost switches to a new channel message mentioning the user after the
// job message was deleted (someone tidying up the channel): the job goes
// on, its progress is no longer shown and its result is posted as a new
// message. It reports whether that is possible.
func (d *delivery) repost(err error) bool {
	var ae *apiError
	if !errors.As(err, &ae) || ae.Code != codeUnknownMessage || !d.botCanPost || d.reposts >= maxReposts {
		return false
	}
	d.reposts++
	d.route, d.hidden, d.shown.valid = viaBotPost, true, false
	d.log.Info("the job message was deleted; the result will come as a new message", "route", d.route.String())
	return true
}

// body returns the request for v: everything when files change or for a
// new message, else only the parts that changed.
func (d *delivery) body(v *view, post bool) (*outMessage, []file) {
	content := v.content
	m := &outMessage{Content: &content, AllowedMentions: noMentions()}
	if post {
		// The user is not watching an old message: mention them.
		content = "<@" + d.userID + ">\n" + content
		m.AllowedMentions = &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}, Users: []string{d.userID}}
		if d.replyTo != "" {
			// A reply to a message deleted meanwhile is posted as a plain message.
			no := false
			m.MessageReference = &discordgo.MessageReference{MessageID: d.replyTo, ChannelID: d.channelID, FailIfNotExists: &no}
		}
	}
	if post || !d.shown.valid || v.filesKey != d.shown.files {
		m.Embeds, m.Components = &v.embeds, &v.components
		if !post {
			// Replace the files instead of appending to them.
			m.Attachments = &[]*discordgo.MessageAttachment{}
		}
		return m, v.files
	}
	if v.embedsKey != d.shown.embeds {
		m.Embeds = &v.embeds
	}
	if v.componentsKey != d.shown.components {
		m.Components = &v.components
	}
	return m, nil
}

func (d *delivery) delivered(v *view, msg *discordgo.Message) {
	d.shown.valid = true
	d.shown.files, d.shown.embeds, d.shown.components = v.filesKey, v.embedsKey, v.componentsKey
	if msg != nil && d.route == viaBotPost {
		d.messageID, d.channelID, d.route, d.posted = msg.ID, msg.ChannelID, viaBotEdit, true
		return
	}
	if msg != nil && d.messageID == "" {
		d.messageID = msg.ID
		if msg.ChannelID != "" {
			d.channelID = msg.ChannelID
		}
	}
}

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
	text := texts.NotAttached.In(loc, refusalReason(loc, cause))
	if e.sendByDM(ctx, v) {
		text += "\n" + texts.SentByDM.In(loc)
	}
	tv := textOnly(v, text)
	if err := retry(ctx, textRetries, e.a.backoff<<1, func() error { return e.d.send(ctx, tv) }); err != nil {
		e.log.Warn("could not replace the refused result by a text either", "route", e.d.route.String(), "err", err)
		return
	}
	e.saveRef(imagine.Done)
	e.shownKey = v.key
}

// refusalReason words why Discord refused an upload.
func refusalReason(loc string, err error) string {
	var ae *apiError
	errors.As(err, &ae)
	switch {
	case ae == nil:
		return texts.UploadRefused.In(loc, err.Error())
	case ae.Code == codeMissingPermissions:
		return texts.NoAttachPermission.In(loc)
	case ae.Code == codeEntityTooLarge || ae.Status == http.StatusRequestEntityTooLarge:
		return texts.TooLarge.In(loc)
	case ae.Code != 0:
		return texts.UploadRefused.In(loc, fmt.Sprintf("HTTP %d, code %d", ae.Status, ae.Code))
	default:
		return texts.UploadRefused.In(loc, fmt.Sprintf("HTTP %d", ae.Status))
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
	content := texts.DMResult.In(e.r.locale)
	m := &outMessage{Content: &content, Embeds: &v.embeds, Components: &v.components,
		AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}}
	if _, err := e.d.api.postMessage(ctx, chID, m, v.files); err != nil {
		e.log.Info("could not send the result by DM", "err", err)
		return false
	}
	e.log.Info("result sent by DM")
	return true
}
