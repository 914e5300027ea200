package telegramtest

import (
	"slices"
	"unicode/utf8"
)

// commandKey identifies one command list: a scope and a language.
type commandKey struct {
	scope CommandScope
	lang  string
}

var commandScopeTypes = []string{
	"default", "all_private_chats", "all_group_chats", "all_chat_administrators",
	"chat", "chat_administrators", "chat_member",
}

// commandKeyLocked reads and validates the scope and language_code parameters.
func (s *Server) commandKeyLocked(req *request) (commandKey, *apiError) {
	var scope CommandScope
	if req.has("scope") {
		if err := decodeJSON(req.str("scope"), &scope); err != nil {
			return commandKey{}, badRequest("can't parse BotCommandScope JSON object")
		}
	}
	scope = scope.normalized()
	if !slices.Contains(commandScopeTypes, scope.Type) {
		return commandKey{}, badRequest("unsupported BotCommandScope type %q", scope.Type)
	}
	switch scope.Type {
	case "chat", "chat_administrators", "chat_member":
		if s.chats[scope.ChatID] == nil {
			return commandKey{}, errChatNotFound
		}
	}
	if scope.Type == "chat_member" && scope.UserID == 0 {
		return commandKey{}, badRequest("user not found")
	}
	lang := req.str("language_code")
	if lang != "" && !isLanguageCode(lang) {
		return commandKey{}, badRequest("invalid language code specified")
	}
	return commandKey{scope: scope, lang: lang}, nil
}

func isLanguageCode(s string) bool {
	if len(s) != 2 {
		return false
	}
	return s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' && s[1] <= 'z'
}

// setMyCommandsLocked stores a command list after Telegram's BotCommand
// rules: up to 100 commands, each 1-32 characters of [a-z0-9_] with a
// description of 1-256 characters.
func (s *Server) setMyCommandsLocked(req *request) (any, *apiError) {
	var cmds []BotCommand
	if err := decodeJSON(req.str("commands"), &cmds); err != nil {
		return nil, badRequest("can't parse commands JSON object")
	}
	if len(cmds) > 100 {
		return nil, badRequest("BOT_COMMANDS_TOO_MUCH")
	}
	for _, c := range cmds {
		if !isCommandName(c.Command) {
			return nil, badRequest("BOT_COMMAND_INVALID")
		}
		if n := utf8.RuneCountInString(c.Description); n < 1 || n > 256 {
			return nil, badRequest("BOT_COMMAND_DESCRIPTION_INVALID")
		}
	}
	key, err := s.commandKeyLocked(req)
	if err != nil {
		return nil, err
	}
	if len(cmds) == 0 {
		delete(s.commands, key)
	} else {
		s.commands[key] = cmds
	}
	return true, nil
}

func isCommandName(c string) bool {
	if len(c) < 1 || len(c) > 32 {
		return false
	}
	for _, r := range c {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' {
			return false
		}
	}
	return true
}
