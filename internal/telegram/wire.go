package telegram

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf16"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// The incoming Bot API objects, with only the fields the adapter reads.
// They are decoded here rather than into tgbotapi's types because Bot API
// 5.5 lacks message_thread_id and is_topic_message.

type update struct {
	UpdateID      int            `json:"update_id"`
	Message       *message       `json:"message"`
	CallbackQuery *callbackQuery `json:"callback_query"`
}

type botUser struct {
	ID           int64  `json:"id"`
	IsBot        bool   `json:"is_bot"`
	FirstName    string `json:"first_name"`
	Username     string `json:"username"`
	LanguageCode string `json:"language_code"`
}

type chat struct {
	ID   int64  `json:"id"`
	Type string `json:"type"`
}

type entity struct {
	Type   string `json:"type"`
	Offset int    `json:"offset"` // UTF-16 code units
	Length int    `json:"length"`
}

// photoSize is one size of a photo; a message lists them smallest first,
// but the adapter does not rely on the order.
type photoSize struct {
	FileID   string `json:"file_id"`
	Width    int    `json:"width"`
	Height   int    `json:"height"`
	FileSize int64  `json:"file_size"` // 0 when Telegram does not say
}

// document is a file sent as a document, e.g. an uncompressed picture.
type document struct {
	FileID   string `json:"file_id"`
	FileName string `json:"file_name"`
	MIMEType string `json:"mime_type"`
	FileSize int64  `json:"file_size"`
}

type message struct {
	MessageID       int         `json:"message_id"`
	MessageThreadID int         `json:"message_thread_id"`
	IsTopicMessage  bool        `json:"is_topic_message"`
	From            *botUser    `json:"from"`
	Chat            chat        `json:"chat"`
	Text            string      `json:"text"`
	Caption         string      `json:"caption"`
	Entities        []entity    `json:"entities"`
	CaptionEntities []entity    `json:"caption_entities"`
	Photo           []photoSize `json:"photo"`
	Document        *document   `json:"document"`
	ReplyToMessage  *message    `json:"reply_to_message"`
}

type callbackQuery struct {
	ID      string   `json:"id"`
	From    botUser  `json:"from"`
	Message *message `json:"message"`
	Data    string   `json:"data"`
}

// chatRef identifies a chat for sending and for the flood limits.
type chatRef struct {
	id    int64
	group bool // a group or supergroup, where the per-group limit applies
}

func (c chat) ref() chatRef {
	return chatRef{id: c.ID, group: c.Type == "group" || c.Type == "supergroup"}
}

// place is where a new message goes: a chat, the message it answers and
// the forum topic of that message.
type place struct {
	chat    chatRef
	replyTo int // 0 for none
	thread  int // message_thread_id, set only for topic messages
}

// answering returns the place for a reply to m: in m's chat, replying to
// m, in m's forum topic (if the reply cannot be made, the message still
// lands in the topic).
func answering(m *message) place {
	p := place{chat: m.Chat.ref(), replyTo: m.MessageID}
	if m.IsTopicMessage {
		p.thread = m.MessageThreadID
	}
	return p
}

// params returns the chat and reply parameters for a new message.
func (p place) params() tgbotapi.Params {
	ps := tgbotapi.Params{"chat_id": strconv.FormatInt(p.chat.id, 10)}
	if p.replyTo != 0 {
		ps["reply_parameters"] = `{"message_id":` + strconv.Itoa(p.replyTo) + `,"allow_sending_without_reply":true}`
	}
	if p.thread != 0 {
		ps["message_thread_id"] = strconv.Itoa(p.thread)
	}
	return ps
}

// button is an inline keyboard button with callback data (at most 64 bytes).
type button struct {
	Text string `json:"text"`
	Data string `json:"callback_data"`
}

// keyboard is an inline keyboard, rows of buttons.
type keyboard [][]button

// markup returns the reply_markup JSON, or "" for no keyboard (an edit
// without reply_markup removes the keyboard).
func (k keyboard) markup() string {
	if len(k) == 0 {
		return ""
	}
	b, _ := json.Marshal(struct {
		InlineKeyboard keyboard `json:"inline_keyboard"`
	}{k})
	return string(b)
}

// command is a bot command at the start of a message.
type command struct {
	name string // lower case, without '/' and '@bot'
	args string // the text after the command, trimmed
}

// parseCommand reads the bot_command entity at offset 0 of m's text, or of
// its caption (a photo or document sent with /imagine). A command addressed
// to another bot (/imagine@OtherBot) is not ours: ok is false, as it is for
// a message without a command.
func parseCommand(m *message, self string) (command, bool) {
	text, entities := m.Text, m.Entities
	if text == "" {
		text, entities = m.Caption, m.CaptionEntities
	}
	if text == "" {
		return command{}, false
	}
	for _, e := range entities {
		if e.Type != "bot_command" || e.Offset != 0 {
			continue
		}
		units := utf16.Encode([]rune(text))
		if e.Length <= 1 || e.Length > len(units) {
			return command{}, false
		}
		word := string(utf16.Decode(units[1:e.Length]))
		rest := string(utf16.Decode(units[e.Length:]))
		name, target, addressed := strings.Cut(word, "@")
		if addressed && !strings.EqualFold(target, self) {
			return command{}, false
		}
		return command{name: strings.ToLower(name), args: strings.TrimSpace(rest)}, true
	}
	return command{}, false
}
