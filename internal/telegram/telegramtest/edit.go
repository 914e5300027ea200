package telegramtest

// editTargetLocked finds the bot message an edit method refers to.
func (s *Server) editTargetLocked(req *request) (*chatState, *Message, *apiError) {
	if req.has("inline_message_id") {
		return nil, nil, badRequest("telegramtest does not support inline messages")
	}
	if !req.has("chat_id") {
		return nil, nil, badRequest("chat_id is empty")
	}
	if !req.has("message_id") {
		return nil, nil, badRequest("message identifier is not specified")
	}
	cs, err := s.targetChatLocked(req)
	if err != nil {
		return nil, nil, err
	}
	m := cs.live(req.intParam("message_id"))
	if m == nil {
		return nil, nil, errEditNotFound
	}
	if m.From.ID != s.opts.BotID {
		return nil, nil, errCantEdit
	}
	return cs, m, nil
}

// commitEditLocked applies new content unless it equals the current one.
func (s *Server) commitEditLocked(req *request, cs *chatState, m *Message, kind EditKind, c Content) (any, *apiError) {
	if c.sameAs(m.Content) {
		return nil, errNotModified
	}
	m.applyEdit(kind, req.now, c)
	return s.wireMessageLocked(cs, m, true), nil
}

func (s *Server) editMessageTextLocked(req *request) (any, *apiError) {
	f, err := parseFormatted(req.str("text"), req.str("parse_mode"), req.str("entities"), false)
	if err != nil {
		return nil, err
	}
	kb, err := parseReplyMarkup(req.str("reply_markup"))
	if err != nil {
		return nil, err
	}
	cs, m, err := s.editTargetLocked(req)
	if err != nil {
		return nil, err
	}
	if m.Photo != nil || m.Document != nil {
		return nil, errNoTextToEdit
	}
	c := m.Content.clone()
	c.Text, c.Entities, c.Source, c.ParseMode, c.Keyboard = f.text, f.entities, req.str("text"), req.str("parse_mode"), kb
	return s.commitEditLocked(req, cs, m, EditText, c)
}

func (s *Server) editMessageCaptionLocked(req *request) (any, *apiError) {
	f, err := parseFormatted(req.str("caption"), req.str("parse_mode"), req.str("caption_entities"), true)
	if err != nil {
		return nil, err
	}
	kb, err := parseReplyMarkup(req.str("reply_markup"))
	if err != nil {
		return nil, err
	}
	cs, m, err := s.editTargetLocked(req)
	if err != nil {
		return nil, err
	}
	if m.Photo == nil && m.Document == nil {
		return nil, errNoCaptionToEdit
	}
	c := m.Content.clone()
	c.Caption, c.Entities, c.Source, c.ParseMode, c.Keyboard = f.text, f.entities, req.str("caption"), req.str("parse_mode"), kb
	return s.commitEditLocked(req, cs, m, EditCaption, c)
}

// editMessageMediaLocked replaces a message's media. Like current Telegram
// (Bot API 7.11+) it can turn a text message into a media message, unless
// Options.NoTextToMedia is set; album members keep their album's kind.
func (s *Server) editMessageMediaLocked(req *request) (any, *apiError) {
	var im inputMedia
	if err := decodeJSON(req.str("media"), &im); err != nil {
		return nil, badRequest("can't parse media JSON object")
	}
	kb, err := parseReplyMarkup(req.str("reply_markup"))
	if err != nil {
		return nil, err
	}
	cs, m, err := s.editTargetLocked(req)
	if err != nil {
		return nil, err
	}
	if m.Photo == nil && m.Document == nil && s.opts.NoTextToMedia {
		return nil, errNoMediaToEdit
	}
	if m.MediaGroupID != "" && (m.Document != nil) != (im.Type == "document") {
		return nil, badRequest("can't use the media of the specified type in the album")
	}
	c, err := s.mediaContentLocked(req, im)
	if err != nil {
		return nil, err
	}
	c.Keyboard = kb
	return s.commitEditLocked(req, cs, m, EditMedia, c)
}

// deleteMessageLocked deletes a message: the bot's own anywhere, other
// users' in private chats, and in groups only if the bot is an admin there
// (see SetAdmins).
func (s *Server) deleteMessageLocked(req *request) (any, *apiError) {
	cs, err := s.targetChatLocked(req)
	if err != nil {
		return nil, err
	}
	m := cs.live(req.intParam("message_id"))
	if m == nil {
		return nil, badRequest("message to delete not found")
	}
	if cs.chat.isGroup() && m.From.ID != s.opts.BotID && !s.isAdminLocked(cs.chat.ID, s.opts.BotID) {
		return nil, badRequest("message can't be deleted")
	}
	m.Deleted = true
	return true, nil
}
