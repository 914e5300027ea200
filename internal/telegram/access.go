package telegram

import "slices"

// access is where the bot may answer, and who is an admin.
type access struct {
	admins       map[int64]bool // telegram.admin_user_ids
	allowedChats []int64        // telegram.allowed_chat_ids
	allowPrivate bool           // telegram.allow_private
}

func newAccess(cfg Config) access {
	ac := access{admins: map[int64]bool{}, allowedChats: cfg.AllowedChatIDs, allowPrivate: cfg.AllowPrivate}
	for _, id := range cfg.AdminUserIDs {
		ac.admins[id] = true
	}
	return ac
}

// chatAllowed applies telegram.allowed_chat_ids and telegram.allow_private:
// a private chat is allowed when private chats are, or when it is listed;
// a group is allowed when the list is empty or names it.
func (ac access) chatAllowed(c chat) bool {
	listed := slices.Contains(ac.allowedChats, c.ID)
	if c.Type == "private" {
		return ac.allowPrivate || listed
	}
	return len(ac.allowedChats) == 0 || listed
}

// isAdmin reports whether the user is one of telegram.admin_user_ids.
func (ac access) isAdmin(userID int64) bool { return ac.admins[userID] }
