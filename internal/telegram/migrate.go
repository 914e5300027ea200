package telegram

import "sync"

// chatRoutes remembers groups that became supergroups (a 400 answer with
// parameters.migrate_to_chat_id), so that every job and reply meant for
// the old chat goes to the new one. It is safe for concurrent use.
type chatRoutes struct {
	mu sync.Mutex      // guards to
	to map[int64]int64 // old chat id → new chat id
}

// add records that chat old is now chat new.
func (r *chatRoutes) add(old, new int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.to == nil {
		r.to = map[int64]int64{}
	}
	if old != new {
		r.to[old] = new
	}
}

// get returns where chat id lives now, following repeated moves.
func (r *chatRoutes) get(id int64) (int64, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	moved := false
	for range 8 { // a chat moves once; the bound only guards against a loop
		n, ok := r.to[id]
		if !ok {
			break
		}
		id, moved = n, true
	}
	return id, moved
}

// route returns where a new message meant for p goes: p itself, or for a
// group that became a supergroup, the supergroup. The message it replied
// to and its topic stay behind in the old chat, so the moved place has
// neither (moved reports that).
func (r *chatRoutes) route(p place) (to place, moved bool) {
	id, moved := r.get(p.chat.id)
	if !moved {
		return p, false
	}
	return place{chat: chatRef{id: id, group: true}}, true
}

// noteMigration records a migration an answer for chat ch reports.
func (c *client) noteMigration(ch chatRef, err error) {
	to := migratedTo(err)
	if to == 0 {
		return
	}
	if cur, _ := c.routes.get(ch.id); cur == to {
		return
	}
	c.routes.add(ch.id, to)
	c.log.Info("the group became a supergroup; its messages go to the new chat", "chat", ch.id, "to", to)
}
