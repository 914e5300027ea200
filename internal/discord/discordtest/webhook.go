package discordtest

import (
	"net/http"
)

// newMessageLocked stores a new message authored by the bot in a channel.
func (s *Server) newMessageLocked(ch *channelState, rev Revision, it *interaction, typ int, ephemeral bool) *message {
	m := &message{id: s.ids.next(rev.At), channelID: ch.ID, guildID: ch.GuildID, author: s.botUser(),
		authorID: s.opts.BotUserID, interaction: it, typ: typ, ephemeral: ephemeral,
		botVisible: s.botPermsLocked(ch)&PermViewChannel != 0, createdAt: rev.At, revs: []Revision{rev}}
	if it != nil {
		m.webhookID = s.opts.AppID
	}
	s.addMessageLocked(m)
	return m
}

// editMessageLocked applies an edit to a message.
func (s *Server) editMessageLocked(m *message, in revisionInput) *apiError {
	in.ephemeral = m.ephemeral
	in.channelID = m.channelID
	rev, err := s.nextRevisionLocked(m.cur(), in)
	if err != nil {
		return err
	}
	m.revs = append(m.revs, rev)
	return nil
}

// tokenLocked returns the interaction of a webhook route, checking the token's validity: it
// ends TokenLifetime after dispatch, on ExpireToken, or when the acknowledgement deadline passed
// without an acknowledgement.
func (s *Server) tokenLocked(rq *request) (*interaction, *apiError) {
	if rq.param("application_id") != s.opts.AppID {
		return nil, errCode(CodeUnknownWebhook)
	}
	it := s.tokens[rq.param("interaction_token")]
	switch {
	case it == nil, it.expired, rq.now.Sub(it.DispatchedAt) >= s.opts.TokenLifetime,
		it.ack == nil && rq.now.Sub(it.DispatchedAt) > s.opts.AckDeadline:
		return nil, errCode(CodeInvalidWebhookToken)
	}
	return it, nil
}

// webhookMessageLocked returns the interaction's response message, named "@original" or by its
// id (the fake serves no followup messages).
func (s *Server) webhookMessageLocked(it *interaction, id string) (*message, *apiError) {
	m := it.original
	if m == nil || m.deleted || (id != "@original" && id != m.id) {
		return nil, errCode(CodeUnknownMessage)
	}
	return m, nil
}

func (s *Server) handleEditWebhookMessage(rq *request) (int, any, error) {
	p, perr := s.readPayload(rq)
	s.mu.Lock()
	defer s.mu.Unlock()
	it, err := s.tokenLocked(rq)
	if err != nil {
		return 0, nil, err
	}
	m, err := s.webhookMessageLocked(it, rq.param("message_id"))
	if err != nil {
		return 0, nil, err
	}
	return s.updateLocked(rq, m, p, perr)
}

// messageInputLocked checks the message payload of a create or edit request in a channel: the
// body could be read, and uploads are allowed there.
func (s *Server) messageInputLocked(rq *request, channelID string, p *payload, perr error) (revisionInput, *apiError) {
	if perr != nil {
		return revisionInput{}, asAPIError(perr)
	}
	if err := s.uploadRefusalLocked(channelID, p); err != nil {
		return revisionInput{}, err
	}
	f, err := parseMsgFields(p)
	if err != nil {
		return revisionInput{}, err
	}
	return revisionInput{fields: f, uploads: p.uploads, version: rq.version, channelID: channelID,
		route: rq.route.name, now: rq.now}, nil
}

// updateLocked applies an edit request to m and answers with the edited message.
func (s *Server) updateLocked(rq *request, m *message, p *payload, perr error) (int, any, error) {
	in, err := s.messageInputLocked(rq, m.channelID, p, perr)
	if err == nil {
		err = s.editMessageLocked(m, in)
	}
	if err != nil {
		return 0, nil, err
	}
	rq.emit("MESSAGE_UPDATE", m)
	return http.StatusOK, s.messageJSONLocked(m), nil
}
