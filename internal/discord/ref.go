package discord

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

// jobRef is what the adapter keeps with a job in the core's store (as JSON
// in imagine.Ref.Data) to find the job's message again after a restart and
// to check the buttons under it. The interaction token is never part of
// it: it goes in imagine.Ref.Secret, which the store deletes when the job
// ends.
type jobRef struct {
	AppID     string `json:"app"`
	ChannelID string `json:"channel"`
	GuildID   string `json:"guild,omitempty"`
	// MessageID is the job message once known: the interaction's original
	// response, or (Posted) a channel message the bot posted instead.
	MessageID string `json:"message,omitempty"`
	Posted    bool   `json:"posted,omitempty"`
	UserID    string `json:"user"` // whom a posted message mentions
	// Created is when the interaction was created: its token lives
	// Config.TokenLifetime from then. It also stamps the job's buttons.
	Created time.Time `json:"created"`
	// What the bot may do where the job message is (botReach), whether it
	// is the bot's DM with the user, and the largest file it takes.
	CanEdit   bool  `json:"can_edit,omitempty"`
	CanPost   bool  `json:"can_post,omitempty"`
	InDM      bool  `json:"dm,omitempty"`
	FileLimit int64 `json:"file_limit,omitempty"`
	// Result is the message that shows how the job ended, once it did.
	Result string `json:"result,omitempty"`
	// ReplyTo is the message the job's message replies to (an upscale's
	// result); the job then has no token and its message is posted.
	ReplyTo string `json:"reply_to,omitempty"`
	// Input is the user's picture the job started from: its link is
	// fetched again for Reroll, Vary and Try again (the store keeps no
	// picture), until it expires.
	Input *imageSource `json:"input,omitempty"`
}

// newRef returns the references of a job started by an interaction.
func newRef(in *incoming) jobRef {
	canEdit, canPost := botReach(in.i)
	return jobRef{AppID: in.i.AppID, ChannelID: in.i.ChannelID, GuildID: in.i.GuildID, UserID: in.user.ID,
		Created: createdAt(in.i.ID, in.received), CanEdit: canEdit, CanPost: canPost,
		InDM: in.i.Context == discordgo.InteractionContextBotDM, FileLimit: in.fileLimit}
}

// decodeRef reads a job's references; ok is false when there are none a
// message can be found with.
func decodeRef(data []byte) (jobRef, bool) {
	var r jobRef
	if len(data) == 0 || json.Unmarshal(data, &r) != nil || r.ChannelID == "" || r.Created.IsZero() {
		return jobRef{}, false
	}
	return r, true
}

func (r jobRef) encode() []byte {
	b, _ := json.Marshal(r) // plain fields: cannot fail
	return b
}

// stamp is what the custom ids of the job's buttons carry besides the job
// id: the interaction's creation in milliseconds, base 36. A button whose
// stamp differs from its job's is from another job that had the same id
// (job ids start again at 1 when the store keeps nothing across restarts).
func (r jobRef) stamp() string { return strconv.FormatInt(r.Created.UnixMilli(), 36) }

// recordStamp returns the stamp of a stored job's buttons, or "" if the
// job's references could not be saved.
func recordStamp(rec imagine.Record) string {
	r, ok := decodeRef(rec.Ref)
	if !ok {
		return ""
	}
	return r.stamp()
}

// resume takes back the jobs of this platform that the core restored
// after a restart and keeps their messages up to date, as if the adapter
// had never stopped: through the interaction token while it lives, else
// through the bot token (delivery's fallback). A job whose message cannot
// be found (its references were never saved) is cancelled, since nobody
// would see it.
func (a *Adapter) resume(ctx context.Context) {
	for _, r := range a.core.Resumed(imagine.Discord) {
		ref, ok := decodeRef(r.Ref.Data)
		who := r.Request.Requester
		if !ok {
			err := a.core.Cancel(r.Ticket.ID, who, true)
			a.log.Warn("a restored job has no message to update; cancelled", "job", r.Ticket.ID.String(), "user", who.Key(), "cancel", err)
			continue
		}
		who = a.core.Prefs(who).ApplyLocale(who)
		a.log.Info("resuming a job's message", "job", r.Ticket.ID.String(), "user", who.Key(),
			"token", r.Ref.Secret != "", "age", a.now().Sub(ref.Created).Round(time.Second))
		a.start(func() {
			e := a.newEditor(ref, r.Ref.Secret, who, r.Ticket)
			defer e.close()
			e.run(ctx)
		})
	}
}
