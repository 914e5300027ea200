package telegramtest

import (
	"net/http"
	"sort"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Length limits, in UTF-16 code units after entity parsing.
const (
	maxTextLen    = 4096
	maxCaptionLen = 1024
)

// formatted is text with its entities after parse-mode parsing.
type formatted struct {
	text     string
	entities []Entity
}

// parseFormatted turns a text or caption parameter into Telegram's stored
// form: explicit entities win over parse_mode, the parse mode is applied,
// surrounding white space is trimmed, and the length limit is checked.
func parseFormatted(source, parseMode, entitiesJSON string, caption bool) (formatted, *apiError) {
	if !utf8.ValidString(source) {
		return formatted{}, badRequest("strings must be encoded in UTF-8")
	}
	var f formatted
	switch {
	case entitiesJSON != "":
		var ents []Entity
		if err := decodeJSON(entitiesJSON, &ents); err != nil {
			return f, badRequest("can't parse entities JSON object")
		}
		n := utf16Len(source)
		for _, e := range ents {
			if e.Offset < 0 || e.Length <= 0 || e.Offset+e.Length > n {
				return f, badRequest("can't parse entities: entity beyond the end of the text")
			}
		}
		f = formatted{text: source, entities: ents}
	case parseMode == "":
		f = formatted{text: source}
	default:
		var err error
		switch strings.ToLower(parseMode) { // Telegram ignores the case
		case "html":
			f, err = parseHTML(source)
		case "markdownv2", "markdown":
			// The bot sends HTML only, so the fake has no Markdown parser.
			return f, &apiError{code: http.StatusNotImplemented,
				desc: "Not Implemented: telegramtest does not support parse_mode " + parseMode + " (the bot sends HTML)"}
		default:
			return f, badRequest("unsupported parse_mode")
		}
		if err != nil {
			return f, badRequest("can't parse entities: %s", err.Error())
		}
	}
	f = trimFormatted(f)
	n := utf16Len(f.text)
	switch {
	case caption && n > maxCaptionLen:
		return f, badRequest("message caption is too long")
	case !caption && n == 0:
		return f, badRequest("message text is empty")
	case !caption && n > maxTextLen:
		return f, badRequest("message is too long")
	}
	return f, nil
}

// trimFormatted removes leading and trailing white space as Telegram does,
// moving and clipping the entities, and sorts them by offset.
func trimFormatted(f formatted) formatted {
	start := 0
	for start < len(f.text) {
		r, size := utf8.DecodeRuneInString(f.text[start:])
		if !unicode.IsSpace(r) {
			break
		}
		start += size
	}
	end := len(f.text)
	for end > start {
		r, size := utf8.DecodeLastRuneInString(f.text[:end])
		if !unicode.IsSpace(r) {
			break
		}
		end -= size
	}
	shift := utf16Len(f.text[:start])
	text := f.text[start:end]
	n := utf16Len(text)
	var ents []Entity
	for _, e := range f.entities {
		from := max(e.Offset-shift, 0)
		to := min(e.Offset+e.Length-shift, n)
		if to <= from {
			continue
		}
		e.Offset, e.Length = from, to-from
		ents = append(ents, e)
	}
	sort.SliceStable(ents, func(i, j int) bool {
		if ents[i].Offset != ents[j].Offset {
			return ents[i].Offset < ents[j].Offset
		}
		return ents[i].Length > ents[j].Length
	})
	return formatted{text: text, entities: ents}
}

// utf16Len counts UTF-16 code units, the unit of Telegram's lengths and offsets.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// isWordRune reports letters, digits and '_', the characters that glue a
// bot command to its neighbours.
func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// botCommandEntities finds /command and /command@bot like Telegram does
// for incoming messages.
func botCommandEntities(text string) []Entity {
	var ents []Entity
	runes := []rune(text)
	offset16 := func(i int) int { return utf16Len(string(runes[:i])) }
	isCmd := func(r rune) bool {
		return r < 128 && (r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r))
	}
	for i := 0; i < len(runes); i++ {
		if runes[i] != '/' {
			continue
		}
		if i > 0 {
			if p := runes[i-1]; isWordRune(p) || p == '/' || p == '<' || p == '>' {
				continue
			}
		}
		j := i + 1
		for j < len(runes) && isCmd(runes[j]) {
			j++
		}
		if j == i+1 || j-i-1 > 64 {
			continue
		}
		end := j
		if j < len(runes) && runes[j] == '@' {
			k := j + 1
			for k < len(runes) && isCmd(runes[k]) {
				k++
			}
			if n := k - j - 1; n >= 3 && n <= 32 {
				end = k
			}
		}
		if end < len(runes) {
			if n := runes[end]; isWordRune(n) || n == '/' || n == '<' || n == '>' || n == '@' {
				continue
			}
		}
		ents = append(ents, Entity{Type: "bot_command", Offset: offset16(i), Length: offset16(end) - offset16(i)})
		i = end - 1
	}
	return ents
}
