package telegram

import "slices"

// chatAllowed applies telegram.allowed_chat_ids and telegram.allow_private:
// a private chat is allowed when private chats are, or when it is listed;
// a group is allowed when the list is empty or names it.
func (c Config) chatAllowed(ch chat) bool {
	listed := slices.Contains(c.AllowedChatIDs, ch.ID)
	if ch.Type == "private" {
		return c.AllowPrivate || listed
	}
	return len(c.AllowedChatIDs) == 0 || listed
}

// isAdmin reports whether the user is one of telegram.admin_user_ids.
func (c Config) isAdmin(userID int64) bool { return slices.Contains(c.AdminUserIDs, userID) }
