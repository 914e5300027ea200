package discordtest

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Discord's message limits.
const (
	maxContent     = 2000
	maxEmbeds      = 10
	maxAttachments = 10
	maxEmbedTotal  = 6000
	maxRows        = 5
	maxRowButtons  = 5
	maxCustomID    = 100
)

func tooLong(path string, max int) *apiError {
	return formErrorf(path, "BASE_TYPE_MAX_LENGTH", "Must be %d or fewer in length.", max)
}

// validateRevision checks a message's resulting state against Discord's limits.
func validateRevision(r *Revision, extras bool) *apiError {
	if utf8.RuneCountInString(r.Content) > maxContent {
		return tooLong("content", maxContent)
	}
	if len(r.Embeds) > maxEmbeds {
		return tooLong("embeds", maxEmbeds)
	}
	if len(r.Attachments) > maxAttachments {
		return tooLong("attachments", maxAttachments)
	}
	if err := validateEmbeds(r.Embeds); err != nil {
		return err
	}
	if err := validateComponents(r.Components); err != nil {
		return err
	}
	if r.Content == "" && len(r.Embeds) == 0 && len(r.Attachments) == 0 && len(r.Components) == 0 && !extras &&
		r.Flags&FlagLoading == 0 {
		return errCode(CodeEmptyMessage)
	}
	return nil
}

// normaliseEmbeds decodes embeds, fills Discord's default type "rich" and re-encodes them.
func normaliseEmbeds(raw []json.RawMessage) ([]json.RawMessage, *apiError) {
	out := make([]json.RawMessage, 0, len(raw))
	for i, e := range raw {
		var m map[string]any
		if json.Unmarshal(e, &m) != nil || m == nil {
			return nil, formError("embeds."+itoa(i), "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
		}
		if _, ok := m["type"]; !ok {
			m["type"] = "rich"
		}
		b, _ := json.Marshal(m)
		out = append(out, b)
	}
	return out, nil
}

type embedShape struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	URL         string `json:"url"`
	Color       int64  `json:"color"`
	Footer      *struct {
		Text    string `json:"text"`
		IconURL string `json:"icon_url"`
	} `json:"footer"`
	Author *struct {
		Name    string `json:"name"`
		URL     string `json:"url"`
		IconURL string `json:"icon_url"`
	} `json:"author"`
	Image     *struct{ URL string } `json:"image"`
	Thumbnail *struct{ URL string } `json:"thumbnail"`
	Fields    []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"fields"`
}

// embedURL is a URL field of an embed; media fields may also use attachment://NAME.
type embedURL struct {
	field, url string
	media      bool
}

func (u embedURL) check(prefix string) *apiError {
	if u.url == "" {
		return nil
	}
	scheme, _, ok := strings.Cut(u.url, "://")
	if ok && (scheme == "http" || scheme == "https" || (u.media && scheme == "attachment")) {
		return nil
	}
	return formError(prefix+u.field, "URL_TYPE_INVALID_SCHEME",
		fmt.Sprintf("Scheme %q is not supported. Scheme must be one of ('http', 'https').", scheme))
}

func validateEmbeds(embeds []json.RawMessage) *apiError {
	total := 0
	for i, raw := range embeds {
		p := "embeds." + itoa(i) + "."
		var e embedShape
		if err := json.Unmarshal(raw, &e); err != nil {
			return formErrorf(p[:len(p)-1], "MODEL_TYPE_CONVERT", "Invalid embed: %v", err)
		}
		n := func(s string) int { return utf8.RuneCountInString(s) }
		switch {
		case n(e.Title) > 256:
			return tooLong(p+"title", 256)
		case n(e.Description) > 4096:
			return tooLong(p+"description", 4096)
		case len(e.Fields) > 25:
			return tooLong(p+"fields", 25)
		case e.Color < 0 || e.Color > 0xffffff:
			return formError(p+"color", "NUMBER_TYPE_MAX", "int value should be less than or equal to 16777215.")
		}
		total += n(e.Title) + n(e.Description)
		for j, fl := range e.Fields {
			fp := p + "fields." + itoa(j) + "."
			switch {
			case fl.Name == "":
				return formError(fp+"name", "BASE_TYPE_REQUIRED", "This field is required")
			case fl.Value == "":
				return formError(fp+"value", "BASE_TYPE_REQUIRED", "This field is required")
			case n(fl.Name) > 256:
				return tooLong(fp+"name", 256)
			case n(fl.Value) > 1024:
				return tooLong(fp+"value", 1024)
			}
			total += n(fl.Name) + n(fl.Value)
		}
		urls := []embedURL{{"url", e.URL, false}}
		if e.Footer != nil {
			if n(e.Footer.Text) > 2048 {
				return tooLong(p+"footer.text", 2048)
			}
			total += n(e.Footer.Text)
			urls = append(urls, embedURL{"footer.icon_url", e.Footer.IconURL, true})
		}
		if e.Author != nil {
			if n(e.Author.Name) > 256 {
				return tooLong(p+"author.name", 256)
			}
			total += n(e.Author.Name)
			urls = append(urls, embedURL{"author.url", e.Author.URL, false},
				embedURL{"author.icon_url", e.Author.IconURL, true})
		}
		if e.Image != nil {
			urls = append(urls, embedURL{"image.url", e.Image.URL, true})
		}
		if e.Thumbnail != nil {
			urls = append(urls, embedURL{"thumbnail.url", e.Thumbnail.URL, true})
		}
		for _, u := range urls {
			if err := u.check(p); err != nil {
				return err
			}
		}
	}
	if total > maxEmbedTotal {
		return formError("embeds", "MESSAGE_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
	}
	return nil
}

// missingRefs lists the attachment://NAME references of embeds that name no attachment.
func missingRefs(r Revision) []string {
	names := map[string]bool{}
	for _, a := range r.Attachments {
		names[a.Filename] = true
	}
	var missing []string
	for _, raw := range r.Embeds {
		var e embedShape
		_ = json.Unmarshal(raw, &e)
		var refs []string
		if e.Image != nil {
			refs = append(refs, e.Image.URL)
		}
		if e.Thumbnail != nil {
			refs = append(refs, e.Thumbnail.URL)
		}
		if e.Author != nil {
			refs = append(refs, e.Author.IconURL)
		}
		if e.Footer != nil {
			refs = append(refs, e.Footer.IconURL)
		}
		for _, u := range refs {
			if name, ok := strings.CutPrefix(u, "attachment://"); ok && !names[sanitizeFilename(name)] {
				missing = append(missing, name)
			}
		}
	}
	return missing
}
