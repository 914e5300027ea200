package discordtest

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// commandNameRE is Discord's CHAT_INPUT name rule; \p{sc=Deva} and \p{sc=Thai} are Go's
// \p{Devanagari} and \p{Thai}.
var commandNameRE = regexp.MustCompile(`^[-_'\p{L}\p{N}\p{Devanagari}\p{Thai}]{1,32}$`)

// locales are the locale keys Discord accepts in localization dictionaries.
var locales = map[string]bool{}

func init() {
	for _, l := range strings.Fields(`ar bg cs da de el en-GB en-US es-419 es-ES fi fr he hi hr hu id it ja
		ko lt nl no pl pt-BR ro ru sv-SE th tr uk vi zh-CN zh-TW`) {
		locales[l] = true
	}
}

// validChatName reports whether name is a valid slash command or option name: the pattern, and
// lowercase wherever a character has a lowercase form.
func validChatName(name string) bool {
	return commandNameRE.MatchString(name) && strings.ToLower(name) == name
}

func badLength(path string, min, max int) *apiError {
	return formErrorf(path, "BASE_TYPE_BAD_LENGTH", "Must be between %d and %d in length.", min, max)
}

func invalidName(path string) *apiError {
	return formError(path, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }

// validateCommands checks a bulk overwrite against Discord's command rules.
func validateCommands(cmds []Command) *apiError {
	counts := map[int]int{}
	seen := map[string]bool{}
	for i, c := range cmds {
		p := itoa(i) + "."
		counts[c.Type]++
		key := strconv.Itoa(c.Type) + "/" + c.Name
		if seen[key] {
			return formError(p+"name", "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique")
		}
		seen[key] = true
		switch c.Type {
		case CommandChatInput:
			if !validChatName(c.Name) {
				return invalidName(p + "name")
			}
			if n := runeLen(c.Description); n < 1 || n > 100 {
				return badLength(p+"description", 1, 100)
			}
			if err := validateLocalized(p, c.NameLocalizations, c.DescriptionLocalizations, true); err != nil {
				return err
			}
			if err := validateOptions(p+"options", c.Options, 0); err != nil {
				return err
			}
		case CommandUser, CommandMessage:
			if n := runeLen(c.Name); n < 1 || n > 32 {
				return badLength(p+"name", 1, 32)
			}
			if c.Description != "" {
				return formError(p+"description", "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION",
					"Context menu commands cannot have description")
			}
			if len(c.Options) > 0 {
				return formError(p+"options", "APPLICATION_COMMAND_CONTEXT_MENU_OPTIONS",
					"Context menu commands cannot have options")
			}
		case 4:
		default:
			return formError(p+"type", "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4}.")
		}
		for j, ctx := range c.Contexts {
			if ctx < 0 || ctx > 2 {
				return formError(p+"contexts."+itoa(j), "BASE_TYPE_CHOICES", "Value must be one of {0, 1, 2}.")
			}
		}
		for j, it := range c.IntegrationTypes {
			if it < 0 || it > 1 {
				return formError(p+"integration_types."+itoa(j), "BASE_TYPE_CHOICES", "Value must be one of {0, 1}.")
			}
		}
		if commandChars(c) > 8000 {
			return formError(p[:len(p)-1], "APPLICATION_COMMAND_TOO_LARGE", "Command exceeds maximum size (8000)")
		}
	}
	switch {
	case counts[CommandChatInput] > 100:
		return formError("", "APPLICATION_COMMANDS_TOO_MANY", "Maximum number of application commands reached (100)")
	case counts[CommandUser] > 15, counts[CommandMessage] > 15:
		return formError("", "APPLICATION_COMMANDS_TOO_MANY", "Maximum number of context menu commands reached (15)")
	}
	return nil
}

// validateLocalized checks the localization dictionaries of a command, option or choice.
func validateLocalized(p string, names, descs map[string]string, chatName bool) *apiError {
	for loc, v := range names {
		path := p + "name_localizations." + loc
		if !locales[loc] {
			return formErrorf(path, "LOCALE_INVALID", "Invalid locale %q", loc)
		}
		if chatName && !validChatName(v) {
			return invalidName(path)
		}
		if n := runeLen(v); n < 1 || n > 100 {
			return badLength(path, 1, 100)
		}
	}
	for loc, v := range descs {
		path := p + "description_localizations." + loc
		if !locales[loc] {
			return formErrorf(path, "LOCALE_INVALID", "Invalid locale %q", loc)
		}
		if n := runeLen(v); n < 1 || n > 100 {
			return badLength(path, 1, 100)
		}
	}
	return nil
}

// validateOptions checks one level of options; depth 0 is the command's own options.
func validateOptions(p string, opts []CommandOption, depth int) *apiError {
	if len(opts) > 25 {
		return tooLong(p, 25)
	}
	names := map[string]bool{}
	optional := false
	subs := 0
	for i, o := range opts {
		op := p + "." + itoa(i) + "."
		if o.Type < OptionSubCommand || o.Type > OptionAttachment {
			return formError(op+"type", "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}.")
		}
		if !validChatName(o.Name) {
			return invalidName(op + "name")
		}
		if names[o.Name] {
			return formError(op+"name", "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", "Option names must be unique")
		}
		names[o.Name] = true
		if n := runeLen(o.Description); n < 1 || n > 100 {
			return badLength(op+"description", 1, 100)
		}
		if err := validateLocalized(op, o.NameLocalizations, o.DescriptionLocalizations, true); err != nil {
			return err
		}
		isSub := o.Type == OptionSubCommand || o.Type == OptionSubCommandGroup
		if isSub {
			subs++
			if (o.Type == OptionSubCommandGroup && depth > 0) || (o.Type == OptionSubCommand && depth > 1) {
				return formError(op+"type", "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Sub-commands cannot be nested this deep")
			}
			if o.Type == OptionSubCommandGroup {
				for j, sub := range o.Options {
					if sub.Type != OptionSubCommand {
						return formError(op+"options."+itoa(j)+".type", "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
							"Sub-command groups may only contain sub-commands")
					}
				}
			}
			if err := validateOptions(op+"options", o.Options, depth+1); err != nil {
				return err
			}
			continue
		}
		if o.Required && optional {
			return formError(op+"required", "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
				"Required options must be placed before non-required options")
		}
		optional = optional || !o.Required
		if len(o.Options) > 0 {
			return formError(op+"options", "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Only sub-commands can have options")
		}
		if err := validateOptionValues(op, o); err != nil {
			return err
		}
	}
	if subs > 0 && subs != len(opts) {
		return formError(p, "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
			"Sub-command and sub-command group option types are mutually exclusive to all other types")
	}
	return nil
}

// validateOptionValues checks choices, autocomplete and bounds of a value option.
func validateOptionValues(op string, o CommandOption) *apiError {
	valued := o.Type == OptionString || o.Type == OptionInteger || o.Type == OptionNumber
	if len(o.Choices) > 0 && !valued {
		return formError(op+"choices", "APPLICATION_COMMAND_OPTION_CHOICES_INVALID", "This option type cannot have choices")
	}
	if len(o.Choices) > 25 {
		return tooLong(op+"choices", 25)
	}
	if o.Autocomplete && (!valued || len(o.Choices) > 0) {
		return formError(op+"autocomplete", "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID",
			"Autocomplete cannot be set for options with choices or of this type")
	}
	for j, ch := range o.Choices {
		cp := op + "choices." + itoa(j) + "."
		if n := runeLen(ch.Name); n < 1 || n > 100 {
			return badLength(cp+"name", 1, 100)
		}
		if err := validateLocalized(cp, ch.NameLocalizations, nil, false); err != nil {
			return err
		}
		if err := checkChoiceValue(cp+"value", o.Type, ch.Value); err != nil {
			return err
		}
	}
	if (o.MinLength != nil || o.MaxLength != nil) && o.Type != OptionString {
		return formError(op+"min_length", "APPLICATION_COMMAND_OPTION_LENGTH_INVALID", "Only string options have lengths")
	}
	if o.MinLength != nil && (*o.MinLength < 0 || *o.MinLength > 6000) {
		return formError(op+"min_length", "NUMBER_TYPE_MAX", "int value should be between 0 and 6000.")
	}
	if o.MaxLength != nil && (*o.MaxLength < 1 || *o.MaxLength > 6000) {
		return formError(op+"max_length", "NUMBER_TYPE_MAX", "int value should be between 1 and 6000.")
	}
	if (o.MinValue != nil || o.MaxValue != nil) && o.Type != OptionInteger && o.Type != OptionNumber {
		return formError(op+"min_value", "APPLICATION_COMMAND_OPTION_VALUE_INVALID", "Only numeric options have bounds")
	}
	if len(o.ChannelTypes) > 0 && o.Type != OptionChannel {
		return formError(op+"channel_types", "APPLICATION_COMMAND_OPTION_CHANNEL_TYPES_INVALID", "Only channel options have channel types")
	}
	return nil
}

// checkChoiceValue checks that a choice value has the option's type.
func checkChoiceValue(p string, optType int, v any) *apiError {
	switch optType {
	case OptionString:
		s, ok := v.(string)
		if !ok {
			return formError(p, "BASE_TYPE_STRING", "Must be a string.")
		}
		if runeLen(s) > 100 {
			return tooLong(p, 100)
		}
	case OptionInteger:
		f, ok := v.(float64)
		if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53-1 {
			return formError(p, "NUMBER_TYPE_COERCE", "Value is not int.")
		}
	case OptionNumber:
		if _, ok := v.(float64); !ok {
			return formError(p, "NUMBER_TYPE_COERCE", "Value is not float.")
		}
	}
	return nil
}

// commandChars counts a command's name, description, option and choice texts, using the longest
// localization of each, for Discord's 8000-character limit.
func commandChars(c Command) int {
	longest := func(base string, loc map[string]string) int {
		n := runeLen(base)
		for _, v := range loc {
			n = max(n, runeLen(v))
		}
		return n
	}
	var opts func([]CommandOption) int
	opts = func(list []CommandOption) int {
		n := 0
		for _, o := range list {
			n += longest(o.Name, o.NameLocalizations) + longest(o.Description, o.DescriptionLocalizations)
			for _, ch := range o.Choices {
				n += longest(ch.Name, ch.NameLocalizations)
				if s, ok := ch.Value.(string); ok {
					n += runeLen(s)
				}
			}
			n += opts(o.Options)
		}
		return n
	}
	return longest(c.Name, c.NameLocalizations) + longest(c.Description, c.DescriptionLocalizations) + opts(c.Options)
}
