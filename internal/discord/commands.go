package discord

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/frontend"
	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/tasks"
)

// Command and option names. Names stay ASCII in every language; their
// descriptions are localized.
const (
	cmdImagine  = "imagine"
	cmdModel    = "model"
	cmdQueue    = "queue"
	cmdHelp     = "help"
	cmdSettings = "settings"
	cmdHistory  = "history"

	optPrompt   = "prompt"
	optNegative = "negative"
	optAspect   = "aspect"
	optSteps    = "steps"
	optSeed     = "seed"
	optStyle    = "style"
	optCount    = "count"
	optHires    = "hires"
	optModel    = "name"
	// /imagine's model options (backends issue).
	optPickModel = "model"
	optSampler   = "sampler"
	optScheduler = "scheduler"
	optCFG       = "cfg"
	optLora      = "lora"
	// /imagine's picture options (image issue).
	optImage    = "image"
	optStrength = "strength"

	// cmdFromImage is the message context-menu command; context-menu
	// names may have spaces and capitals.
	cmdFromImage = "Imagine from this image"
)

// choiceKinds are the /imagine options whose autocomplete the core
// answers from the backends' lists (and the styles).
var choiceKinds = map[string]imagine.ChoiceKind{
	optPickModel: imagine.ChoiceModel, optSampler: imagine.ChoiceSampler,
	optScheduler: imagine.ChoiceScheduler, optLora: imagine.ChoiceLora, optStyle: imagine.ChoiceStyle,
}

// aspectChoices are the aspect ratios /imagine offers.
var aspectChoices = []string{"1:1", "3:2", "2:3", "4:3", "3:4", "16:9", "9:16", "21:9"}

// maxChoices is Discord's limit of choices per option and per autocomplete
// answer.
const maxChoices = 25

// Discord limits that shape the commands.
const (
	maxOptionLength = 6000 // max_length of a string option
	permManageGuild = int64(discordgo.PermissionManageGuild)
)

// localized returns the zh-CN localization of a text.
func localized(text string) *map[discordgo.Locale]string {
	return &map[discordgo.Locale]string{discordgo.ChineseCN: text}
}

// option builds a command option with its English description and zh-CN
// localizations (the name stays the same, the description is translated).
func option(typ discordgo.ApplicationCommandOptionType, name string, desc catalog.Text, required bool) *discordgo.ApplicationCommandOption {
	return &discordgo.ApplicationCommandOption{
		Type: typ, Name: name, Required: required,
		NameLocalizations:        map[discordgo.Locale]string{discordgo.ChineseCN: name},
		Description:              desc.In("en"),
		DescriptionLocalizations: map[discordgo.Locale]string{discordgo.ChineseCN: desc.In("zh-CN")},
	}
}

func command(name string, desc catalog.MsgID, opts ...*discordgo.ApplicationCommandOption) *discordgo.ApplicationCommand {
	return &discordgo.ApplicationCommand{
		Name: name, Type: discordgo.ChatApplicationCommand,
		NameLocalizations:        localized(name),
		Description:              catalog.T("en", desc),
		DescriptionLocalizations: localized(catalog.T("zh-CN", desc)),
		Options:                  opts,
	}
}

// commands returns the application commands for the service's settings.
func commands(s imagine.Settings) []*discordgo.ApplicationCommand {
	everywhere := &[]discordgo.InteractionContextType{discordgo.InteractionContextGuild,
		discordgo.InteractionContextBotDM, discordgo.InteractionContextPrivateChannel}
	bothInstalls := &[]discordgo.ApplicationIntegrationType{discordgo.ApplicationIntegrationGuildInstall,
		discordgo.ApplicationIntegrationUserInstall}

	imagineCmd := command(cmdImagine, catalog.MsgCmdImagine, imagineOptions(s)...)
	queueCmd := command(cmdQueue, catalog.MsgCmdQueue)
	helpCmd := command(cmdHelp, catalog.MsgCmdHelp)
	settingsCmd := command(cmdSettings, catalog.MsgCmdSettings, settingsOptions(s)...)
	historyCmd := command(cmdHistory, catalog.MsgCmdHistory)
	fromImageCmd := &discordgo.ApplicationCommand{Name: cmdFromImage, Type: discordgo.MessageApplicationCommand,
		NameLocalizations: localized(texts.FromImage.In("zh-CN"))}
	for _, c := range []*discordgo.ApplicationCommand{imagineCmd, queueCmd, helpCmd, settingsCmd, historyCmd, fromImageCmd} {
		c.Contexts, c.IntegrationTypes = everywhere, bothInstalls
	}

	modelOpt := option(discordgo.ApplicationCommandOptionString, optModel, texts.OptModel, false)
	modelOpt.Autocomplete = true
	modelOpt.MaxLength = 100
	modelCmd := command(cmdModel, catalog.MsgCmdModel, modelOpt)
	// Only members who may manage the server see /model by default; the bot
	// checks again, since server admins can change who sees it.
	perm := permManageGuild
	modelCmd.DefaultMemberPermissions = &perm
	modelCmd.Contexts = &[]discordgo.InteractionContextType{discordgo.InteractionContextGuild}
	modelCmd.IntegrationTypes = &[]discordgo.ApplicationIntegrationType{discordgo.ApplicationIntegrationGuildInstall}

	return []*discordgo.ApplicationCommand{imagineCmd, modelCmd, queueCmd, helpCmd, settingsCmd, historyCmd, fromImageCmd}
}

func imagineOptions(s imagine.Settings) []*discordgo.ApplicationCommandOption {
	l := s.Limits
	maxLen := l.MaxPromptLength
	if maxLen <= 0 || maxLen > maxOptionLength {
		maxLen = maxOptionLength
	}
	prompt := option(discordgo.ApplicationCommandOptionString, optPrompt, texts.OptPrompt, true)
	prompt.MaxLength = maxLen
	negative := option(discordgo.ApplicationCommandOptionString, optNegative, texts.OptNegative, false)
	negative.MaxLength = maxLen
	aspect := option(discordgo.ApplicationCommandOptionString, optAspect, texts.OptAspect, false)
	for _, a := range aspectChoices {
		aspect.Choices = append(aspect.Choices, &discordgo.ApplicationCommandOptionChoice{Name: a, Value: a})
	}
	opts := []*discordgo.ApplicationCommandOption{prompt, negative, aspect}
	if l.MaxSteps >= 1 {
		steps := option(discordgo.ApplicationCommandOptionInteger, optSteps, texts.OptSteps, false)
		steps.MinValue, steps.MaxValue = ptr(1.0), float64(l.MaxSteps)
		opts = append(opts, steps)
	}
	seed := option(discordgo.ApplicationCommandOptionInteger, optSeed, texts.OptSeed, false)
	seed.MinValue, seed.MaxValue = ptr(-1.0), float64(imagine.MaxSeed)
	opts = append(opts, seed)
	if len(s.Styles) > 0 {
		// Up to Discord's 25, the styles are choices (a list to pick from);
		// beyond, the core's Choices answers their autocomplete.
		style := option(discordgo.ApplicationCommandOptionString, optStyle, texts.OptStyle, false)
		if len(s.Styles) <= maxChoices {
			for _, st := range s.Styles {
				name := imagine.Shorten(st.Name, 100)
				style.Choices = append(style.Choices, &discordgo.ApplicationCommandOptionChoice{Name: name, Value: name})
			}
		} else {
			style.Autocomplete = true
		}
		opts = append(opts, style)
	}
	if l.MaxBatch >= 2 {
		count := option(discordgo.ApplicationCommandOptionInteger, optCount, texts.OptCount, false)
		count.MinValue, count.MaxValue = ptr(1.0), float64(min(l.MaxBatch, maxFiles))
		opts = append(opts, count)
	}
	opts = append(opts, option(discordgo.ApplicationCommandOptionBoolean, optHires, texts.OptHires, false))
	for _, o := range []struct {
		name string
		desc catalog.Text
	}{{optPickModel, texts.OptPickModel}, {optSampler, texts.OptSampler}, {optScheduler, texts.OptScheduler}, {optLora, texts.OptLora}} {
		opt := option(discordgo.ApplicationCommandOptionString, o.name, o.desc, false)
		opt.Autocomplete, opt.MaxLength = true, maxChoiceLength
		opts = append(opts, opt)
	}
	cfg := option(discordgo.ApplicationCommandOptionNumber, optCFG, texts.OptCFG, false)
	cfg.MinValue, cfg.MaxValue = ptr(float64(imagine.MinCFG)), float64(imagine.MaxCFG)
	strength := option(discordgo.ApplicationCommandOptionNumber, optStrength, texts.OptStrength, false)
	strength.MinValue, strength.MaxValue = ptr(0.0), 1
	return append(opts, cfg, option(discordgo.ApplicationCommandOptionAttachment, optImage, texts.OptImage, false), strength)
}

func ptr[T any](v T) *T { return &v }

// registerCommands overwrites the application's commands, globally or in
// each configured guild. A 429 is waited out a few times.
func (a *Adapter) registerCommands(ctx context.Context, s *discordgo.Session, appID string) error {
	cmds := commands(a.core.Settings())
	scopes := a.cfg.GuildIDs
	if len(scopes) == 0 {
		scopes = []string{""}
	}
	for _, guild := range scopes {
		var err error
		for attempt := 0; attempt < 4; attempt++ {
			_, err = s.ApplicationCommandBulkOverwrite(appID, guild, cmds,
				discordgo.WithContext(ctx), discordgo.WithRetryOnRatelimit(false))
			err = sanitize(err)
			if classify(err) != errRateLimited {
				break
			}
			if !tasks.Sleep(ctx, max(retryAfter(err), 100*time.Millisecond)) {
				return ctx.Err()
			}
		}
		if err != nil {
			where := "globally"
			if guild != "" {
				where = "in guild " + guild
			}
			return fmt.Errorf("discord: register commands %s: %w", where, err)
		}
	}
	names := make([]string, len(cmds))
	for i, c := range cmds {
		names[i] = "/" + c.Name
	}
	a.log.Info("commands registered", "commands", strings.Join(names, " "), "guilds", len(a.cfg.GuildIDs))
	return nil
}

// handleQueue answers /queue ephemerally: the user's jobs with their
// positions, how many jobs wait in all, and what is left of the user's
// daily images when there is a quota.
func (a *Adapter) handleQueue(ctx context.Context, in *incoming) {
	mine, waiting := a.core.Jobs(in.who)
	text := frontend.QueueText(in.locale(), mine, waiting)
	if q := a.core.Quota(in.who); q.Limit > 0 {
		text += "\n" + catalog.T(in.locale(), catalog.MsgQuotaLeft, q.Left, q.Limit)
	}
	a.replyEphemeral(ctx, in, text)
}

// handleHelp answers /help ephemerally.
func (a *Adapter) handleHelp(ctx context.Context, in *incoming) {
	a.replyEphemeral(ctx, in, helpText(a.core.Settings(), in.locale()))
}

// helpText is /help's text. Discord's introduction names /model for
// everyone (who sees the command is up to each server), so it has no admin
// line. It ends with how to start from a picture.
func helpText(s imagine.Settings, loc string) string {
	return frontend.HelpText(loc, s, texts.Help, false) + "\n\n" + frontend.ImageHelpText(loc, s) + "\n" + texts.HelpImage.In(loc)
}
