package discordtest

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
)

// Application command types.
const (
	CommandChatInput = 1
	CommandUser      = 2
	CommandMessage   = 3
)

// Command option types.
const (
	OptionSubCommand      = 1
	OptionSubCommandGroup = 2
	OptionString          = 3
	OptionInteger         = 4
	OptionBoolean         = 5
	OptionUser            = 6
	OptionChannel         = 7
	OptionRole            = 8
	OptionMentionable     = 9
	OptionNumber          = 10
	OptionAttachment      = 11
)

// Command is a registered application command, as Discord returns it.
type Command struct {
	ID                       string            `json:"id"`
	ApplicationID            string            `json:"application_id"`
	GuildID                  string            `json:"guild_id,omitempty"`
	Version                  string            `json:"version"`
	Type                     int               `json:"type"`
	Name                     string            `json:"name"`
	NameLocalizations        map[string]string `json:"name_localizations,omitempty"`
	Description              string            `json:"description"`
	DescriptionLocalizations map[string]string `json:"description_localizations,omitempty"`
	Options                  []CommandOption   `json:"options,omitempty"`
	// DefaultMemberPermissions is the permission bit set as a decimal string, nil for everyone.
	DefaultMemberPermissions *string `json:"default_member_permissions"`
	DMPermission             *bool   `json:"dm_permission,omitempty"`
	Contexts                 []int   `json:"contexts"`
	IntegrationTypes         []int   `json:"integration_types"`
	NSFW                     bool    `json:"nsfw"`
}

// CommandOption is an option of a command (or of a subcommand).
type CommandOption struct {
	Type                     int               `json:"type"`
	Name                     string            `json:"name"`
	NameLocalizations        map[string]string `json:"name_localizations,omitempty"`
	Description              string            `json:"description"`
	DescriptionLocalizations map[string]string `json:"description_localizations,omitempty"`
	Required                 bool              `json:"required,omitempty"`
	Choices                  []CommandChoice   `json:"choices,omitempty"`
	Options                  []CommandOption   `json:"options,omitempty"`
	ChannelTypes             []int             `json:"channel_types,omitempty"`
	MinValue                 *float64          `json:"min_value,omitempty"`
	MaxValue                 *float64          `json:"max_value,omitempty"`
	MinLength                *int              `json:"min_length,omitempty"`
	MaxLength                *int              `json:"max_length,omitempty"`
	Autocomplete             bool              `json:"autocomplete,omitempty"`
}

// CommandChoice is a predefined choice of a string, integer or number option.
type CommandChoice struct {
	Name              string            `json:"name"`
	NameLocalizations map[string]string `json:"name_localizations,omitempty"`
	Value             any               `json:"value"`
}

// commandIn is a command in a request; default_member_permissions may be a string or a number.
type commandIn struct {
	Command
	DefaultMemberPermissions json.RawMessage `json:"default_member_permissions"`
}

// Commands returns the registered commands of a guild, or the global commands for "".
func (s *Server) Commands(guildID string) []Command {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Command, 0, len(s.commands[guildID]))
	for _, c := range s.commands[guildID] {
		out = append(out, *c)
	}
	return out
}

// commandScopeLocked checks the application and guild of a commands route.
func (s *Server) commandScopeLocked(rq *request) (string, *apiError) {
	if rq.param("application_id") != s.opts.AppID {
		return "", errCode(CodeMissingAccess)
	}
	guildID := rq.param("guild_id")
	if rq.route.name == RoutePutGuildCommands {
		g := s.guilds[guildID]
		if g == nil {
			return "", errCode(CodeUnknownGuild)
		}
		if g.BotAbsent {
			return "", errCode(CodeMissingAccess)
		}
	}
	return guildID, nil
}

func (s *Server) handlePutCommands(rq *request) (int, any, error) {
	body, rerr := io.ReadAll(http.MaxBytesReader(nil, rq.r.Body, s.opts.MaxRequestSize))
	if rerr != nil {
		return 0, nil, readErr(rerr)
	}
	rq.call.Payload = body
	var in []commandIn
	if err := json.Unmarshal(body, &in); err != nil {
		return 0, nil, errCode(CodeInvalidJSON)
	}
	cmds := make([]Command, len(in))
	for i, c := range in {
		cmds[i] = c.Command
		if cmds[i].Type == 0 {
			cmds[i].Type = CommandChatInput
		}
		perm, err := parsePermissions(c.DefaultMemberPermissions)
		if err != nil {
			return 0, nil, formError(itoa(i)+".default_member_permissions", "NUMBER_TYPE_COERCE", "Value is not int.")
		}
		cmds[i].DefaultMemberPermissions = perm
	}
	if err := validateCommands(cmds); err != nil {
		return 0, nil, err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	guildID, err := s.commandScopeLocked(rq)
	if err != nil {
		return 0, nil, err
	}
	old := s.commands[guildID]
	stored := make([]*Command, 0, len(cmds))
	for _, c := range cmds {
		c.ApplicationID = s.opts.AppID
		c.GuildID = guildID
		if c.Contexts == nil && guildID == "" {
			c.Contexts = []int{0, 1, 2}
		}
		if c.IntegrationTypes == nil {
			c.IntegrationTypes = []int{0}
		}
		// Discord keeps the id of a command overwritten with the same name and type.
		i := slices.IndexFunc(old, func(o *Command) bool { return o.Name == c.Name && o.Type == c.Type })
		if i >= 0 {
			c.ID = old[i].ID
		} else {
			c.ID = s.ids.next(rq.now)
		}
		c.Version = s.ids.next(rq.now)
		stored = append(stored, &c)
	}
	s.commands[guildID] = stored
	out := make([]Command, len(stored))
	for i, c := range stored {
		out[i] = *c
	}
	return http.StatusOK, out, nil
}

// parsePermissions accepts a permission set given as a decimal string or a number.
func parsePermissions(raw json.RawMessage) (*string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var str string
	if json.Unmarshal(raw, &str) != nil {
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return nil, err
		}
		str = n.String()
	}
	v, err := strconv.ParseUint(str, 10, 64)
	if err != nil {
		return nil, err
	}
	out := strconv.FormatUint(v, 10)
	return &out, nil
}
