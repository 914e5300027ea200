package telegramtest

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// specData is the merged Bot API specification (current and 5.5), generated
// by ./internal/specgen from PaulSonOfLars/telegram-bot-api-spec (MIT, see
// specdata.LICENSE).
//
//go:embed specdata.json
var specData []byte

type specField struct {
	Name     string   `json:"name"`
	Types    []string `json:"types"`
	Required bool     `json:"required"`
	Legacy   bool     `json:"legacy"`
}

type specItem struct {
	Fields        []specField `json:"fields"`
	Subtypes      []string    `json:"subtypes"`
	Discriminator string      `json:"discriminator"`
	Legacy        bool        `json:"legacy"`
}

func (it *specItem) field(name string) *specField {
	for i := range it.Fields {
		if it.Fields[i].Name == name {
			return &it.Fields[i]
		}
	}
	return nil
}

type apiSpec struct {
	Sources []string             `json:"sources"`
	Methods map[string]*specItem `json:"methods"`
	Types   map[string]*specItem `json:"types"`
	// canonical maps a lower-case method name to its spelling in the spec.
	canonical map[string]string
}

var loadSpec = sync.OnceValue(func() *apiSpec {
	var sp apiSpec
	if err := json.Unmarshal(specData, &sp); err != nil {
		panic("telegramtest: embedded specdata.json: " + err.Error())
	}
	sp.canonical = make(map[string]string, len(sp.Methods))
	for name := range sp.Methods {
		sp.canonical[strings.ToLower(name)] = name
	}
	return &sp
})

// method returns the canonical name of a method, matched case-insensitively.
func (sp *apiSpec) method(name string) (string, bool) {
	c, ok := sp.canonical[strings.ToLower(name)]
	return c, ok
}

// missingMessages are Telegram's own texts for some missing parameters.
var missingMessages = map[string]string{
	"chat_id":    "chat_id is empty",
	"text":       "message text is empty",
	"message_id": "message identifier is not specified",
	"photo":      "there is no photo in the request",
	"document":   "there is no document in the request",
}

// checkParams validates a request against the method's parameters: unknown
// parameters and file parts, missing required parameters, value types and
// the shape of JSON-serialized objects. It drops "null" values of
// non-string parameters, which telegram-bot-api v5.5.1 sends for nil slices.
func (sp *apiSpec) checkParams(req *request) *apiError {
	m := sp.Methods[req.method]
	for name, v := range req.params {
		f := m.field(name)
		if f != nil && v == "null" && !slices.Contains(f.Types, "String") {
			delete(req.params, name)
		}
	}
	for _, name := range sortedKeys(req.params) {
		if m.field(name) == nil {
			return badRequest("unknown parameter %q for method %s (telegramtest rejects parameters Telegram would ignore)", name, req.method)
		}
	}
	attached := attachedNames(req.params)
	for _, name := range sortedKeys(req.files) {
		f := m.field(name)
		if f != nil && slices.Contains(f.Types, "InputFile") {
			if _, dup := req.params[name]; dup {
				return badRequest("parameter %q is given both as a value and as a file", name)
			}
			continue
		}
		if !attached[name] {
			return badRequest("unknown parameter %q for method %s: a file part that no attach:// refers to", name, req.method)
		}
	}
	for _, f := range m.Fields {
		if !f.Required || req.has(f.Name) || req.files[f.Name] != nil {
			continue
		}
		if msg, ok := missingMessages[f.Name]; ok {
			return badRequest("%s", msg)
		}
		return badRequest("parameter %q is required", f.Name)
	}
	for _, name := range sortedKeys(req.params) {
		f := m.field(name)
		if err := sp.checkValue(f, req.params[name]); err != nil {
			return err
		}
	}
	return nil
}

// checkValue checks a top-level parameter given as a string.
func (sp *apiSpec) checkValue(f *specField, v string) *apiError {
	var jsonTypes []string
	for _, t := range f.Types {
		switch t {
		case "String", "InputFile":
			return nil
		case "Integer":
			if _, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
				return nil
			}
		case "Float", "Float number":
			if _, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
				return nil
			}
		case "Boolean", "True":
			if _, ok := parseBool(v); ok {
				return nil
			}
		default:
			jsonTypes = append(jsonTypes, t)
		}
	}
	if len(jsonTypes) == 0 {
		return badRequest("parameter %q must be of type %s", f.Name, strings.Join(f.Types, " or "))
	}
	dec := json.NewDecoder(strings.NewReader(v))
	dec.UseNumber()
	var val any
	if err := dec.Decode(&val); err != nil || dec.More() {
		return badRequest("can't parse %s JSON object", f.Name)
	}
	if err := sp.checkJSON(jsonTypes, val); err != "" {
		return badRequest("can't parse %s: %s", f.Name, err)
	}
	return nil
}

// decodeJSON decodes a JSON parameter that checkParams has already validated.
func decodeJSON(s string, v any) error {
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
