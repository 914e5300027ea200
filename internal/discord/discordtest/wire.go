package discordtest

import (
	"strconv"
	"time"
)

// This file renders the fake's world as Discord's JSON objects.

func userJSON(u User) map[string]any {
	var global any
	if u.GlobalName != "" {
		global = u.GlobalName
	}
	return map[string]any{"id": u.ID, "username": u.Username, "discriminator": "0", "global_name": global,
		"avatar": nil, "bot": u.Bot, "public_flags": 0}
}

// memberJSON returns the member object; withUser adds the user field (omitted in resolved data).
func memberJSON(m *Member, joined time.Time, withUser bool) map[string]any {
	roles := m.Roles
	if roles == nil {
		roles = []string{}
	}
	var nick any
	if m.Nick != "" {
		nick = m.Nick
	}
	out := map[string]any{"roles": roles, "nick": nick, "avatar": nil, "joined_at": timestamp(joined),
		"premium_since": nil, "deaf": false, "mute": false, "flags": 0, "pending": false,
		"permissions": strconv.FormatInt(m.Permissions, 10), "communication_disabled_until": nil}
	if withUser {
		out["user"] = userJSON(m.User)
	}
	return out
}

func (s *Server) channelJSONLocked(c *channelState) map[string]any {
	out := map[string]any{"id": c.ID, "type": c.Type, "flags": 0, "last_message_id": nil}
	if c.GuildID != "" {
		out["guild_id"] = c.GuildID
		out["name"] = c.Name
		out["position"] = 0
		out["permission_overwrites"] = []any{}
		out["nsfw"] = false
		out["topic"] = nil
		out["rate_limit_per_user"] = 0
		out["parent_id"] = nil
	} else {
		var rs []any
		for _, id := range c.RecipientIDs {
			rs = append(rs, userJSON(*s.userLocked(User{ID: id})))
		}
		out["recipients"] = rs
		if c.Type == ChannelGroupDM {
			out["name"] = c.Name
		}
	}
	return out
}

// guildCreateLocked returns the GUILD_CREATE payload of a guild the bot is in.
func (s *Server) guildCreateLocked(guildID string) map[string]any {
	g := s.guilds[guildID]
	roles := []any{map[string]any{"id": g.ID, "name": "@everyone", "permissions": strconv.FormatInt(DefaultMemberPermissions, 10),
		"position": 0, "color": 0, "hoist": false, "managed": false, "mentionable": false, "flags": 0}}
	seen := map[string]bool{g.ID: true}
	members := []any{memberJSON(&Member{User: User{ID: s.opts.BotUserID, Username: s.opts.BotUsername, Bot: true},
		Permissions: DefaultBotPermissions}, g.joinedAt, true)}
	for _, m := range g.members {
		members = append(members, memberJSON(m, g.joinedAt, true))
		for _, r := range m.Roles {
			if !seen[r] {
				seen[r] = true
				roles = append(roles, map[string]any{"id": r, "name": "role-" + r, "permissions": "0", "position": 1,
					"color": 0, "hoist": false, "managed": false, "mentionable": false, "flags": 0})
			}
		}
	}
	channels := []any{}
	for _, c := range s.channels {
		if c.GuildID == g.ID && c.Type != ChannelPublicThread {
			channels = append(channels, s.channelJSONLocked(c))
		}
	}
	var owner any
	if g.OwnerID != "" {
		owner = g.OwnerID
	}
	return map[string]any{"id": g.ID, "name": g.Name, "icon": nil, "owner_id": owner, "unavailable": false,
		"joined_at": timestamp(g.joinedAt), "large": false, "member_count": len(members), "preferred_locale": g.PreferredLocale,
		"roles": roles, "members": members, "channels": channels, "threads": []any{}, "emojis": []any{},
		"stickers": []any{}, "voice_states": []any{}, "presences": []any{}, "features": []any{},
		"verification_level": 0, "default_message_notifications": 0, "explicit_content_filter": 0,
		"mfa_level": 0, "premium_tier": 0, "nsfw_level": 0, "system_channel_id": nil, "application_id": nil}
}

// timestamp formats t as Discord does: ISO 8601 with microseconds and an explicit offset.
func timestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000+00:00")
}

// guildCreate is the GUILD_CREATE payload of one guild sent after READY.
type guildCreate struct {
	id      string
	payload map[string]any
}

// readyPayload returns the READY payload of a new session, without its guilds, and the
// GUILD_CREATE payloads of the guilds the bot is in.
func (s *Server) readyPayload(version int, sess *session) (map[string]any, []guildCreate) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var creates []guildCreate
	for _, g := range s.guilds {
		if !g.BotAbsent {
			creates = append(creates, guildCreate{id: g.ID, payload: s.guildCreateLocked(g.ID)})
		}
	}
	user := s.botUser()
	user["verified"] = true
	user["mfa_enabled"] = true
	user["email"] = nil
	ready := map[string]any{
		"v": version, "user": user, "session_id": sess.id, "session_type": "normal",
		"resume_gateway_url": s.GatewayURL(), "application": map[string]any{"id": s.opts.AppID, "flags": 0},
		"private_channels": []any{}, "presences": []any{}, "relationships": []any{}, "guild_join_requests": []any{},
		"user_settings": map[string]any{}, "auth": map[string]any{}, "_trace": []string{"[\"discordtest\"]"},
	}
	if sess.shard[1] > 1 {
		ready["shard"] = sess.shard
	}
	return ready, creates
}
