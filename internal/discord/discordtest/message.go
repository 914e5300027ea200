package discordtest

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"
)

// Message flags the fake interprets.
const (
	FlagSuppressEmbeds        = 1 << 2
	FlagEphemeral             = 1 << 6
	FlagLoading               = 1 << 7
	FlagSuppressNotifications = 1 << 12
	FlagComponentsV2          = 1 << 15
)

// Message types the fake creates.
const (
	MessageTypeDefault          = 0
	MessageTypeReply            = 19
	MessageTypeChatInputCommand = 20
)

// Attachment is a file attached to a message.
type Attachment struct {
	ID          string
	Filename    string
	Description string
	ContentType string
	Size        int
	// Width and Height are set for images the standard library can decode (PNG, JPEG, GIF).
	Width, Height int
	// URL and ProxyURL are served by the fake's file server (see SetFileFault).
	URL, ProxyURL string
	Ephemeral     bool
	// Data is the uploaded content; it is shared with the fake and must not be modified.
	Data []byte
}

// Revision is the state of a message after its creation or one edit.
type Revision struct {
	Content     string
	Embeds      []json.RawMessage
	Components  []json.RawMessage
	Attachments []Attachment
	Flags       int
	// Route is the route of the request that produced the revision.
	Route string
	At    time.Time
	// MissingAttachmentRefs lists attachment://NAME references in embeds that name no
	// attachment of the message (Discord shows nothing for them).
	MissingAttachmentRefs []string
}

// Message is a snapshot of a message: its current state (the embedded Revision) and its history.
type Message struct {
	ID        string
	ChannelID string
	GuildID   string
	AuthorID  string
	// WebhookID is the application id for interaction responses.
	WebhookID string
	// InteractionID is the interaction whose response or followup this is, if any.
	InteractionID string
	// ReplyTo is the message this one replies to (its message_reference), or "".
	ReplyTo   string
	Type      int
	Ephemeral bool
	Deleted   bool
	CreatedAt time.Time
	Revision
	// History holds every revision, oldest first; the last one is the current state.
	History []Revision
}

// message is the fake's record of a message.
type message struct {
	id, channelID, guildID string
	author                 map[string]any
	authorID               string
	webhookID              string
	interaction            *interaction // the interaction it answers, if any
	replyTo                string       // the message it replies to (message_reference)
	typ                    int
	ephemeral              bool
	botVisible             bool // the bot can see the channel: it gets MESSAGE_* events
	deleted                bool
	createdAt              time.Time
	revs                   []Revision
}

func (m *message) cur() *Revision { return &m.revs[len(m.revs)-1] }

// clone copies the revision's slices so that a snapshot shares nothing mutable with the fake.
func (r Revision) clone() Revision {
	r.Embeds = slices.Clone(r.Embeds)
	r.Components = slices.Clone(r.Components)
	r.Attachments = slices.Clone(r.Attachments)
	r.MissingAttachmentRefs = slices.Clone(r.MissingAttachmentRefs)
	return r
}

func (m *message) snapshot() Message {
	out := Message{ID: m.id, ChannelID: m.channelID, GuildID: m.guildID, AuthorID: m.authorID,
		WebhookID: m.webhookID, ReplyTo: m.replyTo, Type: m.typ, Ephemeral: m.ephemeral, Deleted: m.deleted,
		CreatedAt: m.createdAt, Revision: m.cur().clone(), History: make([]Revision, len(m.revs))}
	for i, r := range m.revs {
		out.History[i] = r.clone()
	}
	if m.interaction != nil {
		out.InteractionID = m.interaction.ID
	}
	return out
}

// messageJSONLocked returns the message object as Discord serialises it.
func (s *Server) messageJSONLocked(m *message) map[string]any {
	r := m.cur()
	atts := make([]any, 0, len(r.Attachments))
	for _, a := range r.Attachments {
		atts = append(atts, attachmentJSON(a))
	}
	embeds := make([]json.RawMessage, 0, len(r.Embeds))
	embeds = append(embeds, r.Embeds...)
	comps := make([]json.RawMessage, 0, len(r.Components))
	comps = append(comps, r.Components...)
	var edited any
	if len(m.revs) > 1 {
		edited = timestamp(r.At)
	}
	out := map[string]any{
		"id": m.id, "channel_id": m.channelID, "author": m.author, "content": r.Content,
		"timestamp": timestamp(m.createdAt), "edited_timestamp": edited, "tts": false,
		"mention_everyone": false, "mentions": []any{}, "mention_roles": []any{},
		"attachments": atts, "embeds": embeds, "components": comps, "pinned": false,
		"type": m.typ, "flags": r.Flags,
	}
	if m.guildID != "" && !m.ephemeral {
		out["guild_id"] = m.guildID
	}
	if m.replyTo != "" {
		ref := map[string]any{"type": 0, "message_id": m.replyTo, "channel_id": m.channelID}
		if m.guildID != "" {
			ref["guild_id"] = m.guildID
		}
		out["message_reference"] = ref
		if t := s.messages[m.replyTo]; t != nil && !t.deleted && t.replyTo == "" {
			out["referenced_message"] = s.messageJSONLocked(t)
		} else {
			out["referenced_message"] = nil
		}
	}
	if m.webhookID != "" {
		out["webhook_id"] = m.webhookID
		out["application_id"] = m.webhookID
	}
	if it := m.interaction; it != nil {
		out["interaction_metadata"] = it.metadataJSON()
		if it.Type == InteractionApplicationCommand {
			out["interaction"] = map[string]any{"id": it.ID, "type": it.Type, "name": it.commandName, "user": it.userJSON}
		}
	}
	return out
}

func attachmentJSON(a Attachment) map[string]any {
	out := map[string]any{"id": a.ID, "filename": a.Filename, "size": a.Size, "url": a.URL,
		"proxy_url":    a.ProxyURL,
		"content_type": a.ContentType}
	if a.Width > 0 {
		out["width"] = a.Width
		out["height"] = a.Height
	}
	if a.Description != "" {
		out["description"] = a.Description
	}
	if a.Ephemeral {
		out["ephemeral"] = true
	}
	return out
}

// addMessageLocked stores a new message in its channel.
func (s *Server) addMessageLocked(m *message) {
	s.messages[m.id] = m
	s.channelMsgs[m.channelID] = append(s.channelMsgs[m.channelID], m)
}

// Message returns a message with its history. Deleted messages are still returned, with Deleted
// set.
func (s *Server) Message(channelID, id string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.messages[id]
	if m == nil || m.channelID != channelID {
		return Message{}, false
	}
	return m.snapshot(), true
}

// ChannelMessages returns the messages of a channel that are not deleted, oldest first,
// including ephemeral ones (which only their user sees; see Message.Ephemeral).
func (s *Server) ChannelMessages(channelID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.channelMsgs[channelID] {
		if !m.deleted {
			out = append(out, m.snapshot())
		}
	}
	return out
}

// DeleteMessage deletes a message as a user (or moderator) would; later requests for it answer
// 404 Unknown Message, and MESSAGE_DELETE is dispatched for non-ephemeral messages.
func (s *Server) DeleteMessage(channelID, id string) bool {
	s.mu.Lock()
	m := s.messages[id]
	if m == nil || m.channelID != channelID || m.deleted {
		s.mu.Unlock()
		return false
	}
	m.deleted = true
	s.mu.Unlock()
	s.flushEvents([]msgEvent{{t: "MESSAGE_DELETE", m: m}})
	s.changed.broadcast()
	return true
}

// flushEvents dispatches message events to the gateway. Ephemeral messages and messages in
// channels the bot cannot see produce none.
func (s *Server) flushEvents(events []msgEvent) {
	for _, ev := range events {
		s.mu.Lock()
		m := ev.m
		if m.ephemeral || !m.botVisible {
			s.mu.Unlock()
			continue
		}
		var d map[string]any
		if ev.t == "MESSAGE_DELETE" {
			d = map[string]any{"id": m.id, "channel_id": m.channelID}
			if m.guildID != "" {
				d["guild_id"] = m.guildID
			}
		} else {
			d = s.messageJSONLocked(m)
		}
		s.mu.Unlock()
		s.gw.dispatch(ev.t, d, messageFilter(m.guildID))
	}
}

func messageFilter(guildID string) eventFilter {
	if guildID == "" {
		return eventFilter{intent: intentDirectMessages}
	}
	return eventFilter{guildID: guildID, intent: intentGuildMessages}
}

// itoa is strconv.Itoa, kept short for error paths.
func itoa(i int) string { return strconv.Itoa(i) }
