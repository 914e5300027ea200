package telegramtest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// ErrClosed is returned by WaitFor once the server is closed.
var ErrClosed = errors.New("telegramtest: server closed")

// Messages returns the chat's messages that were not deleted, in order.
func (s *Server) Messages(chatID int64) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.chats[chatID]
	if cs == nil {
		return nil
	}
	var out []Message
	for _, m := range cs.order {
		if !m.Deleted {
			out = append(out, m.clone())
		}
	}
	return out
}

// Message returns one message, deleted or not, with its edit history.
func (s *Server) Message(chatID int64, id int) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.chats[chatID]
	if cs == nil || cs.byID[id] == nil {
		return Message{}, false
	}
	return cs.byID[id].clone(), true
}

// Calls returns every request received so far, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.calls))
	for i, c := range s.calls {
		c.Params = maps.Clone(c.Params)
		c.Uploads = slices.Clone(c.Uploads)
		out[i] = c
	}
	return out
}

// CallsTo returns the requests of one method (case-insensitive), in order.
func (s *Server) CallsTo(method string) []Call {
	var out []Call
	for _, c := range s.Calls() {
		if strings.EqualFold(c.Method, method) {
			out = append(out, c)
		}
	}
	return out
}

// Count429 returns how many 429 Too Many Requests answers the server gave.
func (s *Server) Count429() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count429
}

// CallbackAnswers returns every answerCallbackQuery call for the query, in
// order; rejected ones have Error set. At most one is accepted.
func (s *Server) CallbackAnswers(queryID string) []CallbackAnswer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.answers[queryID])
}

// Commands returns the command list set for exactly this scope and
// language code, without falling back to other scopes or languages.
func (s *Server) Commands(scope CommandScope, lang string) []BotCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.commands[commandKey{scope: scope.normalized(), lang: lang}])
}

// PendingUpdates returns how many updates getUpdates has not confirmed yet.
func (s *Server) PendingUpdates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.updates)
}

// Changed returns a channel that is closed at the next change of the
// server's state (a request, a simulated user action).
func (s *Server) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// WaitFor blocks until cond returns true, re-evaluating it after every
// change of the server's state. It returns the context's error (wrapped) if
// ctx ends first and ErrClosed if the server closes. cond must not block; it
// may call the Server's methods.
func (s *Server) WaitFor(ctx context.Context, cond func() bool) error {
	for {
		ch := s.Changed()
		if cond() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("telegramtest: wait: %w", ctx.Err())
		case <-s.done:
			if cond() {
				return nil
			}
			return ErrClosed
		}
	}
}

// OpenPolls returns how many getUpdates long polls the server holds open
// (0 or 1: a newer one ends an older one), counting one the bot hung up
// during Options.PollHangUpDelay.
func (s *Server) OpenPolls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.poll != nil {
		return 1
	}
	return 0
}
