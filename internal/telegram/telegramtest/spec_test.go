package telegramtest

import (
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

func TestEmbeddedSpec(t *testing.T) {
	sp := loadSpec()
	if len(sp.Sources) != 2 || len(sp.Methods) < 150 {
		t.Fatalf("sources %v, %d methods: want two sources and the full method list", sp.Sources, len(sp.Methods))
	}
	tests := []struct {
		method, field    string
		wantRequired     bool
		wantLegacy       bool
		wantMissingField bool
	}{
		{method: "sendMessage", field: "chat_id", wantRequired: true},
		{method: "sendMessage", field: "reply_to_message_id", wantLegacy: true},
		{method: "sendMessage", field: "allow_sending_without_reply", wantLegacy: true},
		{method: "editMessageText", field: "disable_web_page_preview", wantLegacy: true},
		{method: "sendMessage", field: "reply_parameters"},
		{method: "sendMediaGroup", field: "reply_markup", wantMissingField: true},
	}
	for _, tt := range tests {
		t.Run(tt.method+"."+tt.field, func(t *testing.T) {
			f := sp.Methods[tt.method].field(tt.field)
			if tt.wantMissingField {
				if f != nil {
					t.Errorf("field %+v exists, want none", f)
				}
				return
			}
			if f == nil || f.Required != tt.wantRequired || f.Legacy != tt.wantLegacy {
				t.Errorf("field %+v, want required=%v legacy=%v", f, tt.wantRequired, tt.wantLegacy)
			}
		})
	}
	for _, name := range []string{"sendmessage", "EDITMESSAGEMEDIA", "setStickerSetThumb"} {
		if _, ok := sp.method(name); !ok {
			t.Errorf("method %q not found", name)
		}
	}
}

// TestEveryHandlerIsInTheSpec guards against a handler registered under a
// name the router can never match.
func TestEveryHandlerIsInTheSpec(t *testing.T) {
	sp := loadSpec()
	for name := range handlers {
		if c, ok := sp.method(name); !ok || c != name {
			t.Errorf("handler %q: spec name %q (found %v)", name, c, ok)
		}
	}
}

func TestDeleteRulesInGroups(t *testing.T) {
	s := newTestServer(t, Options{Limits: Limits{Disabled: true}})
	bot := newBot(t, s)
	user := s.SendMessage(group, alice, "/imagine")
	_, err := bot.Request(tgbotapi.NewDeleteMessage(group.ID, user.ID))
	if e := apiErr(t, err); e.Message != "Bad Request: message can't be deleted" {
		t.Errorf("deleting a user's group message: %q, want message can't be deleted", e.Message)
	}
	s.SetAdmins(group.ID, alice, s.Bot())
	if _, err := bot.Request(tgbotapi.NewDeleteMessage(group.ID, user.ID)); err != nil {
		t.Errorf("deleting as an admin: %v", err)
	}
}
