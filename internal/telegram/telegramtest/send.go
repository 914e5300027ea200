package telegramtest

import (
	"encoding/json"
	"strconv"
)

// placementLocked resolves where a new message goes: the message it replies
// to (reply_to_message_id or reply_parameters) and its forum topic. A reply
// inherits the thread of the message it replies to, as on Telegram.
func (s *Server) placementLocked(cs *chatState, req *request) (replyTo, thread int, err *apiError) {
	replyID := req.intParam("reply_to_message_id")
	allow := req.boolParam("allow_sending_without_reply")
	if req.has("reply_parameters") {
		var rp struct {
			MessageID int             `json:"message_id"`
			ChatID    json.RawMessage `json:"chat_id"`
			Allow     bool            `json:"allow_sending_without_reply"`
		}
		if err := decodeJSON(req.str("reply_parameters"), &rp); err != nil {
			return 0, 0, badRequest("can't parse reply parameters JSON object")
		}
		if len(rp.ChatID) > 0 && string(rp.ChatID) != strconv.FormatInt(cs.chat.ID, 10) {
			return 0, 0, badRequest("telegramtest does not support replies to other chats")
		}
		replyID, allow = rp.MessageID, rp.Allow
	}
	thread = req.intParam("message_thread_id")
	if thread != 0 && (!cs.chat.IsForum || !cs.threads[thread]) {
		return 0, 0, badRequest("message thread not found")
	}
	if replyID != 0 {
		if m := cs.live(replyID); m != nil {
			return replyID, m.ThreadID, nil
		}
		if !allow {
			return 0, 0, errReplyNotFound
		}
	}
	return 0, thread, nil
}

// postLocked stores a new bot message and renders the answer.
func (s *Server) postLocked(cs *chatState, req *request, c Content) (*Message, *apiError) {
	replyTo, thread, err := s.placementLocked(cs, req)
	if err != nil {
		return nil, err
	}
	m := cs.addMessage(s.Bot(), req.now, c)
	m.ReplyTo, m.ThreadID = replyTo, thread
	return m, nil
}

func (s *Server) sendMessageLocked(req *request) (any, *apiError) {
	f, err := parseFormatted(req.str("text"), req.str("parse_mode"), req.str("entities"), false)
	if err != nil {
		return nil, err
	}
	kb, err := parseReplyMarkup(req.str("reply_markup"))
	if err != nil {
		return nil, err
	}
	cs, err := s.targetChatLocked(req)
	if err != nil {
		return nil, err
	}
	m, err := s.postLocked(cs, req, Content{
		Text: f.text, Entities: f.entities, Source: req.str("text"), ParseMode: req.str("parse_mode"), Keyboard: kb,
	})
	if err != nil {
		return nil, err
	}
	return s.wireMessageLocked(cs, m, true), nil
}

// captioned parses the caption and keyboard shared by media sends.
func captioned(req *request) (Content, *apiError) {
	f, err := parseFormatted(req.str("caption"), req.str("parse_mode"), req.str("caption_entities"), true)
	if err != nil {
		return Content{}, err
	}
	kb, err := parseReplyMarkup(req.str("reply_markup"))
	if err != nil {
		return Content{}, err
	}
	return Content{Caption: f.text, Entities: f.entities, Source: req.str("caption"), ParseMode: req.str("parse_mode"), Keyboard: kb}, nil
}

func (s *Server) sendPhotoLocked(req *request) (any, *apiError) {
	c, err := captioned(req)
	if err != nil {
		return nil, err
	}
	cs, err := s.targetChatLocked(req)
	if err != nil {
		return nil, err
	}
	in, err := s.resolveFileLocked(req, "photo", req.str("photo"))
	if err != nil {
		return nil, err
	}
	if c.Photo, err = s.photoLocked(in); err != nil {
		return nil, err
	}
	m, err := s.postLocked(cs, req, c)
	if err != nil {
		return nil, err
	}
	return s.wireMessageLocked(cs, m, true), nil
}

func (s *Server) sendDocumentLocked(req *request) (any, *apiError) {
	c, err := captioned(req)
	if err != nil {
		return nil, err
	}
	cs, err := s.targetChatLocked(req)
	if err != nil {
		return nil, err
	}
	in, err := s.resolveFileLocked(req, "document", req.str("document"))
	if err != nil {
		return nil, err
	}
	if c.Document, err = s.documentLocked(in); err != nil {
		return nil, err
	}
	m, err := s.postLocked(cs, req, c)
	if err != nil {
		return nil, err
	}
	return s.wireMessageLocked(cs, m, true), nil
}

// inputMedia is an InputMedia object of sendMediaGroup or editMessageMedia.
type inputMedia struct {
	Type            string          `json:"type"`
	Media           string          `json:"media"`
	Caption         string          `json:"caption"`
	ParseMode       string          `json:"parse_mode"`
	CaptionEntities json.RawMessage `json:"caption_entities"`
}

// mediaContentLocked turns an InputMedia into message content (photo or
// document with its caption).
func (s *Server) mediaContentLocked(req *request, im inputMedia) (Content, *apiError) {
	entities := string(im.CaptionEntities)
	if entities == "null" {
		entities = ""
	}
	f, err := parseFormatted(im.Caption, im.ParseMode, entities, true)
	if err != nil {
		return Content{}, err
	}
	c := Content{Caption: f.text, Entities: f.entities, Source: im.Caption, ParseMode: im.ParseMode}
	in, err := s.resolveFileLocked(req, "", im.Media)
	if err != nil {
		return Content{}, err
	}
	switch im.Type {
	case "photo":
		c.Photo, err = s.photoLocked(in)
	case "document":
		c.Document, err = s.documentLocked(in)
	default:
		err = badRequest("telegramtest supports only photo and document media, not %q", im.Type)
	}
	return c, err
}

func (s *Server) sendMediaGroupLocked(req *request) (any, *apiError) {
	var items []inputMedia
	if err := decodeJSON(req.str("media"), &items); err != nil {
		return nil, badRequest("can't parse media JSON object")
	}
	switch {
	case len(items) > 10:
		return nil, badRequest("too much messages to send as an album")
	case len(items) < 2:
		return nil, badRequest("media must include 2-10 items")
	}
	docs := 0
	for _, it := range items {
		if it.Type == "document" {
			docs++
		}
	}
	if docs != 0 && docs != len(items) {
		return nil, badRequest("can't use the media of the specified type in the album")
	}
	cs, err := s.targetChatLocked(req)
	if err != nil {
		return nil, err
	}
	contents := make([]Content, len(items))
	for i, it := range items {
		if contents[i], err = s.mediaContentLocked(req, it); err != nil {
			return nil, err
		}
	}
	replyTo, thread, err := s.placementLocked(cs, req)
	if err != nil {
		return nil, err
	}
	s.nextGroup++
	group := strconv.FormatInt(s.nextGroup, 10)
	out := make([]*wireMessage, len(contents))
	for i, c := range contents {
		m := cs.addMessage(s.Bot(), req.now, c)
		m.ReplyTo, m.ThreadID, m.MediaGroupID = replyTo, thread, group
		out[i] = s.wireMessageLocked(cs, m, true)
	}
	return out, nil
}
