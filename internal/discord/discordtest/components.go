package discordtest

import (
	"encoding/json"
	"unicode/utf8"
)

// Component types.
const (
	ComponentActionRow  = 1
	ComponentButton     = 2
	ComponentStringMenu = 3
)

// component is the part of a message component the fake validates.
type component struct {
	Type       int               `json:"type"`
	Style      int               `json:"style"`
	CustomID   *string           `json:"custom_id"`
	Label      string            `json:"label"`
	URL        string            `json:"url"`
	SKUID      string            `json:"sku_id"`
	Emoji      json.RawMessage   `json:"emoji"`
	Options    []json.RawMessage `json:"options"`
	Components []json.RawMessage `json:"components"`
}

func isSelect(t int) bool { return t == ComponentStringMenu || (t >= 5 && t <= 8) }

// validateComponents checks components: at most five action rows, each with up
// to five buttons or one select menu, custom ids of 1-100 characters unique in the message.
func validateComponents(rows []json.RawMessage) *apiError {
	if len(rows) > maxRows {
		return tooLong("components", maxRows)
	}
	ids := map[string]bool{}
	for i, raw := range rows {
		p := "components." + itoa(i)
		var row component
		if json.Unmarshal(raw, &row) != nil {
			return formError(p, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
		}
		if row.Type != ComponentActionRow {
			return formError(p+".type", "UNION_TYPE_CHOICES", "Value of field \"type\" must be one of (1,).")
		}
		if len(row.Components) == 0 {
			return formError(p+".components", "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length.")
		}
		if len(row.Components) > maxRowButtons {
			return tooLong(p+".components", maxRowButtons)
		}
		for j, craw := range row.Components {
			cp := p + ".components." + itoa(j)
			var c component
			if json.Unmarshal(craw, &c) != nil {
				return formError(cp, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
			}
			if isSelect(c.Type) && len(row.Components) > 1 {
				return formError(cp, "COMPONENT_LAYOUT_WIDTH_EXCEEDED", "The specified component exceeds the maximum width")
			}
			if err := validateComponent(cp, c, ids); err != nil {
				return err
			}
		}
	}
	return nil
}

// validateComponent checks one button or select menu inside an action row.
func validateComponent(p string, c component, ids map[string]bool) *apiError {
	switch {
	case c.Type == ComponentButton:
		if utf8.RuneCountInString(c.Label) > 80 {
			return tooLong(p+".label", 80)
		}
		if c.Label == "" && len(c.Emoji) == 0 {
			return formError(p, "COMPONENT_INVALID_BUTTON", "A button must have a label or an emoji")
		}
		switch c.Style {
		case 1, 2, 3, 4:
			if c.URL != "" {
				return formError(p+".url", "BUTTON_COMPONENT_URL_NOT_ALLOWED", "URL not allowed for this button style")
			}
			return checkCustomID(p, c.CustomID, ids)
		case 5:
			if c.URL == "" {
				return formError(p+".url", "BASE_TYPE_REQUIRED", "This field is required")
			}
			if c.CustomID != nil {
				return formError(p+".custom_id", "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED", "A custom id is not allowed for link buttons")
			}
		case 6:
			if c.SKUID == "" {
				return formError(p+".sku_id", "BASE_TYPE_REQUIRED", "This field is required")
			}
		default:
			return formError(p+".style", "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4, 5, 6}.")
		}
	case isSelect(c.Type):
		if c.Type == ComponentStringMenu && (len(c.Options) == 0 || len(c.Options) > 25) {
			return formError(p+".options", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 25 in length.")
		}
		return checkCustomID(p, c.CustomID, ids)
	default:
		return formError(p+".type", "COMPONENT_TYPE_INVALID", "Component type is not allowed in messages")
	}
	return nil
}

func checkCustomID(p string, id *string, ids map[string]bool) *apiError {
	switch {
	case id == nil || *id == "":
		return formError(p+".custom_id", "BASE_TYPE_REQUIRED", "This field is required")
	case utf8.RuneCountInString(*id) > maxCustomID:
		return tooLong(p+".custom_id", maxCustomID)
	case ids[*id]:
		return formError(p+".custom_id", "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated")
	}
	ids[*id] = true
	return nil
}

// findComponent returns the type of the component with customID in a message's components.
func findComponent(comps []json.RawMessage, customID string) (int, bool) {
	for _, raw := range comps {
		var c component
		if json.Unmarshal(raw, &c) != nil {
			continue
		}
		if c.CustomID != nil && *c.CustomID == customID {
			return c.Type, true
		}
		if t, ok := findComponent(c.Components, customID); ok {
			return t, true
		}
	}
	return 0, false
}
