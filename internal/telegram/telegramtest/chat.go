package telegramtest

import (
	"slices"
)

// chatActions are the values sendChatAction accepts.
var chatActions = []string{
	"typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
	"upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
}

func (s *Server) getMeLocked(*request) (any, *apiError) {
	u := toWireUser(s.Bot())
	yes, no := true, false
	u.CanJoinGroups, u.CanReadAllGroupMessages, u.SupportsInlineQueries = &yes, &no, &no
	return u, nil
}

func (s *Server) getChatLocked(req *request) (any, *apiError) {
	cs, err := s.targetChatLocked(req)
	if err != nil {
		return nil, err
	}
	return s.wireChatLocked(cs.chat), nil
}

func (s *Server) sendChatActionLocked(req *request) (any, *apiError) {
	cs, err := s.targetChatLocked(req)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(chatActions, req.str("action")) {
		return nil, badRequest("wrong parameter action in request")
	}
	if t := req.intParam("message_thread_id"); t != 0 && (!cs.chat.IsForum || !cs.threads[t]) {
		return nil, badRequest("message thread not found")
	}
	return true, nil
}

// isAdminLocked reports whether userID is among the chat's admins.
func (s *Server) isAdminLocked(chatID, userID int64) bool {
	return slices.ContainsFunc(s.admins[chatID], func(u User) bool { return u.ID == userID })
}

type wireChatMember struct {
	Status string   `json:"status"`
	User   wireUser `json:"user"`
}

func (s *Server) memberLocked(chatID int64, u User) wireChatMember {
	status := "member"
	if s.isAdminLocked(chatID, u.ID) {
		status = "administrator"
	}
	return wireChatMember{Status: status, User: toWireUser(u)}
}

func (s *Server) getChatAdministratorsLocked(req *request) (any, *apiError) {
	cs, err := s.targetChatLocked(req)
	if err != nil {
		return nil, err
	}
	out := []wireChatMember{}
	for _, u := range s.admins[cs.chat.ID] {
		if !u.IsBot {
			out = append(out, s.memberLocked(cs.chat.ID, u))
		}
	}
	return out, nil
}

func (s *Server) getChatMemberLocked(req *request) (any, *apiError) {
	cs, err := s.targetChatLocked(req)
	if err != nil {
		return nil, err
	}
	id := req.int64Param("user_id")
	u, ok := s.users[id]
	if id == s.opts.BotID {
		u, ok = s.Bot(), true
	}
	if !ok {
		return nil, badRequest("user not found")
	}
	return s.memberLocked(cs.chat.ID, u), nil
}
