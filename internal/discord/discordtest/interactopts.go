package discordtest

import (
	"fmt"
	"math"
	"slices"
	"strconv"
)

// findCommandLocked returns the registered command a user in this guild can invoke by name:
// the guild's command first, then the global one.
func (s *Server) findCommandLocked(guildID, name string, typ int) *Command {
	scopes := []string{""}
	if guildID != "" {
		scopes = []string{guildID, ""}
	}
	for _, scope := range scopes {
		for _, c := range s.commands[scope] {
			if c.Name == name && c.Type == typ {
				return c
			}
		}
	}
	return nil
}

// commandDataLocked builds the data of an application command or autocomplete interaction.
func (s *Server) commandDataLocked(spec InteractSpec, it *interaction, g *guildState, member *Member) (map[string]any, error) {
	guildID := ""
	if g != nil {
		guildID = g.ID
	}
	typ := CommandChatInput
	if spec.TargetID != "" {
		typ = CommandMessage
	}
	cmd := s.findCommandLocked(guildID, spec.Name, typ)
	if cmd == nil {
		return nil, fmt.Errorf("discordtest: interact: no command %q of type %d is registered for guild %q or globally", spec.Name, typ, guildID)
	}
	if err := commandUsable(cmd, it, member, spec.IgnoreCommandPermissions); err != nil {
		return nil, err
	}
	it.commandName, it.commandType = cmd.Name, cmd.Type
	if typ == CommandMessage {
		return s.messageCommandDataLocked(spec, it, cmd)
	}
	b := &optionBuilder{s: s, g: g, autocomplete: spec.Type == InteractionAutocomplete, resolved: map[string]map[string]any{},
		channelID: it.ChannelID}
	opts, err := b.build(cmd.Options, spec.Options, cmd.Name)
	if err != nil {
		return nil, err
	}
	if b.autocomplete && b.focused != 1 {
		return nil, fmt.Errorf("discordtest: interact: autocomplete needs exactly one focused option, got %d", b.focused)
	}
	data := map[string]any{"id": cmd.ID, "name": cmd.Name, "type": cmd.Type}
	if cmd.GuildID != "" {
		data["guild_id"] = cmd.GuildID
	}
	if len(opts) > 0 {
		data["options"] = opts
	}
	if len(b.resolved) > 0 {
		data["resolved"] = b.resolved
	}
	return data, nil
}

// commandUsable applies Discord's rules for who may see and use a command where.
func commandUsable(cmd *Command, it *interaction, member *Member, ignorePerms bool) error {
	if cmd.Contexts != nil && !slices.Contains(cmd.Contexts, it.Context) {
		return fmt.Errorf("discordtest: interact: command %q is not available in context %d", cmd.Name, it.Context)
	}
	if cmd.DMPermission != nil && !*cmd.DMPermission && it.Context != ContextGuild {
		return fmt.Errorf("discordtest: interact: command %q is not available in DMs", cmd.Name)
	}
	install := 0
	if it.userInstall {
		install = 1
	}
	if !slices.Contains(cmd.IntegrationTypes, install) {
		return fmt.Errorf("discordtest: interact: command %q is not installed for integration type %d", cmd.Name, install)
	}
	if member == nil || ignorePerms || cmd.DefaultMemberPermissions == nil || member.Permissions&PermAdministrator != 0 {
		return nil
	}
	need, _ := strconv.ParseInt(*cmd.DefaultMemberPermissions, 10, 64)
	if need == 0 || member.Permissions&need != need {
		return fmt.Errorf("discordtest: interact: member %s lacks default_member_permissions %d of command %q",
			member.User.ID, need, cmd.Name)
	}
	return nil
}

// optionBuilder turns given options into interaction data options, checking them against the
// registered definitions as Discord's client does.
type optionBuilder struct {
	s            *Server
	g            *guildState
	autocomplete bool
	focused      int
	resolved     map[string]map[string]any
	channelID    string // where the interaction happens: attachment URLs name it
}

func (b *optionBuilder) resolve(kind, id string, v any) {
	if b.resolved[kind] == nil {
		b.resolved[kind] = map[string]any{}
	}
	b.resolved[kind][id] = v
}

func (b *optionBuilder) build(defs []CommandOption, given []Option, path string) ([]any, error) {
	out := []any{}
	seen := map[string]bool{}
	for _, o := range given {
		i := slices.IndexFunc(defs, func(d CommandOption) bool { return d.Name == o.Name })
		if i < 0 {
			return nil, fmt.Errorf("discordtest: interact: %s has no option %q", path, o.Name)
		}
		def := defs[i]
		if o.Type != 0 && o.Type != def.Type {
			return nil, fmt.Errorf("discordtest: interact: option %s.%s has type %d, not %d", path, o.Name, def.Type, o.Type)
		}
		seen[o.Name] = true
		item := map[string]any{"name": def.Name, "type": def.Type}
		if def.Type == OptionSubCommand || def.Type == OptionSubCommandGroup {
			sub, err := b.build(def.Options, o.Options, path+"."+o.Name)
			if err != nil {
				return nil, err
			}
			item["options"] = sub
			out = append(out, item)
			continue
		}
		if o.Focused {
			if !b.autocomplete || !def.Autocomplete {
				return nil, fmt.Errorf("discordtest: interact: option %s.%s cannot be focused", path, o.Name)
			}
			b.focused++
			item["focused"] = true
			item["value"] = fmt.Sprint(o.Value) // the partial input, always a string
			out = append(out, item)
			continue
		}
		v, err := b.value(def, o.Value, path+"."+o.Name)
		if err != nil {
			return nil, err
		}
		item["value"] = v
		out = append(out, item)
	}
	subs := 0
	for _, d := range defs {
		if d.Type == OptionSubCommand || d.Type == OptionSubCommandGroup {
			subs++
		}
		if d.Required && !seen[d.Name] && !b.autocomplete {
			return nil, fmt.Errorf("discordtest: interact: required option %s.%s is missing", path, d.Name)
		}
	}
	if subs > 0 && len(given) != 1 {
		return nil, fmt.Errorf("discordtest: interact: %s needs exactly one subcommand", path)
	}
	return out, nil
}

// value checks and converts one option value.
func (b *optionBuilder) value(def CommandOption, v any, path string) (any, error) {
	bad := func(want string) error {
		return fmt.Errorf("discordtest: interact: option %s needs %s, got %T", path, want, v)
	}
	var out any
	switch def.Type {
	case OptionString:
		s, ok := v.(string)
		if !ok {
			return nil, bad("a string")
		}
		if (def.MinLength != nil && runeLen(s) < *def.MinLength) || (def.MaxLength != nil && runeLen(s) > *def.MaxLength) {
			return nil, fmt.Errorf("discordtest: interact: option %s: length %d out of bounds", path, runeLen(s))
		}
		out = s
	case OptionInteger, OptionNumber:
		f, ok := toFloat(v)
		if !ok || (def.Type == OptionInteger && f != math.Trunc(f)) {
			return nil, bad("a number")
		}
		if (def.MinValue != nil && f < *def.MinValue) || (def.MaxValue != nil && f > *def.MaxValue) {
			return nil, fmt.Errorf("discordtest: interact: option %s: %v out of bounds", path, f)
		}
		out = f
	case OptionBoolean:
		bv, ok := v.(bool)
		if !ok {
			return nil, bad("a bool")
		}
		out = bv
	case OptionUser, OptionChannel, OptionRole, OptionMentionable:
		id, ok := v.(string)
		if !ok {
			return nil, bad("an id string")
		}
		if err := b.resolveID(def.Type, id, path); err != nil {
			return nil, err
		}
		out = id
	case OptionAttachment:
		u, ok := v.(Upload)
		if !ok {
			return nil, bad("an Upload")
		}
		out = b.resolveUpload(u)
	}
	if len(def.Choices) > 0 && !slices.ContainsFunc(def.Choices, func(c CommandChoice) bool { return c.Value == out }) {
		return nil, fmt.Errorf("discordtest: interact: option %s: %v is not one of its choices", path, out)
	}
	return out, nil
}

func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

// resolveID adds a user, channel or role to the resolved data.
func (b *optionBuilder) resolveID(typ int, id, path string) error {
	s := b.s
	if typ == OptionChannel {
		c := s.channels[id]
		if c == nil {
			return fmt.Errorf("discordtest: interact: option %s: unknown channel %s", path, id)
		}
		b.resolve("channels", id, map[string]any{"id": id, "name": c.Name, "type": c.Type,
			"permissions": strconv.FormatInt(DefaultMemberPermissions, 10)})
		return nil
	}
	if u := s.users[id]; u != nil && typ != OptionRole {
		b.resolve("users", id, userJSON(*u))
		if b.g != nil {
			m := s.memberLocked(b.g, id)
			b.resolve("members", id, memberJSON(m, b.g.joinedAt, false))
		}
		return nil
	}
	if typ == OptionUser {
		return fmt.Errorf("discordtest: interact: option %s: unknown user %s", path, id)
	}
	b.resolve("roles", id, map[string]any{"id": id, "name": "role-" + id, "permissions": "0", "position": 1,
		"color": 0, "hoist": false, "managed": false, "mentionable": true, "flags": 0})
	return nil
}

// resolveUpload adds an attachment option's file to the resolved data and returns its id. The
// file is served by the fake's file server at the attachment's url and proxy_url.
func (b *optionBuilder) resolveUpload(u Upload) string {
	a := b.s.userAttachmentLocked(b.channelID, u, true)
	b.resolve("attachments", a.ID, attachmentJSON(a))
	return a.ID
}

// messageCommandDataLocked builds the data of a message context-menu command: the target
// message in resolved.messages, with its attachments and embeds.
func (s *Server) messageCommandDataLocked(spec InteractSpec, it *interaction, cmd *Command) (map[string]any, error) {
	if spec.Type != InteractionApplicationCommand {
		return nil, fmt.Errorf("discordtest: interact: message command %q cannot be autocompleted", cmd.Name)
	}
	if len(spec.Options) > 0 {
		return nil, fmt.Errorf("discordtest: interact: message command %q takes no options", cmd.Name)
	}
	m := s.messages[spec.TargetID]
	if m == nil || m.deleted || m.ephemeral || m.channelID != it.ChannelID {
		return nil, fmt.Errorf("discordtest: interact: no message %s in channel %s to target", spec.TargetID, it.ChannelID)
	}
	data := map[string]any{"id": cmd.ID, "name": cmd.Name, "type": cmd.Type, "target_id": m.id,
		"resolved": map[string]any{"messages": map[string]any{m.id: s.messageJSONLocked(m)}}}
	if cmd.GuildID != "" {
		data["guild_id"] = cmd.GuildID
	}
	return data, nil
}
