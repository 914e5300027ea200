package telegramtest

import "slices"

func (s *Server) getMeLocked(*request) (any, *apiError) {
	u := toWireUser(s.Bot())
	yes, no := true, false
	u.CanJoinGroups, u.CanReadAllGroupMessages, u.SupportsInlineQueries = &yes, &no, &no
	return u, nil
}

// isAdminLocked reports whether userID is among the chat's admins.
func (s *Server) isAdminLocked(chatID, userID int64) bool {
	return slices.ContainsFunc(s.admins[chatID], func(u User) bool { return u.ID == userID })
}
