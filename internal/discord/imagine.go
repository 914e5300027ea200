package discord

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// handleImagine answers /imagine: it builds and submits the request (both
// fast and local); the work then refuses ephemerally or acknowledges with a
// public deferred response and edits that message until the job ends.
func (a *Adapter) handleImagine(in *incoming, data discordgo.ApplicationCommandInteractionData) work {
	opts := data.Options
	req, err := buildRequest(opts, in.who)
	if err != nil {
		return a.planRefusal(in, optionWording(err, opts))
	}
	if i := slices.IndexFunc(opts, func(o *discordgo.ApplicationCommandInteractionDataOption) bool { return o.Name == optImage }); i >= 0 {
		id, _ := opts[i].Value.(string)
		var at *discordgo.MessageAttachment
		if data.Resolved != nil {
			at = data.Resolved.Attachments[id]
		}
		if at == nil {
			return a.planRefusal(in, badImage(catalog.MsgInputNotImage))
		}
		if err := checkStrength(req.Strength); err != nil {
			return a.planRefusal(in, optionWording(err, opts))
		}
		return a.planImageJob(in, req, attachmentSource(at))
	}
	req.Source = source(in)
	tk, err := a.core.Submit(req)
	if errors.Is(err, imagine.ErrDuplicate) {
		return a.ignoreDuplicate(in)
	}
	if err != nil {
		return a.planRefusal(in, optionWording(err, opts))
	}
	return a.plannedJob(in, req, tk)
}

// source is the dedup key of the request an interaction makes: Discord
// delivers an interaction again when the gateway replays events, and the
// second delivery must not make a second job.
func source(in *incoming) string { return "dc:" + in.i.ID }

// ignoreDuplicate drops an interaction whose job exists already: the first
// delivery answers it.
func (a *Adapter) ignoreDuplicate(in *incoming) work {
	a.log.Info("interaction delivered again; its job exists already", "interaction", in.i.ID, "user", in.who.Key())
	return work{}
}

// optionNames maps the core's inline option names to /imagine's options.
var optionNames = map[string]string{"--steps": optSteps, "--n": optCount, "--seed": optSeed, "--ar": optAspect, "--cfg": optCFG,
	"--strength": optStrength}

// optionWording names the Discord option in a refusal of a value that came
// from one ("seed must be between…" rather than "--seed must be…"); a value
// written inline in the prompt keeps the inline name.
func optionWording(err error, opts []*discordgo.ApplicationCommandInteractionDataOption) error {
	var ue *imagine.UserError
	if !errors.As(err, &ue) || len(ue.Args) == 0 {
		return err
	}
	name, ok := ue.Args[0].(string)
	if !ok || optionNames[name] == "" ||
		!slices.ContainsFunc(opts, func(o *discordgo.ApplicationCommandInteractionDataOption) bool { return o.Name == optionNames[name] }) {
		return err
	}
	out := *ue
	out.Args = append([]any{optionNames[name]}, ue.Args[1:]...)
	return &out
}

// buildRequest turns /imagine's options into a request. The prompt may
// carry inline options (--ar 16:9 ...); a structured option wins over the
// same inline one, since it is the dedicated, validated field.
func buildRequest(opts []*discordgo.ApplicationCommandInteractionDataOption, who imagine.Requester) (imagine.Request, error) {
	byName := map[string]*discordgo.ApplicationCommandInteractionDataOption{}
	for _, o := range opts {
		byName[o.Name] = o
	}
	var prompt string
	if o := byName[optPrompt]; o != nil {
		prompt, _ = o.Value.(string)
	}
	req, err := imagine.ParseInline(prompt, who)
	if err != nil {
		return imagine.Request{}, err
	}
	if o := byName[optNegative]; o != nil {
		req.NegativePrompt, _ = o.Value.(string)
	}
	if o := byName[optAspect]; o != nil {
		s, _ := o.Value.(string)
		r, ok := parseAspect(s)
		if !ok {
			return imagine.Request{}, &optionError{text: texts.BadAspect, args: []any{s}}
		}
		req.Aspect, req.Width, req.Height = r, 0, 0 // an inline --size would conflict
	}
	for name, dst := range map[string]*int{optSteps: &req.Steps, optCount: &req.BatchSize} {
		if o := byName[name]; o != nil {
			n, ok := intOption(o)
			if !ok {
				return imagine.Request{}, badNumber(name, o)
			}
			*dst = int(n)
		}
	}
	if o := byName[optSeed]; o != nil {
		n, ok := intOption(o)
		if !ok {
			return imagine.Request{}, badNumber(optSeed, o)
		}
		req.Seed = n
	}
	if o := byName[optStyle]; o != nil {
		req.Style, _ = o.Value.(string)
	}
	if o := byName[optHires]; o != nil {
		req.HiresFix, _ = o.Value.(bool)
	}
	for name, dst := range map[string]*string{optPickModel: &req.Model, optSampler: &req.Sampler, optScheduler: &req.Scheduler, optLora: &req.Lora} {
		if o := byName[name]; o != nil {
			if v := strings.TrimSpace(toString(o.Value)); v != "" {
				*dst = v
			}
		}
	}
	if o := byName[optCFG]; o != nil {
		f, ok := o.Value.(float64)
		if !ok {
			return imagine.Request{}, &imagine.UserError{Kind: imagine.ErrBadOption, ID: catalog.MsgBadDecimal, Args: []any{optCFG, toString(o.Value)}}
		}
		req.CFGScale = f
	}
	if o := byName[optStrength]; o != nil {
		f, ok := o.Value.(float64)
		if !ok {
			return imagine.Request{}, &imagine.UserError{Kind: imagine.ErrBadOption, ID: catalog.MsgBadDecimal, Args: []any{optStrength, toString(o.Value)}}
		}
		if f != 0 { // 0 keeps the default (or an inline --strength)
			req.Strength = f
		}
	}
	return req, nil
}

// optionError refuses a structured option or a picture in the adapter's
// own words. It is an imagine.ErrBadOption unless it names another kind.
type optionError struct {
	text catalog.Text
	args []any
	kind error // nil: imagine.ErrBadOption
}

func (e *optionError) Error() string        { return e.text.In("en", e.args...) }
func (e *optionError) Is(target error) bool { return target == cmp.Or(e.kind, imagine.ErrBadOption) }

// intOption reads an integer option (JSON numbers arrive as float64).
func intOption(o *discordgo.ApplicationCommandInteractionDataOption) (int64, bool) {
	f, ok := o.Value.(float64)
	if !ok || f != float64(int64(f)) {
		return 0, false
	}
	return int64(f), true
}

func badNumber(name string, o *discordgo.ApplicationCommandInteractionDataOption) error {
	return &imagine.UserError{Kind: imagine.ErrBadOption, ID: catalog.MsgBadNumber, Args: []any{name, toString(o.Value)}}
}

func toString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

// parseAspect reads the aspect option with the core's ratio parser, so that
// both platforms accept the same values ("16:9", "16x9", "16/9", "16：9").
func parseAspect(s string) (imagine.Ratio, bool) {
	r, err := imagine.ParseRatio(strings.TrimSpace(s))
	return r, err == nil
}

// refuse tells the user ephemerally, in their language, why nothing happens.
func (a *Adapter) refuse(ctx context.Context, in *incoming, err error) {
	a.logRefusal(in, err)
	a.replyEphemeral(ctx, in, a.describe(in, err))
}

// logRefusal logs a refusal: a user's mistake at debug level, anything
// else as a warning.
func (a *Adapter) logRefusal(in *incoming, err error) {
	var ue *imagine.UserError
	var oe *optionError
	if errors.As(err, &ue) || errors.As(err, &oe) {
		a.log.Debug("request refused", "user", in.who.Key(), "reason", err)
	} else {
		a.log.Warn("request failed", "user", in.who.Key(), "err", err)
	}
}

// describe words a refusal in the user's language.
func (a *Adapter) describe(in *incoming, err error) string {
	var oe *optionError
	if !errors.As(err, &oe) && errors.Is(err, imagine.ErrEmptyPrompt) {
		return helpText(a.core.Settings(), in.locale()) // nothing to draw: show how it works
	}
	return describeError(err, in.locale())
}

// describeError words err in the language loc: the adapter's own refusals
// (an option, a picture it could not fetch), else any core error.
func describeError(err error, loc string) string {
	if oe, ok := errors.AsType[*optionError](err); ok {
		return oe.text.In(loc, oe.args...)
	}
	return imagine.Describe(err, loc)
}

// planRefusal tells the user ephemerally, in their language, why nothing
// happens.
func (a *Adapter) planRefusal(in *incoming, err error) work {
	return then(func(ctx context.Context) { a.refuse(ctx, in, err) })
}

// planJob submits req for the interaction's user; its work acknowledges the
// interaction with a deferred public response and edits that message until
// the job ends. Buttons that start a job (Reroll, Upscale, Try again) come
// here too: their deferred response is a new message.
func (a *Adapter) planJob(in *incoming, req imagine.Request) work {
	tk, err := a.core.Submit(req)
	if errors.Is(err, imagine.ErrDuplicate) {
		return a.ignoreDuplicate(in)
	}
	if err != nil {
		return a.planRefusal(in, err)
	}
	return a.plannedJob(in, req, tk)
}

// plannedJob is the work of a submitted job.
func (a *Adapter) plannedJob(in *incoming, req imagine.Request, tk *imagine.Ticket) work {
	return work{
		run:  func(ctx context.Context) { a.runJob(ctx, in, req, tk) },
		undo: func() { _ = a.core.Cancel(tk.ID, req.Requester, true) },
	}
}

// runJob acknowledges a submitted job's interaction and edits its message
// until the job ends.
func (a *Adapter) runJob(ctx context.Context, in *incoming, req imagine.Request, tk *imagine.Ticket) {
	msg, err := a.acknowledge(ctx, in, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource})
	if err != nil {
		// Too late (over 3 s) or Discord is unreachable: no one will see
		// the job, so it must not run.
		a.log.Warn("could not acknowledge an interaction; cancelling its job", "job", tk.ID.String(),
			"interaction", in.i.ID, "err", err)
		_ = a.core.Cancel(tk.ID, req.Requester, true)
		return
	}
	a.log.Info("job accepted", "job", tk.ID.String(), "user", req.Requester.Key(), "channel", in.i.ChannelID,
		"ack", a.now().Sub(in.received).Round(100*time.Microsecond))
	a.followJob(ctx, in, req, tk, msg, nil)
}

// followJob saves the references of a job whose interaction was
// acknowledged with a deferred response (msg, if Discord sent it back) and
// edits that message until the job ends. src is the job's picture, if it
// started from one: its link is kept to fetch it again for a rerun.
func (a *Adapter) followJob(ctx context.Context, in *incoming, req imagine.Request, tk *imagine.Ticket, msg *discordgo.Message, src *imageSource) {
	ref := newRef(in)
	ref.Input = src
	if msg != nil {
		ref.MessageID = msg.ID
		if msg.ChannelID != "" {
			ref.ChannelID = msg.ChannelID
		}
	}
	a.core.SetRef(tk.ID, imagine.Ref{Data: ref.encode(), Secret: in.i.Token})
	e := a.newEditor(ref, in.i.Token, req.Requester, tk)
	defer e.close()
	e.run(ctx)
}
