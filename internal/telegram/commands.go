package telegram

import (
	"context"
	"encoding/json"
	"strconv"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/frontend"
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
	{"settings", catalog.MsgCmdSettings},
	{"history", catalog.MsgCmdHistory},
	{"model", catalog.MsgCmdModel},
}

// commandLanguages are the language codes with their own command list; ""
// is the default list, in English.
var commandLanguages = []string{"", "zh"}

// registerCommands sets the command menu for every language of the
// catalogue. A failure is logged: the bot works without a menu.
func (c *client) registerCommands(ctx context.Context) {
	for _, lang := range commandLanguages {
		cmds := make([]map[string]string, len(botCommands))
		for i, cmd := range botCommands {
			cmds[i] = map[string]string{"command": cmd.name, "description": catalog.T(lang, cmd.desc)}
		}
		b, _ := json.Marshal(cmds)
		p := tgbotapi.Params{"commands": string(b)}
		p.AddNonEmpty("language_code", lang)
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		_, err := c.api.call(cctx, "setMyCommands", p, nil)
		cancel()
		if err != nil {
			c.log.Warn("setMyCommands failed", "language", lang, "err", err)
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

// who is the requester u as the core sees them: marked if an admin (who
// has no quota), and with the reply language they chose in /settings.
func (a *Adapter) who(u *botUser) imagine.Requester {
	r := a.requesterOf(u)
	return a.core.Prefs(r).ApplyLocale(r)
}

// requesterOf is who without the chosen reply language: the user as
// Telegram describes them, marked if an admin.
func (a *Adapter) requesterOf(u *botUser) imagine.Requester {
	r := requester(u)
	r.Admin = a.cfg.isAdmin(u.ID)
	return r
}

// handleMessage handles a message: commands for this bot; anything else
// is ignored. It runs on the poll loop and must not wait for the network.
func (a *Adapter) handleMessage(ctx context.Context, m *message) {
	if m.From == nil || m.From.IsBot {
		return
	}
	cmd, ok := parseCommand(m, a.me.Username)
	if !ok {
		return
	}
	if !a.cfg.chatAllowed(m.Chat) {
		who := a.who(m.From)
		a.log.Info("command refused: chat not allowed", "chat", m.Chat.ID, "type", m.Chat.Type, "user", who.Key(), "command", cmd.name)
		a.goReply(ctx, answering(m), catalog.T(who.Locale, catalog.MsgNotHere))
		return
	}
	switch cmd.name {
	case "imagine":
		a.handleImagine(ctx, m, cmd.args)
	case "help", "start":
		a.handleHelp(ctx, m)
	case "queue":
		a.handleQueue(ctx, m)
	case "settings":
		a.handleSettings(ctx, m, cmd.args)
	case "history":
		a.handleHistory(ctx, m)
	case "model":
		a.handleModel(ctx, m, cmd.args)
	default:
		// In a group, another bot's command; in a private chat, a typo.
		if m.Chat.Type == "private" {
			a.handleHelp(ctx, m)
		}
	}
}

// handleHelp explains the bot with examples, in the user's language, with
// this server's limits and styles; admins also learn about /model.
func (a *Adapter) handleHelp(ctx context.Context, m *message) {
	loc, settings := a.who(m.From).Locale, a.core.Settings()
	text := frontend.HelpText(loc, settings, texts.help, a.cfg.isAdmin(m.From.ID)) + "\n\n" + frontend.ImageHelpText(loc, settings)
	a.goReply(ctx, answering(m), text)
}

// handleQueue lists the user's jobs with their places, and the queue
// length; with a daily quota, what is left of it.
func (a *Adapter) handleQueue(ctx context.Context, m *message) {
	who := a.who(m.From)
	mine, waiting := a.core.Jobs(who)
	text := frontend.QueueText(who.Locale, mine, waiting)
	if q := a.core.Quota(who); q.Limit > 0 {
		text += "\n" + catalog.T(who.Locale, catalog.MsgQuotaLeft, q.Left, q.Limit)
	}
	a.goReply(ctx, answering(m), text)
}
