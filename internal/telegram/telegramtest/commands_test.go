package telegramtest

import (
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

func TestSetMyCommandsPerScopeAndLanguage(t *testing.T) {
	s := newTestServer(t, Options{})
	bot := newBot(t, s)
	s.AddChat(group)
	en := []tgbotapi.BotCommand{{Command: "imagine", Description: "Generate an image"}, {Command: "help", Description: "Help"}}
	de := []tgbotapi.BotCommand{{Command: "imagine", Description: "Ein Bild erzeugen"}}
	admins := append(en, tgbotapi.BotCommand{Command: "model", Description: "Switch the model"})
	adminScope := tgbotapi.NewBotCommandScopeAllChatAdministrators()
	chatScope := tgbotapi.NewBotCommandScopeChat(group.ID)
	for _, cfg := range []tgbotapi.SetMyCommandsConfig{
		tgbotapi.NewSetMyCommands(en...),
		tgbotapi.NewSetMyCommandsWithScopeAndLanguage(tgbotapi.NewBotCommandScopeDefault(), "de", de...),
		tgbotapi.NewSetMyCommandsWithScope(adminScope, admins...),
		tgbotapi.NewSetMyCommandsWithScope(chatScope, en[:1]...),
	} {
		if _, err := bot.Request(cfg); err != nil {
			t.Fatalf("setMyCommands %+v: %v", cfg, err)
		}
	}
	tests := []struct {
		name  string
		scope CommandScope
		lang  string
		want  int
	}{
		{"default", CommandScope{}, "", 2},
		{"explicit default", CommandScope{Type: "default"}, "", 2},
		{"german", CommandScope{}, "de", 1},
		{"french: no fallback", CommandScope{}, "fr", 0},
		{"admins", CommandScope{Type: "all_chat_administrators"}, "", 3},
		{"one chat", CommandScope{Type: "chat", ChatID: group.ID}, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.Commands(tt.scope, tt.lang); len(got) != tt.want {
				t.Errorf("Commands(%+v, %q) = %v, want %d commands", tt.scope, tt.lang, got, tt.want)
			}
		})
	}
	if got := s.Commands(CommandScope{}, "de"); len(got) != 1 || got[0].Description != "Ein Bild erzeugen" {
		t.Errorf("German commands %v, want the German list", got)
	}
}

func TestSetMyCommandsValidation(t *testing.T) {
	s := newTestServer(t, Options{})
	bot := newBot(t, s)
	tests := []struct {
		name    string
		cfg     tgbotapi.SetMyCommandsConfig
		wantErr string
	}{
		{"upper case", tgbotapi.NewSetMyCommands(tgbotapi.BotCommand{Command: "Imagine", Description: "x"}), "Bad Request: BOT_COMMAND_INVALID"},
		{"leading slash", tgbotapi.NewSetMyCommands(tgbotapi.BotCommand{Command: "/imagine", Description: "x"}), "Bad Request: BOT_COMMAND_INVALID"},
		{"33 chars", tgbotapi.NewSetMyCommands(tgbotapi.BotCommand{Command: strings.Repeat("a", 33), Description: "x"}), "Bad Request: BOT_COMMAND_INVALID"},
		{"32 chars", tgbotapi.NewSetMyCommands(tgbotapi.BotCommand{Command: strings.Repeat("a", 32), Description: "x"}), ""},
		{"empty description", tgbotapi.NewSetMyCommands(tgbotapi.BotCommand{Command: "help", Description: ""}), "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID"},
		{"257 char description", tgbotapi.NewSetMyCommands(tgbotapi.BotCommand{Command: "help", Description: strings.Repeat("ü", 257)}), "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID"},
		{"256 char description", tgbotapi.NewSetMyCommands(tgbotapi.BotCommand{Command: "help", Description: strings.Repeat("ü", 256)}), ""},
		{"bad language", tgbotapi.NewSetMyCommandsWithScopeAndLanguage(tgbotapi.NewBotCommandScopeDefault(), "deu", tgbotapi.BotCommand{Command: "a", Description: "b"}), "Bad Request: invalid language code specified"},
		{"unknown chat", tgbotapi.NewSetMyCommandsWithScope(tgbotapi.NewBotCommandScopeChat(42), tgbotapi.BotCommand{Command: "a", Description: "b"}), "Bad Request: chat not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := bot.Request(tt.cfg)
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("setMyCommands: %v, want success", err)
				}
				return
			}
			if e := apiErr(t, err); e.Message != tt.wantErr {
				t.Errorf("error %q, want %q", e.Message, tt.wantErr)
			}
		})
	}
}
