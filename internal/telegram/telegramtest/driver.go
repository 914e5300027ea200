package telegramtest

import (
	"bytes"
	"image"
	"net/http"
	"strings"
)

// MsgOption configures a message sent by a simulated user.
type MsgOption func(*userMessage)

type userMessage struct {
	replyTo   int
	thread    int
	lang      string
	photo     []byte
	photoName string
}

// ReplyTo makes the message a reply to messageID (ignored if that message
// does not exist). A reply lands in the replied message's forum topic.
func ReplyTo(messageID int) MsgOption { return func(m *userMessage) { m.replyTo = messageID } }

// InThread posts the message into forum topic threadID (forum chats only).
func InThread(threadID int) MsgOption { return func(m *userMessage) { m.thread = threadID } }

// WithLanguage sets the sender's language_code, unless from already has one.
func WithLanguage(code string) MsgOption { return func(m *userMessage) { m.lang = code } }

// WithPhoto sends a photo with the text as its caption.
func WithPhoto(name string, data []byte) MsgOption {
	return func(m *userMessage) { m.photoName, m.photo = name, data }
}

// AddChat makes a chat known to the server (so the bot can send to it)
// without posting a message, or updates its details.
func (s *Server) AddChat(c Chat) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ensureChatLocked(c)
	s.notifyLocked()
}

// SetAdmins sets the chat's administrators, as getChatAdministrators and
// getChatMember report them. Include the bot (see Server.Bot) to let it
// delete other users' messages in a group.
func (s *Server) SetAdmins(chatID int64, admins ...User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.admins[chatID] = append([]User(nil), admins...)
	for _, u := range admins {
		if !u.IsBot {
			s.users[u.ID] = u
		}
	}
	s.notifyLocked()
}

// SendMessage simulates from posting text in chat and queues the message
// update for getUpdates. Commands (/cmd, /cmd@bot) get bot_command entities
// as Telegram computes them. It returns the stored message.
func (s *Server) SendMessage(chat Chat, from User, text string, opts ...MsgOption) Message {
	var o userMessage
	for _, opt := range opts {
		opt(&o)
	}
	if from.LanguageCode == "" {
		from.LanguageCode = o.lang
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.ensureChatLocked(chat)
	s.users[from.ID] = from
	c := Content{Source: text, Entities: botCommandEntities(text)}
	if o.photo != nil {
		c.Caption = text
		c.Photo = s.userPhotoLocked(o.photoName, o.photo)
	} else {
		c.Text = text
	}
	m := cs.addMessage(from, s.opts.Now(), c)
	thread := o.thread
	if r := cs.live(o.replyTo); o.replyTo != 0 && r != nil {
		m.ReplyTo = o.replyTo
		if thread == 0 {
			thread = r.ThreadID
		}
	}
	if thread != 0 && cs.chat.IsForum {
		cs.threads[thread] = true
		m.ThreadID = thread
	}
	s.enqueueLocked("message", wireUpdate{Message: s.wireMessageLocked(cs, m, true)})
	return m.clone()
}

func (s *Server) userPhotoLocked(name string, data []byte) *Photo {
	f := s.storeFileLocked("photo", name)
	p := &Photo{FileID: f.id, FileName: name, Bytes: data}
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(data)); err == nil {
		p.Width, p.Height = cfg.Width, cfg.Height
	}
	f.photo = p
	return p
}

// DeleteMessage simulates a user deleting a message (for example the bot's
// status message). The bot is not notified, as on Telegram. It reports
// whether the message existed.
func (s *Server) DeleteMessage(chatID int64, messageID int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.chats[chatID]
	if cs == nil {
		return false
	}
	m := cs.live(messageID)
	if m == nil {
		return false
	}
	m.Deleted = true
	s.notifyLocked()
	return true
}

// FailNext makes the next n calls of method (case-insensitive) fail with
// the HTTP status and description, before any validation; for status 429
// the answer carries retry_after 1. An empty description becomes the
// status text. Failures queue up behind earlier FailNext calls.
func (s *Server) FailNext(method string, status int, description string, n int) {
	if n <= 0 {
		n = 1
	}
	if description == "" {
		description = http.StatusText(status)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(method)
	s.failures[key] = append(s.failures[key], &failure{status: status, desc: description, left: n})
}
