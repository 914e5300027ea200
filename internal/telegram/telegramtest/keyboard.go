package telegramtest

import (
	"encoding/json"
	"net/url"
)

// buttonActions are the InlineKeyboardButton fields of which exactly one
// must be set.
var buttonActions = []string{
	"url", "callback_data", "web_app", "login_url", "switch_inline_query",
	"switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
	"copy_text", "callback_game", "pay",
}

// parseReplyMarkup reads a reply_markup parameter (already checked against
// the spec). It returns the inline keyboard, or nil for no keyboard or for
// the other reply markups, which the fake accepts but does not keep.
func parseReplyMarkup(raw string) ([][]Button, *apiError) {
	if raw == "" {
		return nil, nil
	}
	var markup map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &markup); err != nil {
		return nil, badRequest("can't parse reply keyboard markup JSON object")
	}
	rowsRaw, ok := markup["inline_keyboard"]
	if !ok {
		return nil, nil
	}
	var rows [][]map[string]json.RawMessage
	if err := json.Unmarshal(rowsRaw, &rows); err != nil {
		return nil, badRequest("can't parse inline keyboard: field \"inline_keyboard\" must be an Array of Arrays")
	}
	var kb [][]Button
	for _, row := range rows {
		var out []Button
		for _, fields := range row {
			b, err := parseButton(fields)
			if err != nil {
				return nil, err
			}
			out = append(out, b)
		}
		if len(out) > 0 {
			kb = append(kb, out)
		}
	}
	if len(kb) == 0 {
		return nil, nil // an empty keyboard removes the keyboard
	}
	return kb, nil
}

func parseButton(fields map[string]json.RawMessage) (Button, *apiError) {
	var b Button
	if err := json.Unmarshal(fields["text"], &b.Text); err != nil {
		return b, badRequest("can't parse inline keyboard button: Field \"text\" must be of type String")
	}
	actions := 0
	for _, name := range buttonActions {
		if v, ok := fields[name]; ok && string(v) != "null" && (name != "pay" || string(v) == "true") {
			actions++
		}
	}
	if actions == 0 {
		return b, badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
	}
	if actions > 1 {
		return b, badRequest("can't parse inline keyboard button: exactly one of the optional fields must be used")
	}
	if v, ok := fields["callback_data"]; ok && string(v) != "null" {
		if err := json.Unmarshal(v, &b.CallbackData); err != nil {
			return b, badRequest("can't parse inline keyboard button: Field \"callback_data\" must be of type String")
		}
		if n := len(b.CallbackData); n < 1 || n > 64 {
			return b, badRequest("BUTTON_DATA_INVALID")
		}
	}
	if v, ok := fields["url"]; ok && string(v) != "null" {
		if err := json.Unmarshal(v, &b.URL); err != nil {
			return b, badRequest("can't parse inline keyboard button: Field \"url\" must be of type String")
		}
		u, err := url.Parse(b.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "tg") || (u.Scheme != "tg" && u.Host == "") {
			return b, badRequest("BUTTON_URL_INVALID")
		}
	}
	return b, nil
}
