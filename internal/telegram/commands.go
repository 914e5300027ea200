package telegram

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// botCommands are the commands in Telegram's menu, with their descriptions
// in the catalogue. /start works too but Telegram shows it by itself.
var botCommands = []struct {
	name string
	desc catalog.MsgID
}{
	{"imagine", catalog.MsgCmdImagine},
	{"queue", catalog.MsgCmdQueue},
	{"help", catalog.MsgCmdHelp},
	{"model", catalog.MsgCmdModel},
}

// commandLanguages are the language codes with their own command list; ""
// is the default list, in English.
var commandLanguages = []string{"", "zh"}

// registerCommands sets the command menu for every language of the
// catalogue. A failure is logged: the bot works without a menu.
func (a *Adapter) registerCommands(ctx context.Context) {
	type botCommand struct {
		Command     string `json:"command"`
		Description string `json:"description"`
	}
	for _, lang := range commandLanguages {
		cmds := make([]botCommand, len(botCommands))
		for i, c := range botCommands {
			cmds[i] = botCommand{Command: c.name, Description: catalog.T(lang, c.desc)}
		}
		b, _ := json.Marshal(cmds)
		p := tgbotapi.Params{"commands": string(b)}
		p.AddNonEmpty("language_code", lang)
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		_, err := a.api.call(cctx, "setMyCommands", p, nil)
		cancel()
		if err != nil {
			a.log.Warn("setMyCommands failed", "language", lang, "err", err)
		}
	}
}

// requester describes a Telegram user to the core.
func requester(u *botUser) imagine.Requester {
	name := u.FirstName
	if name == "" && u.Username != "" {
		name = "@" + u.Username
	}
	if name == "" {
		name = strconv.FormatInt(u.ID, 10)
	}
	return imagine.Requester{Platform: imagine.Telegram, UserID: strconv.FormatInt(u.ID, 10), Name: name, Locale: u.LanguageCode}
}

// onMessage handles a message: commands for this bot; anything else is
// ignored. It runs on the poll loop and must not wait for the network.
func (a *Adapter) onMessage(ctx context.Context, m *message) {
	if m.From == nil || m.From.IsBot {
		return
	}
	cmd, ok := parseCommand(m, a.me.Username)
	if !ok {
		return
	}
	who := requester(m.From)
	at := answering(m)
	if !a.chatAllowed(m.Chat) {
		a.log.Info("command refused: chat not allowed", "chat", m.Chat.ID, "type", m.Chat.Type, "user", who.Key(), "command", cmd.name)
		a.goReply(ctx, at, catalog.T(who.Locale, catalog.MsgNotHere))
		return
	}
	switch cmd.name {
	case "imagine":
		a.cmdImagine(ctx, m, cmd.args)
	case "help", "start":
		a.goReply(ctx, at, a.helpText(who.Locale, m.From.ID))
	case "queue":
		a.goReply(ctx, at, a.queueText(who))
	case "model":
		a.cmdModel(ctx, m, cmd.args)
	default:
		// In a group, another bot's command; in a private chat, a typo.
		if m.Chat.Type == "private" {
			a.goReply(ctx, at, a.helpText(who.Locale, m.From.ID))
		}
	}
}

// helpText explains the bot with examples, in the user's language, with
// this server's limits and styles; admins also learn about /model.
func (a *Adapter) helpText(loc string, userID int64) string {
	s := a.svc.Settings()
	l := s.Limits
	parts := []string{catalog.T(loc, catalog.MsgHelp, l.MaxWidth, l.MaxHeight, l.MaxSteps, l.MaxBatch)}
	if names := s.StyleNames(); len(names) > 0 {
		parts = append(parts, catalog.T(loc, catalog.MsgHelpStyles, strings.Join(names, ", ")))
	}
	if a.isAdmin(userID) {
		parts = append(parts, catalog.T(loc, catalog.MsgHelpAdmin))
	}
	return strings.Join(parts, "\n\n")
}

// queueText lists the user's jobs with their places, and the queue length.
func (a *Adapter) queueText(who imagine.Requester) string {
	loc := who.Locale
	mine, waiting := a.svc.Jobs(who)
	if len(mine) == 0 {
		return catalog.T(loc, catalog.MsgQueueEmpty, waiting)
	}
	lines := []string{catalog.T(loc, catalog.MsgQueueMine, waiting)}
	for _, j := range mine {
		prompt := imagine.Shorten(j.Prompt, 60)
		if j.State == imagine.Running {
			lines = append(lines, catalog.T(loc, catalog.MsgQueueRunning, prompt))
		} else {
			lines = append(lines, catalog.T(loc, catalog.MsgQueueWaiting, j.Position, prompt))
		}
	}
	return strings.Join(lines, "\n")
}
