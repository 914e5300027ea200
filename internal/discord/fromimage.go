package discord

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// "Imagine from this image": a message context-menu command that opens a
// modal for the prompt (and, optionally, the strength) and, once the user
// submits it, runs an img2img from the message's first picture.
//
// The modal submit carries only the modal's custom_id and the texts typed,
// not the message: the picture waits in a pendingImages entry, found by a
// random nonce in the custom_id ("imm:NONCE"), for the user who opened the
// modal. Entries are taken once, expire after pendingTTL and are bounded
// in number (the oldest go first); a form submitted after that, or after
// a restart, is answered "this form has expired".

// modalPrefix starts the custom_id of the adapter's modals.
const modalPrefix = "imm:"

// Modal inputs' custom ids.
const (
	inputPrompt   = "prompt"
	inputStrength = "strength"
)

// Bounds of the pictures waiting for a modal.
const (
	maxPending = 1024
	pendingTTL = 15 * time.Minute
)

// pendingImage is a picture waiting for its modal's submit.
type pendingImage struct {
	src     imageSource
	userID  string
	expires time.Time
}

// pendingImages holds the pictures whose modals are open. It is safe for
// concurrent use and needs no goroutine: expired entries are dropped as
// new ones come.
type pendingImages struct {
	max int
	ttl time.Duration

	mu    sync.Mutex // guards byKey and order
	byKey map[string]pendingImage
	order []string // keys, oldest first (some may be taken already)
}

func newPendingImages(maxEntries int, ttl time.Duration) *pendingImages {
	return &pendingImages{max: maxEntries, ttl: ttl, byKey: map[string]pendingImage{}}
}

// put keeps a picture for user and returns its nonce.
func (p *pendingImages) put(now time.Time, src imageSource, userID string) string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	key := base64.RawURLEncoding.EncodeToString(b[:])
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.order) > 0 {
		e, ok := p.byKey[p.order[0]]
		if ok && len(p.byKey) < p.max && now.Before(e.expires) {
			break
		}
		delete(p.byKey, p.order[0])
		p.order = p.order[1:]
	}
	if len(p.order) > 2*p.max { // many taken entries behind a live one
		p.order = slices.DeleteFunc(p.order, func(k string) bool { _, ok := p.byKey[k]; return !ok })
	}
	p.byKey[key] = pendingImage{src: src, userID: userID, expires: now.Add(p.ttl)}
	p.order = append(p.order, key)
	return key
}

// take returns and forgets the picture of a nonce, if it is still there
// and was kept for user.
func (p *pendingImages) take(now time.Time, key, userID string) (imageSource, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.byKey[key]
	if !ok || e.userID != userID {
		return imageSource{}, false
	}
	delete(p.byKey, key)
	return e.src, now.Before(e.expires)
}

// len returns how many pictures wait.
func (p *pendingImages) len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.byKey)
}

// handleFromImage answers the context-menu command: a refusal when the
// message has no usable picture (checked from what Discord says of it,
// nothing downloaded), else the modal.
func (a *Adapter) handleFromImage(in *incoming, data discordgo.ApplicationCommandInteractionData) work {
	var target *discordgo.Message
	if data.Resolved != nil {
		target = data.Resolved.Messages[data.TargetID]
	}
	src, ok := a.firstImage(target)
	if !ok {
		return a.planReply(in, texts.NoImageInMessage.In(in.locale()))
	}
	if err := a.precheck(src); err != nil {
		return a.planRefusal(in, err)
	}
	key := a.pending.put(a.now(), src, in.user.ID)
	return then(func(ctx context.Context) { a.openModal(ctx, in, key) })
}

// openModal answers with the form that asks for the prompt.
func (a *Adapter) openModal(ctx context.Context, in *incoming, key string) {
	loc := in.locale()
	s := a.core.Settings()
	maxLen := s.Limits.MaxPromptLength
	if maxLen <= 0 || maxLen > maxModalInput {
		maxLen = maxModalInput
	}
	strength := strconv.FormatFloat(defaultStrength(s), 'f', -1, 64)
	resp := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseModal, Data: &discordgo.InteractionResponseData{
		CustomID: modalPrefix + key, Title: imagine.Shorten(texts.ModalTitle.In(loc), maxModalLabel),
		Components: []discordgo.MessageComponent{
			discordgo.ActionsRow{Components: []discordgo.MessageComponent{discordgo.TextInput{CustomID: inputPrompt,
				Label: imagine.Shorten(texts.ModalPrompt.In(loc), maxModalLabel), Style: discordgo.TextInputParagraph,
				Required: true, MinLength: 1, MaxLength: maxLen}}},
			discordgo.ActionsRow{Components: []discordgo.MessageComponent{discordgo.TextInput{CustomID: inputStrength,
				Label: imagine.Shorten(texts.ModalStrength.In(loc), maxModalLabel), Style: discordgo.TextInputShort,
				Placeholder: strength, MaxLength: 8}}},
		}}}
	if _, err := a.rest.respond(ctx, in.i, resp, false); err != nil {
		a.log.Warn("could not open the prompt form", "interaction", in.i.ID, "err", err)
	}
}

// Discord's limits of modals.
const (
	maxModalInput = 4000
	maxModalLabel = 45
)

func defaultStrength(s imagine.Settings) float64 {
	if s.Defaults.Strength > 0 {
		return s.Defaults.Strength
	}
	return imagine.DefaultStrength
}

// handleModalSubmit runs the img2img of a submitted form.
func (a *Adapter) handleModalSubmit(in *incoming) work {
	data := in.i.ModalSubmitData()
	key, ok := strings.CutPrefix(data.CustomID, modalPrefix)
	if !ok {
		return a.planReply(in, texts.FormExpired.In(in.locale()))
	}
	if a.stopping.Load() {
		return a.planReply(in, catalog.T(in.locale(), catalog.MsgShuttingDown))
	}
	src, ok := a.pending.take(a.now(), key, in.user.ID)
	if !ok {
		return a.planReply(in, texts.FormExpired.In(in.locale()))
	}
	values := modalValues(data.Components)
	req, err := imagine.ParseInline(values[inputPrompt], in.who)
	if err != nil {
		return a.planRefusal(in, err)
	}
	if v := strings.TrimSpace(strings.ReplaceAll(values[inputStrength], ",", ".")); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return a.planRefusal(in, &imagine.UserError{Kind: imagine.ErrBadOption, ID: catalog.MsgBadDecimal, Args: []any{optStrength, v}})
		}
		req.Strength = f
	}
	return a.planImageJob(in, req, src)
}

// modalValues returns a submitted modal's texts by their inputs' ids.
func modalValues(rows []discordgo.MessageComponent) map[string]string {
	out := map[string]string{}
	for _, c := range rows {
		row, ok := c.(*discordgo.ActionsRow)
		if !ok {
			continue
		}
		for _, rc := range row.Components {
			if ti, ok := rc.(*discordgo.TextInput); ok {
				out[ti.CustomID] = ti.Value
			}
		}
	}
	return out
}
