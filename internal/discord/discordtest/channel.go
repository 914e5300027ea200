package discordtest

import (
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
		return nil, 0, errCode(CodeUnknownChannel)
	}
	perms := s.botPermsLocked(c)
	if perms&PermViewChannel == 0 {
		return nil, 0, errCode(CodeMissingAccess)
	}
	return c, perms, nil
}

// channelMessageLocked returns a message of the channel that the bot can see; ephemeral
// messages are not reachable with the bot token.
func (s *Server) channelMessageLocked(c *channelState, id string) (*message, *apiError) {
	m := s.messages[id]
	if m == nil || m.deleted || m.ephemeral || m.channelID != c.ID {
		return nil, errCode(CodeUnknownMessage)
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
		return 0, nil, errCode(CodeMissingPermissions)
	}
	in, err := s.messageInputLocked(rq, c.ID, p, perr)
	if err != nil {
		return 0, nil, err
	}
	if perms&PermEmbedLinks == 0 {
		// Without Embed Links Discord posts the message but drops its embeds.
		in.fields.embeds, in.fields.hasEmbeds = nil, false
	}
	in.fields.flags &^= FlagEphemeral // only interaction responses can be ephemeral
	rev, err := s.nextRevisionLocked(nil, in)
	if err != nil {
		return 0, nil, err
	}
	replyTo, err := s.replyTargetLocked(c, in.fields.reference)
	if err != nil {
		return 0, nil, err
	}
	typ := MessageTypeDefault
	if replyTo != "" {
		typ = MessageTypeReply
	}
	m := s.newMessageLocked(c, rev, nil, typ, false)
	m.replyTo = replyTo
	rq.emit("MESSAGE_CREATE", m)
	return http.StatusOK, s.messageJSONLocked(m), nil
}

func (s *Server) handleEditMessage(rq *request) (int, any, error) {
	p, perr := s.readPayload(rq)
	s.mu.Lock()
	defer s.mu.Unlock()
	c, _, err := s.channelLocked(rq)
	if err != nil {
		return 0, nil, err
	}
	m, err := s.channelMessageLocked(c, rq.param("message_id"))
	if err != nil {
		return 0, nil, err
	}
	if m.authorID != s.opts.BotUserID {
		return 0, nil, errCode(CodeCannotEditOtherAuthor)
	}
	return s.updateLocked(rq, m, p, perr)
}

// replyTargetLocked checks a new message's message_reference and returns the id of the message
// it replies to, or "". As Discord does, a reference to a message that is not in the channel
// (unknown, deleted, ephemeral) fails the request unless fail_if_not_exists is false, which
// posts the message without the reply. Forwards (type 1) are not implemented.
func (s *Server) replyTargetLocked(c *channelState, ref *msgReference) (string, *apiError) {
	if ref == nil {
		return "", nil
	}
	if ref.typ != 0 {
		return "", errNotImplemented("message_reference type " + itoa(ref.typ))
	}
	m := s.messages[ref.messageID]
	ok := m != nil && !m.deleted && !m.ephemeral && m.channelID == c.ID && (ref.channelID == "" || ref.channelID == c.ID)
	switch {
	case ok:
		return m.id, nil
	case ref.failIfNotExists:
		return "", formError("message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
	}
	return "", nil
}
