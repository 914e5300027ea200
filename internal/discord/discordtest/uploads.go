package discordtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// RefuseUploads makes every request that uploads files to a message in the channel fail, as
// Discord does when the app may not attach files there or the files exceed the channel's
// upload limit: code CodeMissingPermissions answers 403 Missing Permissions, CodeEntityTooLarge
// 413 Request entity too large. It applies to interaction responses and their
// edits as well as to bot-token messages; requests without files are unaffected. Code 0 lifts
// the refusal.
func (s *Server) RefuseUploads(channelID string, code int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch code {
	case 0:
		delete(s.uploadRefusals, channelID)
	case CodeMissingPermissions, CodeEntityTooLarge:
		s.uploadRefusals[channelID] = code
	default:
		return fmt.Errorf("discordtest: refuse uploads: unsupported code %d", code)
	}
	return nil
}

// uploadRefusalLocked returns the error for files uploaded to a message in the channel, or nil:
// an injected refusal, or Missing Permissions where the channel denies the app Attach Files
// (which interaction responses obey too).
func (s *Server) uploadRefusalLocked(channelID string, p *payload) *apiError {
	if len(p.uploads) == 0 {
		return nil
	}
	if code := s.uploadRefusals[channelID]; code != 0 {
		return errCode(code)
	}
	if c := s.channels[channelID]; c != nil && c.Deny&PermAttachFiles != 0 {
		return errCode(CodeMissingPermissions)
	}
	return nil
}

// handleCreateDM serves POST /users/@me/channels: it opens (or returns) the DM channel between
// the bot and the user named by recipient_id.
func (s *Server) handleCreateDM(rq *request) (int, any, error) {
	p, err := s.readPayload(rq)
	if err != nil {
		return 0, nil, err
	}
	var id string
	if raw, ok := p.fields["recipient_id"]; ok {
		_ = json.Unmarshal(raw, &id)
	}
	if !isSnowflake(id) {
		return 0, nil, formError("recipient_id", "NUMBER_TYPE_COERCE", fmt.Sprintf("Value %q is not snowflake.", id))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if id == s.opts.BotUserID {
		return 0, nil, errCode(CodeCannotSendToUser)
	}
	for _, c := range s.channels {
		if c.Type == ChannelDM && !c.BotAbsent && len(c.RecipientIDs) == 1 && c.RecipientIDs[0] == id {
			return http.StatusOK, s.channelJSONLocked(c), nil
		}
	}
	s.userLocked(User{ID: id})
	c := &channelState{Channel: Channel{ID: s.ids.next(rq.now), Type: ChannelDM, RecipientIDs: []string{id}}}
	s.channels[c.ID] = c
	return http.StatusOK, s.channelJSONLocked(c), nil
}

func isSnowflake(id string) bool {
	_, err := strconv.ParseUint(id, 10, 64)
	return err == nil
}
