package telegramtest

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// htmlEntityTypes maps the tags Telegram supports to entity types.
var htmlEntityTypes = map[string]string{
	"b": "bold", "strong": "bold",
	"i": "italic", "em": "italic",
	"u": "underline", "ins": "underline",
	"s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
	"span": "spoiler", "tg-spoiler": "spoiler",
	"a":          "text_link",
	"code":       "code",
	"pre":        "pre",
	"blockquote": "blockquote",
	"tg-emoji":   "custom_emoji",
}

type htmlOpenTag struct {
	name   string
	entity Entity
	start  int // UTF-16 offset where the tag's content starts
}

// parseHTML implements parse_mode HTML after tdlib's parser, with its error
// texts. It is stricter than Telegram in one way, on purpose: a '>' or '&'
// that is not part of a tag or of one of the supported entities (&lt; &gt;
// &amp; &quot; and numeric ones) is an error, because it reveals missing
// escaping.
func parseHTML(s string) (formatted, error) {
	var out strings.Builder
	off := 0
	var stack []htmlOpenTag
	var ents []Entity
	for i := 0; i < len(s); {
		switch s[i] {
		case '&':
			r, n, err := htmlEntity(s, i)
			if err != nil {
				return formatted{}, err
			}
			out.WriteRune(r)
			off += utf16.RuneLen(r)
			i += n
		case '>':
			return formatted{}, parseErrorf("Unescaped \">\" at byte offset %d: use \"&gt;\"", i)
		case '<':
			begin := i
			if i+1 < len(s) && s[i+1] == '/' {
				name, next, err := htmlEndTag(s, i)
				if err != nil {
					return formatted{}, err
				}
				if len(stack) == 0 {
					return formatted{}, parseErrorf("Unexpected end tag at byte offset %d", begin)
				}
				top := stack[len(stack)-1]
				if name != top.name {
					return formatted{}, parseErrorf("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", begin, top.name, name)
				}
				stack = stack[:len(stack)-1]
				i = next
				e := top.entity
				if top.name == "code" && e.Language != "" && len(stack) > 0 {
					if parent := &stack[len(stack)-1]; parent.name == "pre" && parent.start == top.start {
						parent.entity.Language = e.Language
						continue
					}
				}
				e.Language = ""
				if top.name == "pre" {
					e.Language = top.entity.Language
				}
				if off > top.start && e.Type != "" {
					e.Offset, e.Length = top.start, off-top.start
					ents = append(ents, e)
				}
				continue
			}
			tag, next, err := htmlStartTag(s, i)
			if err != nil {
				return formatted{}, err
			}
			tag.start = off
			stack = append(stack, tag)
			i = next
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			out.WriteString(s[i : i+size])
			off += utf16.RuneLen(r)
			i += size
		}
	}
	if len(stack) > 0 {
		return formatted{}, parseErrorf("Can't find end tag corresponding to start tag \"%s\"", stack[len(stack)-1].name)
	}
	return formatted{text: out.String(), entities: ents}, nil
}

// entityParseError is a parse-mode error; its text follows "Bad Request:
// can't parse entities: " and mimics tdlib's wording, capital letter included.
type entityParseError struct{ msg string }

func (e *entityParseError) Error() string { return e.msg }

func parseErrorf(format string, args ...any) error {
	return &entityParseError{msg: fmt.Sprintf(format, args...)}
}

func isHTMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

// htmlStartTag parses the tag starting at s[begin] == '<'.
func htmlStartTag(s string, begin int) (htmlOpenTag, int, error) {
	i := begin + 1
	for i < len(s) && !isHTMLSpace(s[i]) && s[i] != '>' {
		i++
	}
	name := strings.ToLower(s[begin+1 : i])
	typ, ok := htmlEntityTypes[name]
	if !ok {
		return htmlOpenTag{}, 0, parseErrorf("Unsupported start tag \"%s\" at byte offset %d", name, begin)
	}
	attrs := map[string]string{}
	for {
		for i < len(s) && isHTMLSpace(s[i]) {
			i++
		}
		if i >= len(s) {
			return htmlOpenTag{}, 0, parseErrorf("Unclosed start tag at byte offset %d", begin)
		}
		if s[i] == '>' {
			i++
			break
		}
		as := i
		for i < len(s) && !isHTMLSpace(s[i]) && s[i] != '=' && s[i] != '>' {
			i++
		}
		attr := strings.ToLower(s[as:i])
		if attr == "" {
			return htmlOpenTag{}, 0, parseErrorf("Empty attribute name in the tag \"%s\" at byte offset %d", name, begin)
		}
		for i < len(s) && isHTMLSpace(s[i]) {
			i++
		}
		value := ""
		if i < len(s) && s[i] == '=' {
			i++
			for i < len(s) && isHTMLSpace(s[i]) {
				i++
			}
			if i >= len(s) {
				return htmlOpenTag{}, 0, parseErrorf("Unclosed start tag at byte offset %d", begin)
			}
			if q := s[i]; q == '"' || q == '\'' {
				end := strings.IndexByte(s[i+1:], q)
				if end < 0 {
					return htmlOpenTag{}, 0, parseErrorf("Unclosed start tag at byte offset %d", begin)
				}
				raw := s[i+1 : i+1+end]
				v, err := decodeHTMLText(raw, i+1)
				i += end + 2
				if err != nil {
					return htmlOpenTag{}, 0, err
				}
				value = v
			} else {
				vs := i
				for i < len(s) && !isHTMLSpace(s[i]) && s[i] != '>' {
					i++
				}
				value = s[vs:i]
			}
		}
		if _, dup := attrs[attr]; !dup {
			attrs[attr] = value
		}
	}
	e := Entity{Type: typ}
	switch name {
	case "span":
		if attrs["class"] != "tg-spoiler" {
			return htmlOpenTag{}, 0, parseErrorf("Tag \"span\" must have class \"tg-spoiler\" at byte offset %d", begin)
		}
	case "a":
		e.URL = attrs["href"]
		if e.URL == "" {
			e.Type = "" // Telegram keeps the text without a link
		}
	case "code":
		e.Language, _ = strings.CutPrefix(attrs["class"], "language-")
		if e.Language == attrs["class"] {
			e.Language = ""
		}
	case "blockquote":
		if _, ok := attrs["expandable"]; ok {
			e.Type = "expandable_blockquote"
		}
	case "tg-emoji":
		e.CustomEmojiID = attrs["emoji-id"]
		if e.CustomEmojiID == "" {
			return htmlOpenTag{}, 0, parseErrorf("Tag \"tg-emoji\" must have attribute \"emoji-id\" at byte offset %d", begin)
		}
	}
	return htmlOpenTag{name: name, entity: e}, i, nil
}

// htmlEndTag parses "</name>" starting at s[begin] == '<'.
func htmlEndTag(s string, begin int) (string, int, error) {
	i := begin + 2
	for i < len(s) && !isHTMLSpace(s[i]) && s[i] != '>' {
		i++
	}
	name := strings.ToLower(s[begin+2 : i])
	for i < len(s) && isHTMLSpace(s[i]) {
		i++
	}
	if i >= len(s) || s[i] != '>' {
		return "", 0, parseErrorf("Unclosed end tag at byte offset %d", begin)
	}
	return name, i + 1, nil
}

// htmlEntity decodes the character reference at s[i] == '&' and returns the
// rune and the reference's length.
func htmlEntity(s string, i int) (rune, int, error) {
	end := strings.IndexByte(s[i:], ';')
	name := ""
	if end > 1 {
		name = s[i+1 : i+end]
	}
	valid := name != "" && len(name) <= 10 && strings.Trim(name, "#abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == ""
	if !valid {
		return 0, 0, parseErrorf("Unescaped \"&\" at byte offset %d: use \"&amp;\"", i)
	}
	switch name {
	case "lt":
		return '<', end + 1, nil
	case "gt":
		return '>', end + 1, nil
	case "amp":
		return '&', end + 1, nil
	case "quot":
		return '"', end + 1, nil
	}
	if num, ok := strings.CutPrefix(name, "#"); ok {
		base := 10
		if hex, ok := strings.CutPrefix(strings.ToLower(num), "x"); ok {
			num, base = hex, 16
		}
		if n, err := strconv.ParseUint(num, base, 32); err == nil && n > 0 && utf8.ValidRune(rune(n)) {
			return rune(n), end + 1, nil
		}
	}
	return 0, 0, parseErrorf("Unsupported HTML entity \"&%s;\" at byte offset %d: only &lt; &gt; &amp; &quot; and numeric entities are supported", name, i)
}

// decodeHTMLText decodes the character references of an attribute value
// that starts at byte offset base of the message.
func decodeHTMLText(s string, base int) (string, error) {
	if !strings.Contains(s, "&") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '&' {
			b.WriteByte(s[i])
			i++
			continue
		}
		r, n, err := htmlEntity(s, i)
		if err != nil {
			return "", parseErrorf("%s (in an attribute value at byte offset %d)", err.Error(), base)
		}
		b.WriteRune(r)
		i += n
	}
	return b.String(), nil
}
