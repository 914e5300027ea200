package discord

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

// incoming is an interaction being handled, with what the adapter derived
// from it.
type incoming struct {
	i         *discordgo.Interaction
	who       imagine.Requester
	user      *discordgo.User
	fileLimit int64     // attachment_size_limit, or 0
	received  time.Time // when the gateway delivered it
}

// onEvent receives every gateway event (in discordgo's reading goroutine)
// and hands interactions to a goroutine of their own.
func (a *Adapter) onEvent(ctx context.Context, e *discordgo.Event) {
	if e.Type != "INTERACTION_CREATE" {
		return
	}
	ic, ok := e.Struct.(*discordgo.InteractionCreate)
	if !ok || ic.Interaction == nil {
		return
	}
	in := newIncoming(ic.Interaction, e.RawData, a.now())
	if !a.tasks.Go(func() { a.handle(ctx, in) }) {
		a.log.Debug("interaction dropped while shutting down", "interaction", in.i.ID)
	}
}

func newIncoming(i *discordgo.Interaction, raw json.RawMessage, now time.Time) *incoming {
	in := &incoming{i: i, received: now}
	// discordgo's Interaction lacks attachment_size_limit.
	var extra struct {
		AttachmentSizeLimit int64 `json:"attachment_size_limit"`
	}
	if json.Unmarshal(raw, &extra) == nil {
		in.fileLimit = extra.AttachmentSizeLimit
	}
	switch {
	case i.Member != nil && i.Member.User != nil:
		in.user = i.Member.User
	case i.User != nil:
		in.user = i.User
	default:
		in.user = &discordgo.User{}
	}
	name := in.user.DisplayName()
	if i.Member != nil && i.Member.Nick != "" {
		name = i.Member.Nick
	}
	in.who = imagine.Requester{Platform: imagine.Discord, UserID: in.user.ID, Name: name, Locale: string(i.Locale)}
	return in
}

func (in *incoming) locale() string { return in.who.Locale }

// handle answers one interaction.
func (a *Adapter) handle(ctx context.Context, in *incoming) {
	defer func() {
		if r := recover(); r != nil {
			a.log.Error("interaction handler panicked", "interaction", in.i.ID, "panic", r)
		}
	}()
	if !a.placeAllowed(in.i) {
		a.refusePlace(ctx, in)
		return
	}
	switch in.i.Type {
	case discordgo.InteractionApplicationCommand:
		a.handleCommand(ctx, in)
	case discordgo.InteractionApplicationCommandAutocomplete:
		a.handleAutocomplete(ctx, in)
	case discordgo.InteractionMessageComponent:
		a.handleComponent(ctx, in)
	default:
		a.log.Debug("ignoring interaction", "type", in.i.Type.String())
	}
}

func (a *Adapter) handleCommand(ctx context.Context, in *incoming) {
	data := in.i.ApplicationCommandData()
	if a.stopping.Load() {
		a.replyEphemeral(ctx, in, imagine.T(in.locale(), imagine.MsgShuttingDown))
		return
	}
	switch data.Name {
	case cmdImagine:
		a.handleImagine(ctx, in, data.Options)
	case cmdModel:
		a.handleModel(ctx, in, data.Options)
	case cmdQueue:
		a.handleQueue(ctx, in)
	case cmdHelp:
		a.handleHelp(ctx, in)
	default:
		a.replyEphemeral(ctx, in, imagine.T(in.locale(), imagine.MsgDiscordUnknownCommand))
	}
}

// replyEphemeral answers an interaction with a message only its user sees.
func (a *Adapter) replyEphemeral(ctx context.Context, in *incoming, text string) {
	resp := &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{
			Content:         imagine.Shorten(text, maxContent),
			Flags:           discordgo.MessageFlagsEphemeral,
			AllowedMentions: noMentions(),
		},
	}
	if _, err := a.rest.respond(ctx, in.i, resp, false); err != nil {
		a.log.Warn("could not answer an interaction", "interaction", in.i.ID, "err", err)
	}
}

// deferReply acknowledges an interaction whose answer comes later: a
// "thinking…" message, ephemeral or public. It returns the message (nil if
// Discord did not send it back). A 5xx or a network error is retried while
// the 3-second window lasts; an "already acknowledged" answer to a retry
// means an earlier try got through.
func (a *Adapter) deferReply(ctx context.Context, in *incoming, ephemeral bool) (*discordgo.Message, error) {
	resp := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}
	if ephemeral {
		resp.Data = &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral}
	}
	deadline := in.received.Add(ackWindow)
	for attempt := 0; ; attempt++ {
		msg, err := a.deferOnce(ctx, in, resp)
		var ae *apiError
		switch {
		case err == nil:
			return msg, nil
		case attempt > 0 && errors.As(err, &ae) && ae.Code == codeAlreadyAcknowledged:
			return nil, nil
		case classify(err) != errTransient || a.now().Add(ackRetry).After(deadline):
			return nil, err
		}
		a.log.Debug("acknowledgement failed, retrying", "interaction", in.i.ID, "attempt", attempt+1, "err", err)
		if !sleepCtx(ctx, ackRetry) {
			return nil, err
		}
	}
}

// The window in which an acknowledgement may be retried (Discord's is 3 s
// from the interaction), and the pause between tries.
const (
	ackWindow = 2500 * time.Millisecond
	ackRetry  = 250 * time.Millisecond
)

func (a *Adapter) deferOnce(ctx context.Context, in *incoming, resp *discordgo.InteractionResponse) (*discordgo.Message, error) {
	msg, err := a.rest.respond(ctx, in.i, resp, true)
	if classify(err) == errOther {
		// A proxy or server that refuses ?with_response: the message id
		// then comes with the first edit.
		return a.rest.respond(ctx, in.i, resp, false)
	}
	return msg, err
}

// noMentions keeps user text (prompts may contain @everyone) from pinging.
func noMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

// isAdmin reports whether the interaction's user is a bot admin: listed in
// AdminUserIDs, holding one of AdminRoleIDs, or with the Administrator or
// Manage Server permission where they act.
func (a *Adapter) isAdmin(in *incoming) bool {
	if slices.Contains(a.cfg.AdminUserIDs, in.user.ID) {
		return true
	}
	m := in.i.Member
	if m == nil {
		return false
	}
	for _, r := range m.Roles {
		if slices.Contains(a.cfg.AdminRoleIDs, r) {
			return true
		}
	}
	return m.Permissions&(discordgo.PermissionAdministrator|discordgo.PermissionManageGuild) != 0
}
