package discord

import (
	"context"
	"slices"

	"github.com/bwmarrin/discordgo"
	"github.com/imaginebot/imaginebot/internal/catalog"
)

// placeAllowed applies discord.allowed_guild_ids and discord.allow_dms: an
// interaction in a guild is allowed when the list is empty or names the
// guild; one outside guilds (the bot's DM, private channels) unless DMs are
// off.
func (a *Adapter) placeAllowed(i *discordgo.Interaction) bool {
	if i.GuildID == "" {
		return a.cfg.AllowDMs
	}
	return len(a.cfg.AllowedGuildIDs) == 0 || slices.Contains(a.cfg.AllowedGuildIDs, i.GuildID)
}

// refusePlace politely turns down an interaction where the bot may not be
// used: an ephemeral sentence for commands and buttons, no choices for
// autocomplete.
func (a *Adapter) refusePlace(ctx context.Context, in *incoming) {
	a.log.Info("interaction refused: guild or DM not allowed", "guild", in.i.GuildID, "channel", in.i.ChannelID, "user", in.who.Key())
	if in.i.Type == discordgo.InteractionApplicationCommandAutocomplete {
		a.answerChoices(ctx, in, []*discordgo.ApplicationCommandOptionChoice{})
		return
	}
	a.replyEphemeral(ctx, in, catalog.T(in.locale(), catalog.MsgNotHere))
}

// isAdmin reports whether the interaction's user is a bot admin: listed in
// AdminUserIDs, holding one of AdminRoleIDs, or with the Administrator or
// Manage Server permission where they act.
func (a *Adapter) isAdmin(in *incoming) bool {
	if slices.Contains(a.cfg.AdminUserIDs, in.user.ID) {
		return true
	}
	m := in.i.Member
	if m == nil {
		return false
	}
	for _, r := range m.Roles {
		if slices.Contains(a.cfg.AdminRoleIDs, r) {
			return true
		}
	}
	return m.Permissions&(discordgo.PermissionAdministrator|discordgo.PermissionManageGuild) != 0
}
