package telegramtest

import (
	"bytes"
	"image/color"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

func keyboard(data ...string) tgbotapi.InlineKeyboardMarkup {
	var row []tgbotapi.InlineKeyboardButton
	for _, d := range data {
		row = append(row, tgbotapi.NewInlineKeyboardButtonData(d, d))
	}
	return tgbotapi.NewInlineKeyboardMarkup(row)
}

func TestEditTextIntoPhoto(t *testing.T) {
	s := newTestServer(t, Options{Limits: Limits{Disabled: true}})
	bot := newBot(t, s)
	cmd := s.SendMessage(private, alice, "/imagine fox")
	status := tgbotapi.NewMessage(private.ID, "Queued (#1)")
	status.ReplyToMessageID = cmd.ID
	status.ReplyMarkup = keyboard("cancel")
	sent, err := bot.Send(status)
	if err != nil {
		t.Fatal(err)
	}

	preview := pngImage(t, 64, 64, color.Gray{Y: 128})
	media := tgbotapi.NewInputMediaPhoto(tgbotapi.FileBytes{Name: "preview.png", Bytes: preview})
	media.Caption = "<b>50%</b> step 10/20"
	media.ParseMode = "HTML"
	kb := keyboard("cancel")
	edited, err := bot.Send(tgbotapi.EditMessageMediaConfig{
		BaseEdit: tgbotapi.BaseEdit{ChatID: private.ID, MessageID: sent.MessageID, ReplyMarkup: &kb},
		Media:    media, // a value: the library drops a pointer's file
	})
	if err != nil {
		t.Fatalf("editMessageMedia: %v", err)
	}
	if len(edited.Photo) == 0 || edited.Caption != "50% step 10/20" || edited.Text != "" || edited.EditDate == 0 {
		t.Errorf("edited message photo=%d caption %q text %q edit_date %d, want a photo captioned \"50%% step 10/20\"", len(edited.Photo), edited.Caption, edited.Text, edited.EditDate)
	}
	m, _ := s.Message(private.ID, sent.MessageID)
	if m.Photo == nil || !bytes.Equal(m.Photo.Bytes, preview) || m.Text != "" || len(m.Keyboard) != 1 {
		t.Errorf("stored %+v, want the preview photo with its keyboard and no text", m.Content)
	}
	if m.Original.Text != "Queued (#1)" || len(m.History) != 1 || m.History[0].Kind != EditMedia || m.History[0].Content.Photo == nil {
		t.Errorf("original %q history %+v, want the queued text then one media edit", m.Original.Text, m.History)
	}

	_, err = bot.Send(tgbotapi.NewEditMessageText(private.ID, sent.MessageID, "Done"))
	if e := apiErr(t, err); e.Message != "Bad Request: there is no text in the message to edit" {
		t.Errorf("editMessageText on a photo: %q, want no text to edit", e.Message)
	}
	if _, err := bot.Send(tgbotapi.NewEditMessageCaption(private.ID, sent.MessageID, "Done")); err != nil {
		t.Errorf("editMessageCaption on a photo: %v", err)
	}
	m, _ = s.Message(private.ID, sent.MessageID)
	if m.Caption != "Done" || m.Keyboard != nil || len(m.History) != 2 || m.History[1].Kind != EditCaption {
		t.Errorf("after caption edit: caption %q keyboard %v history %d, want \"Done\", keyboard removed, 2 edits", m.Caption, m.Keyboard, len(m.History))
	}
}

func TestEditMediaPre711(t *testing.T) {
	s := newTestServer(t, Options{NoTextToMedia: true, Limits: Limits{Disabled: true}})
	bot := newBot(t, s)
	s.AddChat(private)
	sent, err := bot.Send(tgbotapi.NewMessage(private.ID, "Queued"))
	if err != nil {
		t.Fatal(err)
	}
	media := tgbotapi.NewInputMediaPhoto(tgbotapi.FileBytes{Name: "p.png", Bytes: pngImage(t, 8, 8, color.White)})
	_, err = bot.Send(tgbotapi.EditMessageMediaConfig{BaseEdit: tgbotapi.BaseEdit{ChatID: private.ID, MessageID: sent.MessageID}, Media: media})
	if e := apiErr(t, err); e.Message != "Bad Request: there is no media in the message to edit" {
		t.Errorf("text to media with NoTextToMedia: %q, want there is no media in the message to edit", e.Message)
	}
}

func TestEditNotModified(t *testing.T) {
	const notModified = "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"
	s := newTestServer(t, Options{Limits: Limits{Disabled: true}})
	bot := newBot(t, s)
	s.AddChat(private)
	img := pngImage(t, 8, 8, color.White)
	other := pngImage(t, 8, 8, color.Black)

	newText := func(t *testing.T) int {
		m := tgbotapi.NewMessage(private.ID, "<b>50%</b>")
		m.ParseMode = "HTML"
		m.ReplyMarkup = keyboard("cancel")
		sent, err := bot.Send(m)
		if err != nil {
			t.Fatal(err)
		}
		return sent.MessageID
	}
	newPhoto := func(t *testing.T) int {
		p := tgbotapi.NewPhoto(private.ID, tgbotapi.FileBytes{Name: "a.png", Bytes: img})
		p.Caption = "50%"
		sent, err := bot.Send(p)
		if err != nil {
			t.Fatal(err)
		}
		return sent.MessageID
	}
	editText := func(text, mode string, kb *tgbotapi.InlineKeyboardMarkup) func(int) tgbotapi.Chattable {
		return func(id int) tgbotapi.Chattable {
			c := tgbotapi.NewEditMessageText(private.ID, id, text)
			c.ParseMode, c.ReplyMarkup = mode, kb
			return c
		}
	}
	editMedia := func(data []byte, caption string) func(int) tgbotapi.Chattable {
		return func(id int) tgbotapi.Chattable {
			p := tgbotapi.NewInputMediaPhoto(tgbotapi.FileBytes{Name: "b.png", Bytes: data})
			p.Caption = caption
			return tgbotapi.EditMessageMediaConfig{BaseEdit: tgbotapi.BaseEdit{ChatID: private.ID, MessageID: id}, Media: p}
		}
	}
	kb := keyboard("cancel")
	otherKB := keyboard("reroll")
	tests := []struct {
		name    string
		target  func(*testing.T) int
		edit    func(int) tgbotapi.Chattable
		wantErr string
	}{
		{"same text and keyboard", newText, editText("<b>50%</b>", "HTML", &kb), notModified},
		{"same text other markup source", newText, editText("<strong>50%</strong>", "HTML", &kb), notModified},
		{"same text, keyboard dropped", newText, editText("<b>50%</b>", "HTML", nil), ""},
		{"same text, other keyboard", newText, editText("<b>50%</b>", "HTML", &otherKB), ""},
		{"bold dropped", newText, editText("50%", "", &kb), ""},
		{"same media bytes", newPhoto, editMedia(img, "50%"), notModified},
		{"other media bytes", newPhoto, editMedia(other, "50%"), ""},
		{"same bytes, new caption", newPhoto, editMedia(img, "60%"), ""},
		{"same caption", newPhoto, func(id int) tgbotapi.Chattable { return tgbotapi.NewEditMessageCaption(private.ID, id, "50%") }, notModified},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := tt.target(t)
			_, err := bot.Request(tt.edit(id))
			m, _ := s.Message(private.ID, id)
			if tt.wantErr == "" {
				if err != nil || len(m.History) != 1 {
					t.Errorf("edit: %v, %d history entries; want success and one entry", err, len(m.History))
				}
				return
			}
			// Error.Code is 0 on the library's multipart path; check the status served.
			calls := s.Calls()
			if e := apiErr(t, err); e.Message != tt.wantErr || calls[len(calls)-1].Status != 400 {
				t.Errorf("error %q (status %d), want 400 %q", e.Message, calls[len(calls)-1].Status, tt.wantErr)
			}
			if len(m.History) != 0 {
				t.Errorf("history %+v after a refused edit, want none", m.History)
			}
		})
	}
}

func TestEditMissingMessages(t *testing.T) {
	const notFound = "Bad Request: message to edit not found"
	s := newTestServer(t, Options{Limits: Limits{Disabled: true}})
	bot := newBot(t, s)
	user := s.SendMessage(private, alice, "/imagine")
	send := func() int {
		sent, err := bot.Send(tgbotapi.NewMessage(private.ID, "status"))
		if err != nil {
			t.Fatal(err)
		}
		return sent.MessageID
	}
	deletedByUser := send()
	if !s.DeleteMessage(private.ID, deletedByUser) {
		t.Fatal("DeleteMessage reported a missing message")
	}
	deletedByBot := send()
	if _, err := bot.Request(tgbotapi.NewDeleteMessage(private.ID, deletedByBot)); err != nil {
		t.Fatalf("deleteMessage: %v", err)
	}
	tests := []struct {
		name    string
		id      int
		wantErr string
	}{
		{"deleted by the user", deletedByUser, notFound},
		{"deleted by the bot", deletedByBot, notFound},
		{"never existed", 999, notFound},
		{"the user's message", user.ID, "Bad Request: message can't be edited"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := bot.Send(tgbotapi.NewEditMessageText(private.ID, tt.id, "progress"))
			if e := apiErr(t, err); e.Message != tt.wantErr {
				t.Errorf("error %q, want %q", e.Message, tt.wantErr)
			}
		})
	}
	_, err := bot.Request(tgbotapi.NewDeleteMessage(private.ID, deletedByBot))
	if e := apiErr(t, err); e.Message != "Bad Request: message to delete not found" {
		t.Errorf("second deleteMessage: %q, want message to delete not found", e.Message)
	}
	if m, ok := s.Message(private.ID, deletedByUser); !ok || !m.Deleted {
		t.Errorf("Message(%d) = %+v %v, want it kept and marked deleted", deletedByUser, m, ok)
	}
	for _, m := range s.Messages(private.ID) {
		if m.ID == deletedByUser || m.ID == deletedByBot {
			t.Errorf("Messages lists deleted message %d", m.ID)
		}
	}
}

func TestEditAlbumKeepsItsKind(t *testing.T) {
	s := newTestServer(t, Options{Limits: Limits{Disabled: true}})
	bot := newBot(t, s)
	s.AddChat(private)
	p := func() tgbotapi.InputMediaPhoto {
		return tgbotapi.NewInputMediaPhoto(tgbotapi.FileBytes{Name: "p.png", Bytes: pngImage(t, 8, 8, color.White)})
	}
	msgs, err := bot.SendMediaGroup(tgbotapi.NewMediaGroup(private.ID, []any{p(), p()}))
	if err != nil {
		t.Fatal(err)
	}
	doc := tgbotapi.NewInputMediaDocument(tgbotapi.FileBytes{Name: "d.png", Bytes: pngImage(t, 8, 8, color.Black)})
	_, err = bot.Send(tgbotapi.EditMessageMediaConfig{BaseEdit: tgbotapi.BaseEdit{ChatID: private.ID, MessageID: msgs[0].MessageID}, Media: doc})
	if e := apiErr(t, err); e.Message != "Bad Request: can't use the media of the specified type in the album" {
		t.Errorf("document into a photo album: %q", e.Message)
	}
	newPhoto := tgbotapi.NewInputMediaPhoto(tgbotapi.FileBytes{Name: "n.png", Bytes: pngImage(t, 9, 9, color.Black)})
	if _, err := bot.Send(tgbotapi.EditMessageMediaConfig{BaseEdit: tgbotapi.BaseEdit{ChatID: private.ID, MessageID: msgs[1].MessageID}, Media: newPhoto}); err != nil {
		t.Errorf("photo into a photo album: %v", err)
	}
	m, _ := s.Message(private.ID, msgs[1].MessageID)
	if m.MediaGroupID != msgs[1].MediaGroupID || m.Photo.Width != 9 {
		t.Errorf("album item after edit: group %q width %d, want group %q width 9", m.MediaGroupID, m.Photo.Width, msgs[1].MediaGroupID)
	}
}
