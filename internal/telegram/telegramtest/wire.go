package telegramtest

import (
	"strconv"
)

// The wire* types are the JSON shapes the Bot API returns.

type wireUser struct {
	ID                      int64  `json:"id"`
	IsBot                   bool   `json:"is_bot"`
	FirstName               string `json:"first_name"`
	Username                string `json:"username,omitempty"`
	LanguageCode            string `json:"language_code,omitempty"`
	CanJoinGroups           *bool  `json:"can_join_groups,omitempty"`
	CanReadAllGroupMessages *bool  `json:"can_read_all_group_messages,omitempty"`
	SupportsInlineQueries   *bool  `json:"supports_inline_queries,omitempty"`
}

type wireChat struct {
	ID        int64  `json:"id"`
	Type      string `json:"type"`
	Title     string `json:"title,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	Username  string `json:"username,omitempty"`
	IsForum   bool   `json:"is_forum,omitempty"`
}

type wirePhotoSize struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
	FileSize     int    `json:"file_size,omitempty"`
}

type wireDocument struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	FileName     string `json:"file_name,omitempty"`
	MIMEType     string `json:"mime_type,omitempty"`
	FileSize     int    `json:"file_size,omitempty"`
}

type wireKeyboard struct {
	InlineKeyboard [][]Button `json:"inline_keyboard"`
}

type wireMessage struct {
	MessageID       int             `json:"message_id"`
	MessageThreadID int             `json:"message_thread_id,omitempty"`
	From            *wireUser       `json:"from,omitempty"`
	Date            int64           `json:"date"`
	Chat            wireChat        `json:"chat"`
	IsTopicMessage  bool            `json:"is_topic_message,omitempty"`
	ReplyToMessage  *wireMessage    `json:"reply_to_message,omitempty"`
	EditDate        int64           `json:"edit_date,omitempty"`
	MediaGroupID    string          `json:"media_group_id,omitempty"`
	Text            string          `json:"text,omitempty"`
	Entities        []Entity        `json:"entities,omitempty"`
	Photo           []wirePhotoSize `json:"photo,omitempty"`
	Document        *wireDocument   `json:"document,omitempty"`
	Caption         string          `json:"caption,omitempty"`
	CaptionEntities []Entity        `json:"caption_entities,omitempty"`
	ReplyMarkup     *wireKeyboard   `json:"reply_markup,omitempty"`
}

type wireCallbackQuery struct {
	ID           string       `json:"id"`
	From         wireUser     `json:"from"`
	Message      *wireMessage `json:"message,omitempty"`
	ChatInstance string       `json:"chat_instance"`
	Data         string       `json:"data,omitempty"`
}

type wireUpdate struct {
	UpdateID      int                `json:"update_id"`
	Message       *wireMessage       `json:"message,omitempty"`
	CallbackQuery *wireCallbackQuery `json:"callback_query,omitempty"`
}

func toWireUser(u User) wireUser {
	return wireUser{ID: u.ID, IsBot: u.IsBot, FirstName: u.FirstName, Username: u.Username, LanguageCode: u.LanguageCode}
}

func (s *Server) wireChatLocked(c Chat) wireChat {
	w := wireChat{ID: c.ID, Type: c.Type}
	if c.Type == ChatPrivate {
		u := s.users[c.ID]
		w.FirstName, w.Username = u.FirstName, u.Username
		if w.FirstName == "" {
			w.FirstName = "User " + strconv.FormatInt(c.ID, 10)
		}
		return w
	}
	w.Title, w.IsForum = c.Title, c.IsForum
	return w
}

// wireMessageLocked renders a message as the Bot API returns it, including
// the message it replies to (one level deep, as Telegram does).
func (s *Server) wireMessageLocked(cs *chatState, m *Message, withReply bool) *wireMessage {
	from := toWireUser(m.From)
	w := &wireMessage{
		MessageID:    m.ID,
		From:         &from,
		Date:         m.Date.Unix(),
		Chat:         s.wireChatLocked(cs.chat),
		MediaGroupID: m.MediaGroupID,
	}
	if m.ThreadID != 0 {
		w.MessageThreadID = m.ThreadID
		w.IsTopicMessage = cs.chat.IsForum
	}
	if !m.EditDate.IsZero() {
		w.EditDate = m.EditDate.Unix()
	}
	if withReply && m.ReplyTo != 0 {
		if r := cs.live(m.ReplyTo); r != nil {
			w.ReplyToMessage = s.wireMessageLocked(cs, r, false)
		}
	}
	switch {
	case m.Photo != nil:
		w.Photo = photoSizes(m.Photo)
		for i := range w.Photo {
			// Sizes as served: user photos' thumbnails exist from the start.
			if b := s.blobs[w.Photo[i].FileID]; b != nil {
				w.Photo[i].FileSize = len(b.data)
				if b.noSize {
					w.Photo[i].FileSize = 0
				}
			}
		}
		w.Caption, w.CaptionEntities = m.Caption, m.Entities
	case m.Document != nil:
		d := m.Document
		w.Document = &wireDocument{FileID: d.FileID, FileUniqueID: uniqueID(d.FileID), FileName: d.FileName, MIMEType: d.MIMEType, FileSize: len(d.Bytes)}
		if b := s.blobs[d.FileID]; b != nil && b.noSize {
			w.Document.FileSize = 0
		}
		w.Caption, w.CaptionEntities = m.Caption, m.Entities
	default:
		w.Text, w.Entities = m.Text, m.Entities
	}
	if m.Keyboard != nil {
		w.ReplyMarkup = &wireKeyboard{InlineKeyboard: m.Keyboard}
	}
	return w
}

// photoSizes lists the sizes Telegram would offer for a photo: thumbnails
// of 90, 320, 800 and 1280 pixels on the long side where the photo is
// larger, and the photo itself, capped at 2560.
func photoSizes(p *Photo) []wirePhotoSize {
	long := max(p.Width, p.Height)
	scaled := func(side int) (int, int) {
		if long <= side {
			return p.Width, p.Height
		}
		return max(1, p.Width*side/long), max(1, p.Height*side/long)
	}
	var sizes []wirePhotoSize
	for _, side := range thumbSides {
		if long > side {
			w, h := scaled(side)
			id := p.FileID + "-" + strconv.Itoa(side)
			sizes = append(sizes, wirePhotoSize{FileID: id, FileUniqueID: uniqueID(id), Width: w, Height: h})
		}
	}
	w, h := scaled(2560)
	return append(sizes, wirePhotoSize{FileID: p.FileID, FileUniqueID: uniqueID(p.FileID), Width: w, Height: h, FileSize: len(p.Bytes)})
}

func uniqueID(fileID string) string { return "U" + fileID }
