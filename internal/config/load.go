package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// Load reads the YAML file at path, expands ${VAR} with getenv and validates
// the result. Errors name the file, the line and the key.
func Load(path string, getenv func(string) string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	cfg, err := Parse(data, getenv)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if p := cfg.Store.Path; p != MemoryPath && !filepath.IsAbs(p) {
		cfg.Store.Path = filepath.Join(filepath.Dir(path), p)
	}
	for i, b := range cfg.SD.Backends {
		if b.Workflow != "" && !filepath.IsAbs(b.Workflow) {
			cfg.SD.Backends[i].Workflow = filepath.Join(filepath.Dir(path), b.Workflow)
		}
	}
	return cfg, nil
}

// Parse builds a Config from YAML data: defaults, then the document, then
// ${VAR} expansion with getenv, then Validate.
func Parse(data []byte, getenv func(string) string) (*Config, error) {
	cfg := Default()
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("invalid YAML: %s", oneLine(strings.TrimPrefix(err.Error(), "yaml: ")))
	}
	lines := map[string]int{}
	if len(doc.Content) > 0 {
		root := doc.Content[0]
		if root.Kind != yaml.MappingNode && !(root.Kind == yaml.ScalarNode && root.Tag == "!!null") {
			return nil, fmt.Errorf("line %d: the config must be a mapping of keys, such as sd and defaults", root.Line)
		}
		if err := walk(root, reflect.TypeOf(cfg), "", walkState{lines, getenv}); err != nil {
			return nil, err
		}
		if err := root.Decode(&cfg); err != nil {
			return nil, decodeError(err)
		}
	}
	if err := cfg.Validate(); err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			for i, p := range ve.Problems {
				ve.Problems[i].Line = lineOf(lines, p.Key)
			}
		}
		return nil, err
	}
	return &cfg, nil
}

// walkState is what walk carries down the tree.
type walkState struct {
	lines  map[string]int // dotted key path -> line, filled by walk
	getenv func(string) string
}

// walk visits the document alongside the Go type it decodes into: it rejects
// keys the type does not have (with the key's line), records the line of
// every key, and expands ${VAR} in scalar values.
func walk(n *yaml.Node, t reflect.Type, path string, st walkState) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case n.Kind == yaml.ScalarNode:
		expandScalar(n, t, st.getenv)
	case n.Kind == yaml.AliasNode:
		return walk(n.Alias, t, path, st)
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			key := join(path, k.Value)
			st.lines[key] = k.Line
			f, ok := fields[k.Value]
			if !ok {
				return &KeyError{Line: k.Line, Key: key, Suggest: suggest(k.Value, fields)}
			}
			if err := walk(v, f, key, st); err != nil {
				return err
			}
		}
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for i, item := range n.Content {
			key := fmt.Sprintf("%s[%d]", path, i)
			st.lines[key] = item.Line
			if err := walk(item, t.Elem(), key, st); err != nil {
				return err
			}
		}
	}
	return nil
}

// KeyError reports a key the configuration does not know.
type KeyError struct {
	Line    int
	Key     string // full dotted path, e.g. "sd.pasword"
	Suggest string // a known key with a similar name, or ""
}

func (e *KeyError) Error() string {
	msg := fmt.Sprintf("line %d: unknown key %q", e.Line, e.Key)
	if e.Suggest != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", e.Suggest)
	}
	return msg
}

func yamlFields(t reflect.Type) map[string]reflect.Type {
	fields := make(map[string]reflect.Type, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		fields[name] = f.Type
	}
	return fields
}

// suggest returns the known key closest to key, if it is close enough to be
// a typo.
func suggest(key string, fields map[string]reflect.Type) string {
	best, bestDist := "", 3
	for name := range fields {
		if d := distance(strings.ToLower(key), name); d < bestDist || (d == bestDist && name < best && best != "") {
			best, bestDist = name, d
		}
	}
	return best
}

// distance is the Levenshtein edit distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// lineOf finds the line of key or, failing that, of its closest parent
// that appears in the file (a missing key has no line of its own).
func lineOf(lines map[string]int, key string) int {
	for key != "" {
		if l, ok := lines[key]; ok {
			return l
		}
		i := strings.LastIndexAny(key, ".[")
		if i < 0 {
			break
		}
		key = key[:i]
	}
	return 0
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// decodeError turns yaml.v3's multi-line type errors into one line.
func decodeError(err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return errors.New(oneLine(strings.Join(te.Errors, "; ")))
	}
	return errors.New(oneLine(err.Error()))
}

// oneLine keeps an error on one line: YAML errors quote values, which may
// contain line breaks.
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", `\n`, "\n", `\n`, "\r", `\r`).Replace(s)
}
