package telegramtest

import (
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// callbackQuery is a button press waiting for answerCallbackQuery.
type callbackQuery struct {
	created  time.Time
	answered bool
}

// Click simulates from pressing the inline button with callback data data
// on message messageID in chat, and queues the callback_query update. It
// returns the query id, or "" if the message does not exist (or was
// deleted) or has no such button.
func (s *Server) Click(chat Chat, from User, messageID int, data string) string {
	return s.press(chat, from, messageID, data, true)
}

// ClickData is Click with callback data that need not be on the message's
// keyboard: a button of an older keyboard the bot has since replaced, or
// data a modified client made up. It returns "" if the message does not
// exist (or was deleted).
func (s *Server) ClickData(chat Chat, from User, messageID int, data string) string {
	return s.press(chat, from, messageID, data, false)
}

// press queues a callback_query; onKeyboard requires a button with data.
func (s *Server) press(chat Chat, from User, messageID int, data string, onKeyboard bool) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.chats[chat.ID]
	if cs == nil {
		return ""
	}
	m := cs.live(messageID)
	if m == nil || onKeyboard && !slices.ContainsFunc(m.Keyboard, func(row []Button) bool {
		return slices.ContainsFunc(row, func(b Button) bool { return b.CallbackData == data })
	}) {
		return ""
	}
	s.users[from.ID] = from
	s.nextQuery++
	id := strconv.FormatInt(s.nextQuery, 10)
	s.queries[id] = &callbackQuery{created: s.opts.Now()}
	s.enqueueLocked("callback_query", wireUpdate{CallbackQuery: &wireCallbackQuery{
		ID:           id,
		From:         toWireUser(from),
		Message:      s.wireMessageLocked(cs, m, true),
		ChatInstance: strconv.FormatInt(-chat.ID*7919, 10),
		Data:         data,
	}})
	return id
}

// answerCallbackQueryLocked accepts one answer per query, within
// Options.CallbackTimeout of the click.
func (s *Server) answerCallbackQueryLocked(req *request) (any, *apiError) {
	id := req.str("callback_query_id")
	a := CallbackAnswer{
		QueryID:   id,
		Text:      req.str("text"),
		ShowAlert: req.boolParam("show_alert"),
		URL:       req.str("url"),
		CacheTime: req.intParam("cache_time"),
		Time:      req.now,
	}
	q := s.queries[id]
	var err *apiError
	switch {
	case q == nil || q.answered || req.now.Sub(q.created) > s.opts.CallbackTimeout:
		err = errQueryTooOld
	case utf8.RuneCountInString(a.Text) > 200:
		err = badRequest("MESSAGE_TOO_LONG")
	}
	if err != nil {
		a.Error = err.desc
		s.answers[id] = append(s.answers[id], a)
		return nil, err
	}
	q.answered = true
	s.answers[id] = append(s.answers[id], a)
	return true, nil
}
