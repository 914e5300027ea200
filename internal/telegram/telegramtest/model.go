package telegramtest

import (
	"bytes"
	"slices"
	"time"
)

// Chat types accepted in Chat.Type.
const (
	ChatPrivate    = "private"
	ChatGroup      = "group"
	ChatSupergroup = "supergroup"
)

// Chat is a chat the fake knows. A private chat's ID is the user's ID.
type Chat struct {
	ID int64
	// Type is "private", "group" or "supergroup"; empty means "private".
	Type string
	// Title is the group title; unused for private chats.
	Title string
	// IsForum marks a supergroup with topics (message_thread_id).
	IsForum bool
}

func (c Chat) isGroup() bool { return c.Type == ChatGroup || c.Type == ChatSupergroup }

// User is a Telegram user (or the bot itself, with IsBot set).
type User struct {
	ID           int64
	FirstName    string
	Username     string
	LanguageCode string
	IsBot        bool
}

// Entity is a MessageEntity: offsets and lengths count UTF-16 code units.
type Entity struct {
	Type          string `json:"type"`
	Offset        int    `json:"offset"`
	Length        int    `json:"length"`
	URL           string `json:"url,omitempty"`
	Language      string `json:"language,omitempty"`
	CustomEmojiID string `json:"custom_emoji_id,omitempty"`
}

// Button is an inline keyboard button. Only the fields the fake keeps are
// listed; other button kinds are accepted and keep their Text.
type Button struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data,omitempty"`
	URL          string `json:"url,omitempty"`
}

// Photo is an uploaded photo with its decoded dimensions.
type Photo struct {
	FileID   string
	FileName string
	Width    int
	Height   int
	Bytes    []byte
}

// Document is an uploaded document.
type Document struct {
	FileID   string
	FileName string
	MIMEType string
	Bytes    []byte
}

// Content is what an edit can change: text or caption (after parse-mode
// parsing, as Telegram stores it), media and inline keyboard.
type Content struct {
	// Text is the text of a text message; empty for media messages.
	Text string
	// Caption is the caption of a media message.
	Caption string
	// Entities are the entities of Text or Caption.
	Entities []Entity
	// Source is the text or caption exactly as the bot sent it, before parsing.
	Source string
	// ParseMode is the parse_mode the bot used, if any.
	ParseMode string
	// Photo is set for photo messages.
	Photo *Photo
	// Document is set for document messages.
	Document *Document
	// Keyboard is the inline keyboard, nil if the message has none.
	Keyboard [][]Button
}

// sameAs reports whether Telegram would consider c and o the same content
// and reply markup ("message is not modified").
func (c Content) sameAs(o Content) bool {
	if c.Text != o.Text || c.Caption != o.Caption || !slices.Equal(c.Entities, o.Entities) {
		return false
	}
	if (c.Photo == nil) != (o.Photo == nil) || (c.Document == nil) != (o.Document == nil) {
		return false
	}
	if c.Photo != nil && !bytes.Equal(c.Photo.Bytes, o.Photo.Bytes) {
		return false
	}
	if c.Document != nil && (!bytes.Equal(c.Document.Bytes, o.Document.Bytes) || c.Document.FileName != o.Document.FileName) {
		return false
	}
	return slices.EqualFunc(c.Keyboard, o.Keyboard, slices.Equal[[]Button])
}

// clone copies c deeply enough for a caller to modify it; file bytes are
// shared, the fake never changes them.
func (c Content) clone() Content {
	c.Entities = slices.Clone(c.Entities)
	if c.Photo != nil {
		p := *c.Photo
		c.Photo = &p
	}
	if c.Document != nil {
		d := *c.Document
		c.Document = &d
	}
	if c.Keyboard != nil {
		rows := make([][]Button, len(c.Keyboard))
		for i, r := range c.Keyboard {
			rows[i] = slices.Clone(r)
		}
		c.Keyboard = rows
	}
	return c
}

// EditKind names the method that produced an Edit.
type EditKind string

// Edit kinds, one per edit method.
const (
	EditText    EditKind = "text"    // editMessageText
	EditCaption EditKind = "caption" // editMessageCaption
	EditMedia   EditKind = "media"   // editMessageMedia
)

// Edit is one successful edit of a message and the content it resulted in.
type Edit struct {
	Kind    EditKind
	Time    time.Time
	Content Content
}

// Message is a message in a chat, sent by the bot or by a simulated user,
// in its current state.
type Message struct {
	ID       int
	ChatID   int64
	From     User
	Date     time.Time
	ThreadID int
	// ReplyTo is the id of the message this one replies to, 0 if none.
	ReplyTo      int
	MediaGroupID string
	Content
	// Original is the content the message was sent with.
	Original Content
	// History lists the message's edits, oldest first.
	History []Edit
	// EditDate is the time of the last edit, zero if never edited.
	EditDate time.Time
	// Deleted is set once the bot or a user deleted the message.
	Deleted bool
}

func (m *Message) clone() Message {
	c := *m
	c.Content = m.Content.clone()
	c.Original = m.Original.clone()
	c.History = make([]Edit, len(m.History))
	for i, e := range m.History {
		e.Content = e.Content.clone()
		c.History[i] = e
	}
	return c
}

// Upload describes a file part of a request (without its bytes).
type Upload struct {
	Field    string
	FileName string
	Size     int
}

// Call is one request the server received.
type Call struct {
	// Method is the canonical method name ("sendMessage"), or the name as
	// requested when the method is unknown.
	Method string
	// Params are the request's parameters; file parts are listed in Uploads.
	Params  map[string]string
	Uploads []Upload
	Time    time.Time
	// Status is the HTTP status of the response.
	Status int
	// Error is the error description, empty on success.
	Error string
	// RetryAfter is parameters.retry_after of a 429 response.
	RetryAfter int
}

// CallbackAnswer is one answerCallbackQuery call for a query.
type CallbackAnswer struct {
	QueryID   string
	Text      string
	ShowAlert bool
	URL       string
	CacheTime int
	Time      time.Time
	// Error is the error Telegram returned for this answer, empty if it was accepted.
	Error string
}

// BotCommand is a command registered with setMyCommands.
type BotCommand struct {
	Command     string `json:"command"`
	Description string `json:"description"`
}

// CommandScope is a BotCommandScope. The zero value is the default scope.
type CommandScope struct {
	// Type is one of default, all_private_chats, all_group_chats,
	// all_chat_administrators, chat, chat_administrators, chat_member.
	Type   string `json:"type"`
	ChatID int64  `json:"chat_id,omitempty"`
	UserID int64  `json:"user_id,omitempty"`
}

func (s CommandScope) normalized() CommandScope {
	if s.Type == "" {
		s.Type = "default"
	}
	return s
}
