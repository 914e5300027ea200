package telegram

import "slices"

// chatAllowed applies telegram.allowed_chat_ids and telegram.allow_private:
// a private chat is allowed unless private chats are off (then only if it
// is listed); a group is allowed when the list is empty or names it.
func (a *Adapter) chatAllowed(c chat) bool {
	listed := slices.Contains(a.cfg.AllowedChatIDs, c.ID)
	if c.Type == "private" {
		return !a.cfg.NoPrivate || listed
	}
	return len(a.cfg.AllowedChatIDs) == 0 || listed
}
