package telegramtest

import (
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

func TestInlineKeyboardRules(t *testing.T) {
	s := newTestServer(t, Options{Limits: Limits{Disabled: true}})
	bot := newBot(t, s)
	s.AddChat(private)
	tests := []struct {
		name    string
		button  tgbotapi.InlineKeyboardButton
		wantErr string
	}{
		{"64 bytes", tgbotapi.NewInlineKeyboardButtonData("ok", strings.Repeat("é", 32)), ""},
		{"65 bytes", tgbotapi.NewInlineKeyboardButtonData("long", strings.Repeat("a", 65)), "Bad Request: BUTTON_DATA_INVALID"},
		{"empty data", tgbotapi.NewInlineKeyboardButtonData("empty", ""), "Bad Request: BUTTON_DATA_INVALID"},
		{"url", tgbotapi.NewInlineKeyboardButtonURL("site", "https://example.com"), ""},
		{"bad url", tgbotapi.NewInlineKeyboardButtonURL("site", "example"), "Bad Request: BUTTON_URL_INVALID"},
		{"no action", tgbotapi.InlineKeyboardButton{Text: "plain"}, "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tgbotapi.NewMessage(private.ID, "pick")
			m.ReplyMarkup = tgbotapi.NewInlineKeyboardMarkup([]tgbotapi.InlineKeyboardButton{tt.button})
			sent, err := bot.Send(m)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Send: %v", err)
				}
				got, _ := s.Message(private.ID, sent.MessageID)
				if len(got.Keyboard) != 1 || got.Keyboard[0][0].Text != tt.button.Text {
					t.Errorf("keyboard %+v, want the button %q", got.Keyboard, tt.button.Text)
				}
				return
			}
			if e := apiErr(t, err); e.Message != tt.wantErr {
				t.Errorf("error %q, want %q", e.Message, tt.wantErr)
			}
		})
	}
}
