package discordtest

import (
	"fmt"
	"time"
)

// Permission bits used by the fake.
const (
	PermAdministrator          int64 = 1 << 3
	PermManageGuild            int64 = 1 << 5
	PermAddReactions           int64 = 1 << 6
	PermViewChannel            int64 = 1 << 10
	PermSendMessages           int64 = 1 << 11
	PermManageMessages         int64 = 1 << 13
	PermEmbedLinks             int64 = 1 << 14
	PermAttachFiles            int64 = 1 << 15
	PermReadMessageHistory     int64 = 1 << 16
	PermUseExternalEmojis      int64 = 1 << 18
	PermUseApplicationCommands int64 = 1 << 31
	PermSendMessagesInThreads  int64 = 1 << 38

	// DefaultBotPermissions is what the bot has in a channel unless Channel.Deny removes some.
	DefaultBotPermissions = PermViewChannel | PermSendMessages | PermEmbedLinks | PermAttachFiles |
		PermReadMessageHistory | PermAddReactions | PermUseExternalEmojis | PermUseApplicationCommands |
		PermSendMessagesInThreads
	// DefaultMemberPermissions is what a member has when Member.Permissions is zero.
	DefaultMemberPermissions = DefaultBotPermissions
)

// Channel types.
const (
	ChannelGuildText    = 0
	ChannelDM           = 1
	ChannelGroupDM      = 3
	ChannelPublicThread = 11
)

// User is a Discord user.
type User struct {
	ID         string // default: a fresh snowflake
	Username   string // default "user" + ID
	GlobalName string
	Bot        bool
}

// Guild is a guild (server).
type Guild struct {
	ID              string // default: a fresh snowflake
	Name            string // default "guild"
	PreferredLocale string // default "en-US"
	OwnerID         string
	// BotAbsent means the bot user is not a member: the app is only user-installed there. The
	// guild is then not in READY and the bot cannot reach its channels.
	BotAbsent bool
}

// Channel is a guild channel, a thread, a DM or a group DM.
type Channel struct {
	ID      string // default: a fresh snowflake
	GuildID string // empty for DMs and group DMs
	Name    string
	Type    int // ChannelGuildText (default), ChannelDM, ChannelGroupDM, ChannelPublicThread
	// Deny removes permissions from DefaultBotPermissions for the bot in this channel; denying
	// PermViewChannel makes every bot-token request answer 403 Missing Access, denying
	// PermAttachFiles refuses uploads with 403 Missing Permissions, in interaction responses too.
	Deny int64
	// BotAbsent means the bot is not a recipient of this DM or group DM (a user-installed app
	// used in a private channel): bot-token requests answer 403 Missing Access.
	BotAbsent bool
	// RecipientIDs are the users of a DM or group DM.
	RecipientIDs []string
}

// Member is a user's membership in a guild.
type Member struct {
	User  User
	Roles []string
	// Permissions are the member's permissions in the guild; zero means
	// DefaultMemberPermissions. Use PermAdministrator for an admin.
	Permissions int64
	Nick        string
}

type guildState struct {
	Guild
	members  map[string]*Member
	joinedAt time.Time
}

type channelState struct {
	Channel
}

// botPerms returns the bot's permissions in the channel, 0 if it cannot be reached at all.
func (c *channelState) botPerms() int64 {
	if c.BotAbsent {
		return 0
	}
	return DefaultBotPermissions &^ c.Deny
}

// AddGuild adds a guild and returns it with defaults filled in. If the bot is a member and
// connected, a GUILD_CREATE is dispatched as when a bot joins a guild.
func (s *Server) AddGuild(g Guild) Guild {
	now := s.now()
	if g.ID == "" {
		g.ID = s.ids.next(now)
	}
	if g.Name == "" {
		g.Name = "guild"
	}
	if g.PreferredLocale == "" {
		g.PreferredLocale = "en-US"
	}
	s.mu.Lock()
	s.guilds[g.ID] = &guildState{Guild: g, members: map[string]*Member{}, joinedAt: now}
	var ev map[string]any
	if !g.BotAbsent {
		ev = s.guildCreateLocked(g.ID)
	}
	s.mu.Unlock()
	if ev != nil {
		s.gw.dispatch("GUILD_CREATE", ev, eventFilter{guildID: g.ID, intent: intentGuilds})
	}
	s.changed.broadcast()
	return g
}

// AddChannel adds a channel and returns it with defaults filled in. A guild channel needs its
// guild added first.
func (s *Server) AddChannel(c Channel) (Channel, error) {
	if c.ID == "" {
		c.ID = s.ids.next(s.now())
	}
	if c.Name == "" && c.Type != ChannelDM {
		c.Name = "channel-" + c.ID
	}
	s.mu.Lock()
	var ev map[string]any
	if c.GuildID != "" {
		g := s.guilds[c.GuildID]
		if g == nil {
			s.mu.Unlock()
			return Channel{}, fmt.Errorf("discordtest: add channel: unknown guild %s", c.GuildID)
		}
		if c.Type == ChannelDM || c.Type == ChannelGroupDM {
			s.mu.Unlock()
			return Channel{}, fmt.Errorf("discordtest: add channel: a DM cannot be in guild %s", c.GuildID)
		}
	}
	cs := &channelState{Channel: c}
	s.channels[c.ID] = cs
	if c.GuildID != "" && s.botPermsLocked(cs)&PermViewChannel != 0 {
		ev = s.channelJSONLocked(cs)
	}
	s.mu.Unlock()
	if ev != nil {
		s.gw.dispatch("CHANNEL_CREATE", ev, eventFilter{guildID: c.GuildID, intent: intentGuilds})
	}
	s.changed.broadcast()
	return c, nil
}

// AddDM adds the DM channel between the bot and a user (interactions there have the BOT_DM
// context) and returns it. The user is created if unknown.
func (s *Server) AddDM(userID string) Channel {
	u := s.AddUser(User{ID: userID})
	c, _ := s.AddChannel(Channel{Type: ChannelDM, RecipientIDs: []string{u.ID}})
	return c
}

// AddUser adds a user, or returns the existing user with that id.
func (s *Server) AddUser(u User) User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.userLocked(u)
}

func (s *Server) userLocked(u User) *User {
	if u.ID != "" {
		if old := s.users[u.ID]; old != nil {
			return old
		}
	} else {
		u.ID = s.ids.next(s.now())
	}
	if u.Username == "" {
		u.Username = "user" + u.ID
	}
	s.users[u.ID] = &u
	return &u
}

// AddMember adds a member to a guild, creating the user if needed, and returns it.
func (s *Server) AddMember(guildID string, m Member) (Member, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.guilds[guildID]
	if g == nil {
		return Member{}, fmt.Errorf("discordtest: add member: unknown guild %s", guildID)
	}
	m.User = *s.userLocked(m.User)
	if m.Permissions == 0 {
		m.Permissions = DefaultMemberPermissions
	}
	g.members[m.User.ID] = &m
	return m, nil
}

// memberLocked returns the guild member for a user, creating a default member if needed.
func (s *Server) memberLocked(g *guildState, userID string) *Member {
	if m := g.members[userID]; m != nil {
		return m
	}
	u := s.userLocked(User{ID: userID})
	m := &Member{User: *u, Permissions: DefaultMemberPermissions}
	g.members[u.ID] = m
	return m
}
