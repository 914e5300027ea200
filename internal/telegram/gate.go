package telegram

import "sync"

// maxPendingPerChat is how many replies one chat may have waiting for their
// turn; more are dropped. One user flooding a chat with commands then
// cannot hold up the adapter's handlers, and so everyone else's commands.
const maxPendingPerChat = 3

// chatGate counts the replies pending in each chat. It is safe for
// concurrent use.
type chatGate struct {
	mu      sync.Mutex // guards pending
	pending map[int64]int
}

// enter takes a place for a reply in chat, or reports false if the chat
// already has maxPendingPerChat.
func (g *chatGate) enter(chat int64) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.pending == nil {
		g.pending = map[int64]int{}
	}
	if g.pending[chat] >= maxPendingPerChat {
		return false
	}
	g.pending[chat]++
	return true
}

// leave gives back a place taken by enter.
func (g *chatGate) leave(chat int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.pending[chat]--; g.pending[chat] <= 0 {
		delete(g.pending, chat)
	}
}
