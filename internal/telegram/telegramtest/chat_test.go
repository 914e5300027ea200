package telegramtest

import (
	"slices"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

func TestChatActionAndGetChat(t *testing.T) {
	s := newTestServer(t, Options{})
	bot := newBot(t, s)
	s.SendMessage(private, alice, "hi")
	if _, err := bot.Request(tgbotapi.NewChatAction(private.ID, tgbotapi.ChatUploadPhoto)); err != nil {
		t.Errorf("sendChatAction upload_photo: %v", err)
	}
	if _, err := bot.Request(tgbotapi.NewChatAction(private.ID, "dancing")); err == nil {
		t.Error("sendChatAction dancing succeeded, want an error")
	}
	c, err := bot.GetChat(tgbotapi.ChatInfoConfig{ChatConfig: tgbotapi.ChatConfig{ChatID: private.ID}})
	if err != nil || c.Type != "private" || c.FirstName != "Alice" || c.UserName != "alice" {
		t.Errorf("getChat: %v %+v, want private chat of Alice", err, c)
	}
	s.SetAdmins(group.ID, alice)
	s.AddChat(group)
	admins, err := bot.GetChatAdministrators(tgbotapi.ChatAdministratorsConfig{ChatConfig: tgbotapi.ChatConfig{ChatID: group.ID}})
	if err != nil || len(admins) != 1 || admins[0].User.ID != alice.ID || !admins[0].IsAdministrator() {
		t.Errorf("getChatAdministrators: %v %+v, want Alice", err, admins)
	}
	if !slices.ContainsFunc(s.Calls(), func(c Call) bool { return c.Method == "sendChatAction" && c.Params["action"] == "upload_photo" }) {
		t.Error("sendChatAction upload_photo not recorded")
	}
}
