package discordtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
)

// ErrNoSession is returned by Interact when no gateway session could receive the interaction.
var ErrNoSession = errors.New("discordtest: no gateway session to dispatch to")

// InteractSpec describes an interaction to dispatch.
type InteractSpec struct {
	// Type is InteractionApplicationCommand (the default), InteractionAutocomplete or
	// InteractionMessageComponent. Modal submits are sent with SubmitModal.
	Type int
	// ChannelID is where the user acts. For components it defaults to the message's channel.
	ChannelID string
	// UserID is the acting user; default the DM's recipient in a DM, else a fixed test user.
	// Unknown users (and guild members) are created with default permissions.
	UserID string
	// Locale is the user's client locale, e.g. "zh-CN". Default "en-US".
	Locale string

	// Name is the command name (application commands and autocomplete). The command must be
	// registered for the guild or globally, usable in this context and, unless
	// IgnoreCommandPermissions, by this member.
	Name string
	// Options are the given options; types default to the registered ones. For autocomplete,
	// exactly one option (at any depth) must be Focused.
	Options []Option
	// TargetID makes the interaction a message context-menu command (data.type 3) named Name on
	// this message of the channel, which comes in data.resolved.messages.
	TargetID string

	// MessageID is the message a component was used on.
	MessageID string
	// CustomID is the component's custom id; it must be on the message.
	CustomID string
	// Values are the selected values of a select menu.
	Values []string

	// UserInstall makes the interaction come from the user-installed app (authorizing owner
	// "1"); it is implied in guilds and channels where the bot is absent.
	UserInstall bool
	// AppPermissions overrides app_permissions; default the bot's permissions in the channel.
	AppPermissions *int64
	// IgnoreCommandPermissions dispatches even if default_member_permissions would hide the
	// command from this member, as when a server admin grants it in Server Settings.
	IgnoreCommandPermissions bool
	// Modify, if set, may change the payload just before dispatch. It runs with the fake locked
	// and must not call the Server.
	Modify func(payload map[string]any)
}

// Option is a command option given by the user.
type Option struct {
	Name    string
	Type    int // default: the registered option's type
	Value   any // string, bool, int or float64; ids for users, channels, roles; Upload for attachments
	Focused bool
	Options []Option // for subcommands and groups
}

// Upload is the value of an attachment option, or a file of a user's message (PostUserMessage).
type Upload struct {
	Filename string
	Data     []byte
	// ContentType overrides the content type Discord would detect from the bytes and the name.
	ContentType string
}

// Interact dispatches INTERACTION_CREATE to the connected (or resumable) gateway sessions and
// returns the interaction. The acknowledgement deadline starts now.
func (s *Server) Interact(spec InteractSpec) (*Interaction, error) {
	s.mu.Lock()
	// The clock starts once the fake takes the interaction, not when this
	// call began: a test that interacts from many goroutines at once must
	// not count their wait for the fake's lock against the bot.
	now := s.now()
	it, payload, err := s.buildInteractionLocked(spec)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if spec.Modify != nil {
		spec.Modify(payload)
	}
	raw, err := json.Marshal(payload)
	if err != nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("discordtest: interact: %w", err)
	}
	it.Payload = raw
	it.DispatchedAt = now
	it.srv = s
	s.interactions[it.ID] = it
	s.tokens[it.Token] = it
	s.mu.Unlock()

	if s.gw.dispatch("INTERACTION_CREATE", json.RawMessage(raw), eventFilter{guildID: it.GuildID}) == 0 {
		s.mu.Lock()
		delete(s.interactions, it.ID)
		delete(s.tokens, it.Token)
		s.mu.Unlock()
		return nil, ErrNoSession
	}
	s.changed.broadcast()
	return &it.Interaction, nil
}

// buildInteractionLocked validates a spec and returns the interaction and its payload.
func (s *Server) buildInteractionLocked(spec InteractSpec) (*interaction, map[string]any, error) {
	now := s.now()
	if spec.Type == 0 {
		spec.Type = InteractionApplicationCommand
	}
	var compMsg *message
	if spec.MessageID != "" {
		compMsg = s.messages[spec.MessageID]
		if compMsg == nil || compMsg.deleted {
			return nil, nil, fmt.Errorf("discordtest: interact: unknown message %s", spec.MessageID)
		}
		if spec.ChannelID == "" {
			spec.ChannelID = compMsg.channelID
		}
	}
	ch := s.channels[spec.ChannelID]
	if ch == nil {
		return nil, nil, fmt.Errorf("discordtest: interact: unknown channel %q", spec.ChannelID)
	}
	if compMsg != nil && compMsg.channelID != ch.ID {
		return nil, nil, fmt.Errorf("discordtest: interact: message %s is not in channel %s", compMsg.id, ch.ID)
	}
	if ch.Type == ChannelDM && len(ch.RecipientIDs) > 0 {
		if spec.UserID == "" {
			spec.UserID = ch.RecipientIDs[0]
		}
		if !slices.Contains(ch.RecipientIDs, spec.UserID) {
			return nil, nil, fmt.Errorf("discordtest: interact: user %s is not in DM %s", spec.UserID, ch.ID)
		}
	}
	if spec.UserID == "" {
		if s.defaultUser == "" {
			s.defaultUser = s.userLocked(User{Username: "tester", GlobalName: "Tester"}).ID
		}
		spec.UserID = s.defaultUser
	}
	user := s.userLocked(User{ID: spec.UserID})
	if spec.Locale == "" {
		spec.Locale = "en-US"
	}

	id := s.ids.next(now)
	it := &interaction{Interaction: Interaction{ID: id, Token: newInteractionToken(id), AppID: s.opts.AppID,
		Type: spec.Type, ChannelID: ch.ID, GuildID: ch.GuildID, UserID: user.ID}}
	g := s.guilds[ch.GuildID]
	switch {
	case g != nil:
		it.Context = ContextGuild
	case ch.Type == ChannelDM && !ch.BotAbsent:
		it.Context = ContextBotDM
	default:
		it.Context = ContextPrivateChannel
	}
	it.userInstall = spec.UserInstall || it.Context == ContextPrivateChannel || (g != nil && g.BotAbsent)
	switch {
	case it.userInstall:
		it.owners = map[string]string{"1": user.ID}
	case g != nil:
		it.owners = map[string]string{"0": g.ID}
	default:
		it.owners = map[string]string{"0": "0"}
	}
	it.userJSON = userJSON(*user)
	appPerms := DefaultBotPermissions &^ ch.Deny
	if spec.AppPermissions != nil {
		appPerms = *spec.AppPermissions
	}

	p := map[string]any{
		"id": id, "application_id": s.opts.AppID, "type": spec.Type, "token": it.Token, "version": 1,
		"channel_id": ch.ID, "channel": s.channelJSONLocked(ch), "locale": spec.Locale,
		"app_permissions": strconv.FormatInt(appPerms, 10), "entitlements": []any{},
		"authorizing_integration_owners": it.owners, "context": it.Context,
		"attachment_size_limit": s.opts.MaxFileSize,
	}
	var member *Member
	if g != nil {
		member = s.memberLocked(g, user.ID)
		p["guild_id"] = g.ID
		p["guild_locale"] = g.PreferredLocale
		p["guild"] = map[string]any{"id": g.ID, "locale": g.PreferredLocale, "features": []any{}}
		p["member"] = memberJSON(member, g.joinedAt, true)
	} else {
		p["user"] = it.userJSON
	}

	switch spec.Type {
	case InteractionApplicationCommand, InteractionAutocomplete:
		data, err := s.commandDataLocked(spec, it, g, member)
		if err != nil {
			return nil, nil, err
		}
		p["data"] = data
	case InteractionMessageComponent:
		if compMsg == nil {
			return nil, nil, errors.New("discordtest: interact: a component interaction needs MessageID")
		}
		ctype, ok := findComponent(compMsg.cur().Components, spec.CustomID)
		if !ok {
			return nil, nil, fmt.Errorf("discordtest: interact: message %s has no component %q", compMsg.id, spec.CustomID)
		}
		data := map[string]any{"custom_id": spec.CustomID, "component_type": ctype}
		if isSelect(ctype) {
			data["values"] = append([]string{}, spec.Values...)
		}
		p["data"] = data
	default:
		return nil, nil, fmt.Errorf("discordtest: interact: unsupported interaction type %d", spec.Type)
	}
	if compMsg != nil {
		it.componentMsg = compMsg
		p["message"] = s.messageJSONLocked(compMsg)
	}
	return it, p, nil
}

// Redeliver dispatches an interaction again, unchanged (same id and token),
// as Discord does when a resumed gateway session replays events the client
// may not have seen. The bot must not act on it twice.
func (s *Server) Redeliver(i *Interaction) error {
	s.mu.Lock()
	it := s.interactions[i.ID]
	if it == nil {
		s.mu.Unlock()
		return fmt.Errorf("discordtest: redeliver: unknown interaction %s", i.ID)
	}
	raw, guild := it.Payload, it.GuildID
	s.mu.Unlock()
	if s.gw.dispatch("INTERACTION_CREATE", json.RawMessage(raw), eventFilter{guildID: guild}) == 0 {
		return ErrNoSession
	}
	return nil
}
