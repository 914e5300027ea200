package telegramtest

import (
	"strings"
)

// mdTypeNames are tdlib's names of entity types, used in its error texts.
var mdTypeNames = map[string]string{
	"bold": "Bold", "italic": "Italic", "underline": "Underline", "strikethrough": "Strikethrough",
	"spoiler": "Spoiler", "text_link": "TextUrl", "code": "Code", "pre": "Pre", "custom_emoji": "CustomEmoji",
}

type mdOpen struct {
	typ       string
	language  string
	off       int // UTF-16 offset of the entity's text
	byteOff   int // byte offset of the opening mark, for errors
	resultPos int // byte offset in the output, for [text] links without URL
}

// parseMarkdownV2 implements parse_mode MarkdownV2 after tdlib's parser:
// reserved characters outside entities must be escaped with '\', and every
// entity must be closed.
func parseMarkdownV2(s string) (formatted, error) {
	at := func(i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	var out []byte
	off := 0
	var stack []mdOpen
	var ents []Entity
	quoteStart := -1
	inCode := func() bool {
		return len(stack) > 0 && (stack[len(stack)-1].typ == "code" || stack[len(stack)-1].typ == "pre")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && at(i+1) > 0 && at(i+1) <= 126 {
			i++
			out = append(out, s[i])
			off++
			continue
		}
		if c == '>' && !inCode() && (i == 0 || s[i-1] == '\n') {
			if quoteStart < 0 {
				quoteStart = off
			}
			continue
		}
		if c == '\n' && quoteStart >= 0 && at(i+1) != '>' {
			if off > quoteStart {
				ents = append(ents, Entity{Type: "blockquote", Offset: quoteStart, Length: off - quoteStart})
			}
			quoteStart = -1
		}
		reserved := "_*[]()~`>#+-=|{}.!"
		if inCode() {
			reserved = "`"
		}
		if strings.IndexByte(reserved, c) < 0 {
			out = append(out, c)
			if c&0xC0 != 0x80 {
				off++
				if c >= 0xF0 {
					off++ // a 4-byte sequence is a surrogate pair in UTF-16
				}
			}
			continue
		}
		isEnd := false
		if len(stack) > 0 {
			switch stack[len(stack)-1].typ {
			case "bold":
				isEnd = c == '*'
			case "italic":
				isEnd = c == '_' && at(i+1) != '_'
			case "code":
				isEnd = c == '`'
			case "pre":
				isEnd = c == '`' && at(i+1) == '`' && at(i+2) == '`'
			case "text_link", "custom_emoji":
				isEnd = c == ']'
			case "underline":
				isEnd = c == '_' && at(i+1) == '_'
			case "strikethrough":
				isEnd = c == '~'
			case "spoiler":
				isEnd = c == '|' && at(i+1) == '|'
			}
		}
		if !isEnd {
			open := mdOpen{byteOff: i}
			switch c {
			case '_':
				open.typ = "italic"
				if at(i+1) == '_' {
					open.typ = "underline"
					i++
				}
			case '*':
				open.typ = "bold"
			case '~':
				open.typ = "strikethrough"
			case '|':
				if at(i+1) != '|' {
					return formatted{}, reservedError(c)
				}
				i++
				open.typ = "spoiler"
			case '[':
				open.typ = "text_link"
			case '`':
				open.typ = "code"
				if at(i+1) == '`' && at(i+2) == '`' {
					open.typ = "pre"
					i += 3
					le := i
					for le < len(s) && !isHTMLSpace(s[le]) && s[le] != '`' {
						le++
					}
					if i != le && le < len(s) && s[le] != '`' {
						open.language = s[i:le]
						i = le
					}
					if at(i) == '\n' || at(i) == '\r' {
						if (at(i+1) == '\n' || at(i+1) == '\r') && at(i) != at(i+1) {
							i += 2
						} else {
							i++
						}
					}
					i--
				}
			case '!':
				if at(i+1) != '[' {
					return formatted{}, reservedError(c)
				}
				i++
				open.typ = "custom_emoji"
			default:
				return formatted{}, reservedError(c)
			}
			open.off, open.resultPos = off, len(out)
			stack = append(stack, open)
			continue
		}
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		e := Entity{Type: top.typ, Language: top.language}
		switch top.typ {
		case "underline", "spoiler":
			i++
		case "pre":
			i += 2
		case "text_link", "custom_emoji":
			url := string(out[top.resultPos:])
			if at(i+1) == '(' {
				i += 2
				begin := i
				var u []byte
				for i < len(s) && s[i] != ')' {
					if s[i] == '\\' && at(i+1) > 0 && at(i+1) <= 126 {
						u = append(u, s[i+1])
						i += 2
						continue
					}
					u = append(u, s[i])
					i++
				}
				if at(i) != ')' {
					return formatted{}, parseErrorf("Can't find end of a URL at byte offset %d", begin)
				}
				url = string(u)
			}
			if top.typ == "custom_emoji" {
				id, ok := strings.CutPrefix(url, "tg://emoji?id=")
				if !ok || id == "" {
					return formatted{}, parseErrorf("Custom emoji entity must contain a tg://emoji URL")
				}
				e.CustomEmojiID = id
			} else {
				e.URL = url
			}
		}
		if off > top.off {
			e.Offset, e.Length = top.off, off-top.off
			ents = append(ents, e)
		}
	}
	if len(stack) > 0 {
		top := stack[len(stack)-1]
		name := mdTypeNames[top.typ]
		if top.typ == "pre" && top.language != "" {
			name = "PreCode"
		}
		return formatted{}, parseErrorf("Can't find end of %s entity at byte offset %d", name, top.byteOff)
	}
	if quoteStart >= 0 && off > quoteStart {
		ents = append(ents, Entity{Type: "blockquote", Offset: quoteStart, Length: off - quoteStart})
	}
	return formatted{text: string(out), entities: ents}, nil
}

func reservedError(c byte) error {
	return parseErrorf("Character '%c' is reserved and must be escaped with the preceding '\\'", c)
}

// parseMarkdown implements the legacy parse_mode Markdown: *bold*,
// _italic_, `code`, ```pre```, [text](url); only '_', '*', '`' and '[' can
// be escaped, and an unclosed entity is an error.
func parseMarkdown(s string) (formatted, error) {
	at := func(i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	var out []byte
	off := 0
	var ents []Entity
	emit := func(c byte) {
		out = append(out, c)
		if c&0xC0 != 0x80 {
			off++
			if c >= 0xF0 {
				off++
			}
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && strings.IndexByte("_*`[", at(i+1)) >= 0 && at(i+1) != 0 {
			i++
			emit(s[i])
			continue
		}
		if strings.IndexByte("_*`[", c) < 0 {
			emit(c)
			continue
		}
		begin := i
		end := c
		if c == '[' {
			end = ']'
		}
		i++
		isPre, language := false, ""
		if c == '`' && at(i) == '`' && at(i+1) == '`' {
			isPre = true
			i += 2
			le := i
			for le < len(s) && s[le] != '\n' && s[le] != '`' {
				le++
			}
			if le < len(s) && s[le] == '\n' {
				language = strings.TrimSpace(s[i:le])
				i = le + 1
			}
		}
		start := off
		for i < len(s) && (s[i] != end || (isPre && !(at(i+1) == '`' && at(i+2) == '`'))) {
			emit(s[i])
			i++
		}
		if i >= len(s) {
			return formatted{}, parseErrorf("Can't find end of the entity starting at byte offset %d", begin)
		}
		if isPre {
			i += 2
		}
		e := Entity{}
		switch c {
		case '*':
			e.Type = "bold"
		case '_':
			e.Type = "italic"
		case '`':
			e.Type = "code"
			if isPre {
				e.Type, e.Language = "pre", language
			}
		case '[':
			if at(i+1) == '(' {
				j := strings.IndexByte(s[i+2:], ')')
				if j >= 0 {
					e.Type, e.URL = "text_link", s[i+2:i+2+j]
					i += j + 2
				}
			}
		}
		if e.Type != "" && off > start {
			e.Offset, e.Length = start, off-start
			ents = append(ents, e)
		}
	}
	return formatted{text: string(out), entities: ents}, nil
}
