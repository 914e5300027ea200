package web

import (
	"encoding/json"
	"html/template"
	"regexp"
	"strings"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

var regexpNonce = regexp.MustCompile(`name="nonce" value="([^"]+)"`)

// imagineConfig is a service config with perUser jobs per user.
func imagineConfig(perUser int) imagine.Config { return imagine.Config{PerUser: perUser} }

// jsonEscape is s as json.Marshal writes it inside a string.
func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return strings.Trim(string(b), `"`)
}

// htmlEscape is s as html/template writes it in text.
func htmlEscape(s string) string { return template.HTMLEscapeString(s) }
