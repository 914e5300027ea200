package discordtest

import (
	"encoding/json"
	"fmt"
)

// UserMessageSpec is a message a user posts (PostUserMessage).
type UserMessageSpec struct {
	ChannelID string
	// UserID is the author; default the fake's test user (as for Interact).
	UserID  string
	Content string
	// Files are attached in order, each served by the fake's file server.
	Files []Upload
	// Embeds are raw embed objects (e.g. a link preview with an image).
	Embeds []json.RawMessage
}

// PostUserMessage posts a message as a user, with attachments served by the fake's file server
// at their url and proxy_url. The bot can then act on it, e.g. through a message context-menu
// command (InteractSpec.TargetID). MESSAGE_CREATE is dispatched where the bot can see it.
func (s *Server) PostUserMessage(spec UserMessageSpec) (Message, error) {
	s.mu.Lock()
	c := s.channels[spec.ChannelID]
	if c == nil {
		s.mu.Unlock()
		return Message{}, fmt.Errorf("discordtest: post user message: unknown channel %q", spec.ChannelID)
	}
	if len(spec.Files) > maxAttachments {
		s.mu.Unlock()
		return Message{}, fmt.Errorf("discordtest: post user message: %d files, at most %d", len(spec.Files), maxAttachments)
	}
	if spec.UserID == "" {
		if s.defaultUser == "" {
			s.defaultUser = s.userLocked(User{Username: "tester", GlobalName: "Tester"}).ID
		}
		spec.UserID = s.defaultUser
	}
	user := s.userLocked(User{ID: spec.UserID})
	now := s.now()
	rev := Revision{Content: spec.Content, Embeds: spec.Embeds, Route: "user", At: now}
	for _, f := range spec.Files {
		rev.Attachments = append(rev.Attachments, s.userAttachmentLocked(c.ID, f, false))
	}
	if err := validateRevision(&rev, false); err != nil {
		s.mu.Unlock()
		return Message{}, fmt.Errorf("discordtest: post user message: %s", err.Message)
	}
	m := &message{id: s.ids.next(now), channelID: c.ID, guildID: c.GuildID, author: userJSON(*user),
		authorID: user.ID, typ: MessageTypeDefault, botVisible: s.botPermsLocked(c)&PermViewChannel != 0,
		createdAt: now, revs: []Revision{rev}}
	s.addMessageLocked(m)
	snap := m.snapshot()
	s.mu.Unlock()
	s.flushEvents([]msgEvent{{t: "MESSAGE_CREATE", m: m}})
	s.changed.broadcast()
	return snap, nil
}
