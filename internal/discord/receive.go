package discord

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/tasks"
)

// incoming is an interaction being handled, with what the adapter derived
// from it.
type incoming struct {
	i         *discordgo.Interaction
	who       imagine.Requester // with the reply language the user chose, and Admin
	client    string            // the locale of the user's Discord client
	user      *discordgo.User
	fileLimit int64     // attachment_size_limit, or 0
	received  time.Time // when the gateway delivered it
}

// onEvent receives every gateway event (in discordgo's reading goroutine,
// in the order the gateway delivered them). It does an interaction's local
// work at once, so that jobs enter the fair queue in arrival order (two
// goroutines racing to Submit would let a user's second request overtake
// their first), and hands the network work (the acknowledgement, the job
// message's editor) to a goroutine of the adapter's group.
func (a *Adapter) onEvent(ctx context.Context, e *discordgo.Event) {
	if e.Type != "INTERACTION_CREATE" {
		return
	}
	ic, ok := e.Struct.(*discordgo.InteractionCreate)
	if !ok || ic.Interaction == nil {
		return
	}
	in := newIncoming(ic.Interaction, e.RawData, a.now())
	var w work
	if !a.group.Do(func() { w = a.plan(in) }) {
		a.log.Warn("interaction dropped after a panic", "interaction", in.i.ID)
		return
	}
	if w.run == nil {
		return
	}
	if !a.group.Go(func() { w.run(ctx) }) {
		a.log.Debug("interaction dropped while shutting down", "interaction", in.i.ID)
		if w.undo != nil {
			w.undo()
		}
	}
}

// work is what remains of an interaction after its local part: run does
// the network part; undo, if set, reverts the local part (a submitted job)
// when run will never run.
type work struct {
	run  func(ctx context.Context)
	undo func()
}

// then is work that only runs f.
func then(f func(ctx context.Context)) work { return work{run: f} }

func newIncoming(i *discordgo.Interaction, raw json.RawMessage, now time.Time) *incoming {
	in := &incoming{i: i, received: now}
	var extra interactionExtras
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
	in.client = string(i.Locale)
	in.who = imagine.Requester{Platform: imagine.Discord, UserID: in.user.ID, Name: name, Locale: in.client}
	return in
}

func (in *incoming) locale() string { return in.who.Locale }

// plan decides what to do with an interaction and does its local part now
// (building and submitting a job); it never touches the network.
func (a *Adapter) plan(in *incoming) work {
	if !a.placeAllowed(in.i) {
		return then(func(ctx context.Context) { a.refusePlace(ctx, in) })
	}
	switch in.i.Type {
	case discordgo.InteractionApplicationCommand, discordgo.InteractionMessageComponent, discordgo.InteractionModalSubmit:
		in.who.Admin = a.isAdmin(in) // admins have no quota
		in.who = a.core.Prefs(in.who).ApplyLocale(in.who)
	}
	switch in.i.Type {
	case discordgo.InteractionApplicationCommand:
		return a.planCommand(in)
	case discordgo.InteractionApplicationCommandAutocomplete:
		return then(func(ctx context.Context) { a.handleAutocomplete(ctx, in) })
	case discordgo.InteractionMessageComponent:
		return a.handleButton(in)
	case discordgo.InteractionModalSubmit:
		return a.handleModalSubmit(in)
	default:
		a.log.Debug("ignoring interaction", "type", in.i.Type.String())
		return work{}
	}
}

func (a *Adapter) planCommand(in *incoming) work {
	data := in.i.ApplicationCommandData()
	if a.stopping.Load() {
		return a.planReply(in, catalog.T(in.locale(), catalog.MsgShuttingDown))
	}
	if data.CommandType == discordgo.MessageApplicationCommand {
		if data.Name == cmdFromImage {
			return a.handleFromImage(in, data)
		}
		return a.planReply(in, texts.UnknownCommand.In(in.locale()))
	}
	switch data.Name {
	case cmdImagine:
		return a.handleImagine(in, data)
	case cmdModel:
		return then(func(ctx context.Context) { a.handleModel(ctx, in, data.Options) })
	case cmdQueue:
		return then(func(ctx context.Context) { a.handleQueue(ctx, in) })
	case cmdHelp:
		return then(func(ctx context.Context) { a.handleHelp(ctx, in) })
	case cmdSettings:
		return then(func(ctx context.Context) { a.handleSettings(ctx, in, data.Options) })
	case cmdHistory:
		return then(func(ctx context.Context) { a.handleHistory(ctx, in) })
	default:
		return a.planReply(in, texts.UnknownCommand.In(in.locale()))
	}
}

// planReply answers with an ephemeral text.
func (a *Adapter) planReply(in *incoming, text string) work {
	return then(func(ctx context.Context) { a.replyEphemeral(ctx, in, text) })
}

// replyEphemeral answers an interaction with a message only its user sees.
func (a *Adapter) replyEphemeral(ctx context.Context, in *incoming, text string) {
	a.replyEphemeralWith(ctx, in, text, nil)
}

// replyEphemeralWith answers with a message only its user sees, with
// buttons.
func (a *Adapter) replyEphemeralWith(ctx context.Context, in *incoming, text string, components []discordgo.MessageComponent) {
	resp := &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{
			Content:         imagine.Shorten(text, maxContent),
			Flags:           discordgo.MessageFlagsEphemeral,
			AllowedMentions: noMentions(),
			Components:      components,
		},
	}
	if _, err := a.rest.respond(ctx, in.i, resp, false); err != nil {
		a.log.Warn("could not answer an interaction", "interaction", in.i.ID, "err", err)
	}
}

// answerChoices answers an autocomplete interaction.
func (a *Adapter) answerChoices(ctx context.Context, in *incoming, choices []*discordgo.ApplicationCommandOptionChoice) {
	resp := &discordgo.InteractionResponse{Type: discordgo.InteractionApplicationCommandAutocompleteResult,
		Data: &discordgo.InteractionResponseData{Choices: choices}}
	if _, err := a.rest.respond(ctx, in.i, resp, false); err != nil {
		a.log.Debug("could not answer an autocomplete", "err", err)
	}
}

// acknowledge answers an interaction whose answer comes later with resp:
// a deferred "thinking…" message, or a deferred update of a button's
// message. It returns the message (nil if Discord did not send it back). A
// 5xx or a network error is retried while the 3-second window lasts; an
// "already acknowledged" answer to a retry means an earlier try got
// through.
func (a *Adapter) acknowledge(ctx context.Context, in *incoming, resp *discordgo.InteractionResponse) (*discordgo.Message, error) {
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
		if !tasks.Sleep(ctx, ackRetry) {
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
