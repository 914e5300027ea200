package discord

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/frontend"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// Model list caching for /model's autocomplete, which must answer within 3
// seconds and so never waits for the SD server.
const (
	modelTTL         = time.Minute
	modelCallTimeout = 15 * time.Second
	maxChoiceLength  = 100
	// choicesTimeout bounds the core's first listing for an autocomplete
	// (later ones answer from its cache): Discord waits 3 seconds.
	choicesTimeout = 2 * time.Second
)

// modelCache keeps the SD model list, refreshed by run every TTL and on
// demand when found stale. It is safe for concurrent use.
type modelCache struct {
	src     frontend.Models
	ttl     time.Duration
	log     *slog.Logger
	kick    chan struct{} // cap 1: refresh now
	loaded  chan struct{} // closed after the first successful load
	loadOne sync.Once

	mu     sync.Mutex // guards models and at
	models []imagine.Model
	at     time.Time
}

func newModelCache(src frontend.Models, ttl time.Duration, log *slog.Logger) *modelCache {
	return &modelCache{src: src, ttl: ttl, log: log, kick: make(chan struct{}, 1), loaded: make(chan struct{})}
}

// run refreshes the list now, every TTL and when kicked, until ctx ends.
func (c *modelCache) run(ctx context.Context) {
	t := time.NewTicker(c.ttl)
	defer t.Stop()
	for {
		c.refresh(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-c.kick:
		}
	}
}

func (c *modelCache) refresh(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, modelCallTimeout)
	defer cancel()
	models, err := c.src.Models(ctx)
	if err != nil {
		if ctx.Err() == nil {
			c.log.Warn("could not list the SD models", "err", err)
		}
		return
	}
	c.mu.Lock()
	c.models, c.at = models, time.Now()
	c.mu.Unlock()
	c.loadOne.Do(func() { close(c.loaded) })
}

// refreshSoon asks run for a refresh without waiting for it.
func (c *modelCache) refreshSoon() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// match returns up to limit models whose title or name contains q, ignoring
// case; a stale list is served and refreshed in the background.
func (c *modelCache) match(q string, limit int) []imagine.Model {
	c.mu.Lock()
	models, stale := c.models, time.Since(c.at) > c.ttl
	c.mu.Unlock()
	if stale {
		c.refreshSoon()
	}
	q = strings.ToLower(strings.TrimSpace(q))
	var out []imagine.Model
	for _, m := range models {
		if len(out) == limit {
			break
		}
		if strings.Contains(strings.ToLower(m.Title), q) || strings.Contains(strings.ToLower(m.Name), q) {
			out = append(out, m)
		}
	}
	return out
}

// handleAutocomplete answers the focused option of /model (models), of
// /imagine (model, sampler, scheduler, LoRA and style, from the core's
// lists) or of /settings (styles, when there are too many for choices).
func (a *Adapter) handleAutocomplete(ctx context.Context, in *incoming) {
	data := in.i.ApplicationCommandData()
	var typed string
	var focused string
	for _, o := range data.Options {
		if o.Focused {
			focused, typed = o.Name, toString(o.Value)
		}
	}
	choices := []*discordgo.ApplicationCommandOptionChoice{}
	switch {
	case data.Name == cmdModel && focused == optModel && a.isAdmin(in):
		for _, m := range a.models.match(typed, maxChoices) {
			value := m.Title
			if len(value) > maxChoiceLength { // a value longer than 100 is refused; the name also selects
				value = m.Name
			}
			if value == "" || len(value) > maxChoiceLength {
				continue
			}
			choices = append(choices, &discordgo.ApplicationCommandOptionChoice{Name: imagine.Shorten(m.Title, maxChoiceLength), Value: value})
		}
	case data.Name == cmdImagine && choiceKinds[focused] != "":
		cctx, cancel := context.WithTimeout(ctx, choicesTimeout)
		defer cancel()
		who := in.who
		who.Admin = a.isAdmin(in) // limits.models restricts users only
		for _, name := range a.core.Choices(cctx, who, choiceKinds[focused], typed) {
			if len(choices) < maxChoices && name != "" && len(name) <= maxChoiceLength {
				choices = append(choices, &discordgo.ApplicationCommandOptionChoice{Name: name, Value: name})
			}
		}
	case data.Name == cmdSettings && focused == optStyle:
		q := strings.ToLower(typed)
		for _, name := range a.core.Settings().StyleNames() {
			if len(choices) < maxChoices && strings.Contains(strings.ToLower(name), q) && len(name) <= maxChoiceLength {
				choices = append(choices, &discordgo.ApplicationCommandOptionChoice{Name: name, Value: name})
			}
		}
	}
	a.answerChoices(ctx, in, choices)
}

// handleModel answers /model: admins only (checked here too, since server
// admins can show the command to anyone); no name shows the current model,
// a name switches every backend through the core, which may take minutes.
// Every answer is ephemeral.
func (a *Adapter) handleModel(ctx context.Context, in *incoming, opts []*discordgo.ApplicationCommandInteractionDataOption) {
	if !a.isAdmin(in) {
		a.log.Info("non-admin tried /model", "user", in.who.Key())
		a.replyEphemeral(ctx, in, catalog.T(in.locale(), catalog.MsgNotAdmin))
		return
	}
	var name string
	if i := slices.IndexFunc(opts, func(o *discordgo.ApplicationCommandInteractionDataOption) bool { return o.Name == optModel }); i >= 0 {
		name = strings.TrimSpace(toString(opts[i].Value))
	}
	if _, err := a.acknowledge(ctx, in, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral}}); err != nil {
		a.log.Warn("could not acknowledge /model", "err", err)
		return
	}
	loc := in.locale()
	if name == "" {
		cctx, cancel := context.WithTimeout(ctx, modelCallTimeout)
		defer cancel()
		title, err := a.core.CurrentModel(cctx)
		text := catalog.T(loc, catalog.MsgModelCurrent, title)
		if err != nil {
			text = catalog.T(loc, catalog.MsgModelSwitchFailed, imagine.Describe(err, loc))
		}
		a.editReply(ctx, in, text)
		return
	}
	a.editReply(ctx, in, catalog.T(loc, catalog.MsgModelSwitching, name))
	a.log.Info("switching the model", "model", name, "by", in.who.Key())
	title, err := a.core.SwitchModel(ctx, name)
	var text string
	var ue *imagine.UserError
	switch {
	case err == nil:
		text = catalog.T(loc, catalog.MsgModelSwitched, title)
	case errors.Is(err, imagine.ErrModelNotFound) && a.noModels(ctx):
		text = texts.NoModels.In(loc, name)
	case errors.As(err, &ue):
		text = imagine.Describe(err, loc)
	default:
		a.log.Warn("model switch failed", "model", name, "err", err)
		text = catalog.T(loc, catalog.MsgModelSwitchFailed, imagine.Describe(err, loc))
	}
	a.models.refreshSoon()
	a.editReply(ctx, in, text)
}

// editReply replaces the text of an interaction's (ephemeral) response.
// Ephemeral messages cannot be reached with the bot token, so an expired
// token is only logged.
func (a *Adapter) editReply(ctx context.Context, in *incoming, text string) {
	content := imagine.Shorten(text, maxContent)
	m := &outMessage{Content: &content, AllowedMentions: noMentions()}
	bucket := a.rest.webhooks.get()
	defer a.rest.webhooks.put(bucket)
	err := retry(ctx, 4, minRetry, func() error {
		_, err := a.rest.editOriginal(ctx, bucket, in.i.AppID, in.i.Token, m, nil)
		return err
	})
	if err != nil {
		a.log.Warn("could not update a reply", "interaction", in.i.ID, "err", err)
	}
}

// noModels reports whether the SD server lists no models at all (so that
// "there is no model called X" can say why).
func (a *Adapter) noModels(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, modelCallTimeout)
	defer cancel()
	models, err := a.core.Models(ctx)
	return err == nil && len(models) == 0
}
