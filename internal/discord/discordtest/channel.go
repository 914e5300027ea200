package discordtest

import (
	"encoding/json"
	"net/http"
)

// botPermsLocked returns the bot's permissions in a channel: none where the bot is absent.
func (s *Server) botPermsLocked(c *channelState) int64 {
	if g := s.guilds[c.GuildID]; g != nil && g.BotAbsent {
		return 0
	}
	return c.botPerms()
}

// channelLocked returns a channel the bot can see: 404 Unknown Channel or 403 Missing Access
// otherwise.
func (s *Server) channelLocked(rq *request) (*channelState, int64, *apiError) {
	c := s.channels[rq.param("channel_id")]
	if c == nil {
		return nil, 0, errUnknownChannel()
	}
	perms := s.botPermsLocked(c)
	if perms&PermViewChannel == 0 {
		return nil, 0, errMissingAccess()
	}
	return c, perms, nil
}

// channelMessageLocked returns a message of the channel that the bot can see; ephemeral
// messages are not reachable with the bot token.
func (s *Server) channelMessageLocked(c *channelState, id string) (*message, *apiError) {
	m := s.messages[id]
	if m == nil || m.deleted || m.ephemeral || m.channelID != c.ID {
		return nil, errUnknownMessage()
	}
	return m, nil
}

// sendPerm is the permission needed to post in a channel.
func sendPerm(c *channelState) int64 {
	if c.Type == ChannelPublicThread {
		return PermSendMessagesInThreads
	}
	return PermSendMessages
}

func (s *Server) handleCreateMessage(rq *request) (int, any, error) {
	p, perr := s.readPayload(rq)
	s.mu.Lock()
	defer s.mu.Unlock()
	c, perms, err := s.channelLocked(rq)
	if err != nil {
		return 0, nil, err
	}
	if perms&sendPerm(c) == 0 {
		return 0, nil, errMissingPermissions()
	}
	if perr != nil {
		return 0, nil, perr
	}
	if len(p.uploads) > 0 && perms&PermAttachFiles == 0 {
		return 0, nil, errMissingPermissions()
	}
	if err := s.uploadRefusalLocked(c.ID, p); err != nil {
		return 0, nil, err
	}
	f, err := parseMsgFields(p)
	if err != nil {
		return 0, nil, err
	}
	if perms&PermEmbedLinks == 0 {
		// Without Embed Links Discord posts the message but drops its embeds.
		f.embeds, f.hasEmbeds = nil, false
	}
	typ := MessageTypeDefault
	if ref, ok := p.fields["message_reference"]; ok && string(ref) != "null" {
		var r struct {
			MessageID string `json:"message_id"`
		}
		_ = json.Unmarshal(ref, &r)
		if perms&PermReadMessageHistory == 0 {
			return 0, nil, errMissingPermissions()
		}
		if _, err := s.channelMessageLocked(c, r.MessageID); err != nil {
			return 0, nil, formError("message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
		}
		typ = MessageTypeReply
	}
	f.flags &^= FlagEphemeral // only interaction responses can be ephemeral
	in := revisionInput{fields: f, uploads: p.uploads, version: rq.version, channelID: c.ID,
		route: rq.route.name, now: rq.now}
	rev, err := s.nextRevisionLocked(nil, in)
	if err != nil {
		return 0, nil, err
	}
	m := s.newMessageLocked(c, rev, nil, typ, false)
	rq.emit("MESSAGE_CREATE", m)
	return http.StatusOK, s.messageJSONLocked(m), nil
}

func (s *Server) handleEditMessage(rq *request) (int, any, error) {
	p, perr := s.readPayload(rq)
	s.mu.Lock()
	defer s.mu.Unlock()
	c, perms, err := s.channelLocked(rq)
	if err != nil {
		return 0, nil, err
	}
	m, err := s.channelMessageLocked(c, rq.param("message_id"))
	if err != nil {
		return 0, nil, err
	}
	if m.authorID != s.opts.BotUserID {
		return 0, nil, &apiError{Status: http.StatusForbidden, Code: CodeCannotEditOtherAuthor,
			Message: "Cannot edit a message authored by another user"}
	}
	if perr != nil {
		return 0, nil, perr
	}
	if len(p.uploads) > 0 && perms&PermAttachFiles == 0 {
		return 0, nil, errMissingPermissions()
	}
	if err := s.uploadRefusalLocked(c.ID, p); err != nil {
		return 0, nil, err
	}
	f, err := parseMsgFields(p)
	if err != nil {
		return 0, nil, err
	}
	in := revisionInput{fields: f, uploads: p.uploads, version: rq.version, route: rq.route.name, now: rq.now}
	if err := s.editMessageLocked(m, in); err != nil {
		return 0, nil, err
	}
	rq.emit("MESSAGE_UPDATE", m)
	return http.StatusOK, s.messageJSONLocked(m), nil
}
