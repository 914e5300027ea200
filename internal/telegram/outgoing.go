package telegram

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// outgoing is one message to send, or the new content of one to edit,
// as one Bot API call.
type outgoing struct {
	at    place    // where a new message goes; an edit uses at.chat only
	edit  int      // the message to edit; 0 sends a new one
	text  string   // HTML: the text, or the media's caption
	media []media  // a photo or document; two to ten send an album (no text, no keyboard)
	kb    keyboard // an edit without one removes the keyboard
	// captionOnly edits only the caption and keyboard of a media message.
	captionOnly bool
}

// media is an image to send as a photo or, when Telegram would refuse it as
// one, as a document.
type media struct {
	data []byte
	name string // file name, e.g. "imagine-1a.png"
	doc  bool   // send as a document
	key  string // identifies the content, so an unchanged image is not uploaded again
}

func (m media) kind() string {
	if m.doc {
		return "document"
	}
	return "photo"
}

func (m media) file(field string) tgbotapi.RequestFile {
	return tgbotapi.RequestFile{Name: field, Data: tgbotapi.FileBytes{Name: m.name, Bytes: m.data}}
}

// send makes the call for m (sendMessage, sendPhoto, sendDocument,
// sendMediaGroup, or for an edit editMessageText, editMessageCaption,
// editMessageMedia) and returns the message's id (0 for an album). A new
// message for a group that became a supergroup goes to the supergroup.
func (c *client) send(ctx context.Context, m outgoing) (int, error) {
	if m.edit != 0 {
		return m.edit, c.editMessage(ctx, m)
	}
	p, _ := c.routes.route(m.at)
	ps := p.params()
	if len(m.media) > 1 {
		list := make([]map[string]string, len(m.media))
		files := make([]tgbotapi.RequestFile, len(m.media))
		for i, md := range m.media {
			name := "file-" + strconv.Itoa(i)
			list[i] = map[string]string{"type": md.kind(), "media": "attach://" + name}
			files[i] = md.file(name)
		}
		b, _ := json.Marshal(list)
		ps["media"] = string(b)
		_, err := c.call(ctx, p.chat, "sendMediaGroup", ps, files)
		return 0, err
	}
	ps["parse_mode"] = "HTML"
	ps.AddNonEmpty("reply_markup", m.kb.markup())
	if len(m.media) == 0 {
		ps["text"] = m.text
		return sent(c.call(ctx, p.chat, "sendMessage", ps, nil))
	}
	md := m.media[0]
	ps.AddNonEmpty("caption", m.text)
	method := "sendPhoto"
	if md.doc {
		method = "sendDocument"
	}
	return sent(c.call(ctx, p.chat, method, ps, []tgbotapi.RequestFile{md.file(md.kind())}))
}

// editMessage replaces message m.edit's text, caption or media (a text
// message becomes a media message, Bot API 7.11+), and its keyboard.
func (c *client) editMessage(ctx context.Context, m outgoing) error {
	ps := tgbotapi.Params{"chat_id": strconv.FormatInt(m.at.chat.id, 10), "message_id": strconv.Itoa(m.edit)}
	ps.AddNonEmpty("reply_markup", m.kb.markup())
	method := "editMessageText"
	switch {
	case len(m.media) > 0:
		b, _ := json.Marshal(struct {
			Type      string `json:"type"`
			Media     string `json:"media"`
			Caption   string `json:"caption,omitempty"`
			ParseMode string `json:"parse_mode"`
		}{m.media[0].kind(), "attach://file-0", m.text, "HTML"})
		ps["media"] = string(b)
		_, err := c.call(ctx, m.at.chat, "editMessageMedia", ps, []tgbotapi.RequestFile{m.media[0].file("file-0")})
		return err
	case m.captionOnly:
		ps["caption"], method = m.text, "editMessageCaption"
	default:
		ps["text"] = m.text
	}
	ps["parse_mode"] = "HTML"
	_, err := c.call(ctx, m.at.chat, method, ps, nil)
	return err
}

// deleteMessage deletes one of the bot's messages. Deleting is not flood
// limited like sending.
func (c *client) deleteMessage(ctx context.Context, ch chatRef, id int) error {
	ps := tgbotapi.Params{"chat_id": strconv.FormatInt(ch.id, 10), "message_id": strconv.Itoa(id)}
	_, err := c.call(ctx, ch, "deleteMessage", ps, nil)
	return err
}

// sent decodes a sent message's id.
func sent(raw json.RawMessage, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	var m struct {
		MessageID int `json:"message_id"`
	}
	if err := json.Unmarshal(raw, &m); err != nil || m.MessageID == 0 {
		return 0, fmt.Errorf("telegram: unexpected answer to a send: %.100s", raw)
	}
	return m.MessageID, nil
}
