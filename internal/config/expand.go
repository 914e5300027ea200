package config

import (
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// expandScalar replaces ${VAR} and ${VAR:-default} in a scalar value that
// decodes into a value of type t. Expansion happens after parsing, so a
// secret containing YAML syntax (":", "#", quotes) cannot change the
// document's structure. A string field stays a string whatever the variable
// holds ("123", "true", ""); any other field is resolved from the expanded
// text, so both width: ${W} and width: "${W}" work.
func expandScalar(n *yaml.Node, t reflect.Type, getenv func(string) string) {
	if !strings.Contains(n.Value, "${") {
		return
	}
	n.Value = Expand(n.Value, getenv)
	if t.Kind() == reflect.String {
		n.Tag = "!!str"
	} else {
		n.Tag, n.Style = "", 0 // resolve as if the text had been written unquoted
	}
}

// Expand replaces ${VAR} with getenv("VAR") and ${VAR:-fallback} with the
// fallback when VAR is empty. "$${" stays a literal "${". Anything else,
// including a bare $VAR, is left alone: prompts may contain dollar signs.
func Expand(s string, getenv func(string) string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		if i > 0 && s[i-1] == '$' {
			b.WriteString(s[:i-1])
			b.WriteString("${")
			s = s[i+2:]
			continue
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		name, fallback, hasFallback := strings.Cut(s[i+2:i+end], ":-")
		v := getenv(strings.TrimSpace(name))
		if v == "" && hasFallback {
			v = fallback
		}
		b.WriteString(v)
		s = s[i+end+1:]
	}
}
