package telegramtest

import (
	"bytes"
	"image"
	"maps"
	"mime"
	"net/http"
	"path"
	"strconv"
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
	doc       []byte
	docName   string
	noSize    bool
}

// ReplyTo makes the message a reply to messageID (ignored if that message
// does not exist). A reply lands in the replied message's forum topic.
func ReplyTo(messageID int) MsgOption { return func(m *userMessage) { m.replyTo = messageID } }

// InThread posts the message into forum topic threadID (forum chats only).
func InThread(threadID int) MsgOption { return func(m *userMessage) { m.thread = threadID } }

// WithLanguage sets the sender's language_code, unless from already has one.
func WithLanguage(code string) MsgOption { return func(m *userMessage) { m.lang = code } }

// WithPhoto sends a photo with the text as its caption (and its
// bot_command entities as caption_entities). The update lists the photo's
// sizes as Telegram does: thumbnails of 90, 320, 800 and 1280 pixels on the
// long side where the photo is larger (smaller JPEGs, which getFile and the
// file route serve), and the photo itself last, whose bytes are data.
func WithPhoto(name string, data []byte) MsgOption {
	return func(m *userMessage) { m.photoName, m.photo = name, data }
}

// WithDocument sends a file as a document (as an uncompressed picture is
// sent) with the text as its caption; its mime_type comes from the name's
// extension.
func WithDocument(name string, data []byte) MsgOption {
	return func(m *userMessage) { m.docName, m.doc = name, data }
}

// WithoutFileSize leaves file_size out of the message's photo sizes or
// document and out of getFile's answer, as Telegram may: the bot learns the
// size only by downloading.
func WithoutFileSize() MsgOption { return func(m *userMessage) { m.noSize = true } }

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
	switch {
	case o.photo != nil:
		c.Caption = text
		c.Photo = s.userPhotoLocked(o.photoName, o.photo, o.noSize)
	case o.doc != nil:
		c.Caption = text
		c.Document = s.userDocumentLocked(o.docName, o.doc, o.noSize)
	default:
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

// userPhotoLocked stores a user's photo and its thumbnails (see WithPhoto).
func (s *Server) userPhotoLocked(name string, data []byte, noSize bool) *Photo {
	f := s.storeFileLocked("photo")
	p := &Photo{FileID: f.id, FileName: name, Bytes: data}
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(data)); err == nil {
		p.Width, p.Height = cfg.Width, cfg.Height
	}
	f.photo = p
	s.addBlobLocked(p.FileID, "photos", path.Ext(name), data, noSize)
	if max(p.Width, p.Height) <= thumbSides[0] {
		return p
	}
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return p
	}
	for _, side := range thumbSides {
		if max(p.Width, p.Height) > side {
			if thumb := scaledJPEG(src, side); thumb != nil {
				s.addBlobLocked(p.FileID+"-"+strconv.Itoa(side), "thumbnails", ".jpg", thumb, noSize)
			}
		}
	}
	return p
}

// userDocumentLocked stores a file a user sent as a document.
func (s *Server) userDocumentLocked(name string, data []byte, noSize bool) *Document {
	f := s.storeFileLocked("document")
	mt, _, _ := strings.Cut(mime.TypeByExtension(path.Ext(name)), ";")
	f.document = &Document{FileID: f.id, FileName: name, MIMEType: mt, Bytes: data}
	s.addBlobLocked(f.id, "documents", path.Ext(name), data, noSize)
	return f.document
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
	s.failNext(failureKey(method, 0), status, description, n)
}

// FailNextIn is FailNext for the calls of method whose chat_id is chatID,
// e.g. to refuse one user's uploads ("Bad Request: MEDIA_EMPTY") while
// other chats work. A chat's own failures come before FailNext's.
func (s *Server) FailNextIn(chatID int64, method string, status int, description string, n int) {
	s.failNext(failureKey(method, chatID), status, description, n)
}

func (s *Server) failNext(key string, status int, description string, n int) {
	if n <= 0 {
		n = 1
	}
	if description == "" {
		description = http.StatusText(status)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[key] = append(s.failures[key], &failure{status: status, desc: description, left: n})
}

// MigrateChat turns group chatID into a new supergroup, as Telegram does
// when a group is upgraded, and returns the supergroup. From then on every
// call with the old chat_id is answered 400 "Bad Request: group chat was
// upgraded to a supergroup chat" with parameters.migrate_to_chat_id set to
// the new id. The supergroup starts without messages (Telegram copies the
// history under new message ids; the fake does not).
func (s *Server) MigrateChat(chatID int64) Chat {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.chats[chatID]
	c := Chat{ID: -1000000000000 + chatID, Type: ChatSupergroup}
	if old != nil {
		c.Title = old.chat.Title
	}
	s.ensureChatLocked(c)
	s.migrated[chatID] = c.ID
	maps.Copy(s.admins, map[int64][]User{c.ID: s.admins[chatID]})
	s.notifyLocked()
	return c
}

// SetSecondPoller simulates another bot instance polling getUpdates with
// the same token: while on, each getUpdates of the bot is cut short by the
// other instance's and answered 409 "Conflict: terminated by other
// getUpdates request; make sure that only one bot instance is running".
func (s *Server) SetSecondPoller(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secondPoller = on
	if on && s.poll != nil {
		close(s.poll.conflict)
		s.poll = nil
	}
	s.notifyLocked()
}
