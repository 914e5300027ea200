package telegramtest

import (
	"time"
)

// chatState is one chat's messages; the Server's mutex guards it.
type chatState struct {
	chat    Chat
	nextID  int
	order   []*Message
	byID    map[int]*Message
	threads map[int]bool // forum topics seen in this chat
}

// ensureChatLocked returns the chat, registering it (or updating its
// details) when a test introduces it.
func (s *Server) ensureChatLocked(c Chat) *chatState {
	if c.Type == "" {
		c.Type = ChatPrivate
	}
	cs := s.chats[c.ID]
	if cs == nil {
		cs = &chatState{chat: c, byID: map[int]*Message{}, threads: map[int]bool{}}
		s.chats[c.ID] = cs
		return cs
	}
	cs.chat = c
	return cs
}

// targetChatLocked resolves the chat_id parameter of a request.
func (s *Server) targetChatLocked(req *request) (*chatState, *apiError) {
	cs := s.chats[req.int64Param("chat_id")]
	if cs == nil {
		return nil, errChatNotFound
	}
	return cs, nil
}

// addMessage appends a new message to the chat.
func (cs *chatState) addMessage(from User, date time.Time, content Content) *Message {
	cs.nextID++
	m := &Message{
		ID:       cs.nextID,
		ChatID:   cs.chat.ID,
		From:     from,
		Date:     date,
		Content:  content,
		Original: content.clone(),
	}
	cs.order = append(cs.order, m)
	cs.byID[m.ID] = m
	return m
}

// live returns a message that exists and was not deleted.
func (cs *chatState) live(id int) *Message {
	m := cs.byID[id]
	if m == nil || m.Deleted {
		return nil
	}
	return m
}

// applyEdit records an edit that changed a bot message's content.
func (m *Message) applyEdit(kind EditKind, now time.Time, c Content) {
	m.Content = c
	m.EditDate = now
	m.History = append(m.History, Edit{Kind: kind, Time: now, Content: c.clone()})
}
