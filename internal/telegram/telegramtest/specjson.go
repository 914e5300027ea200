package telegramtest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// The functions below check JSON-serialized parameters (reply_markup,
// media, commands, scope, entities, ...) against the object types of the
// embedded specification.

// checkJSON checks a decoded JSON value against a list of alternative spec
// types and returns a description of the mismatch, or "".
func (sp *apiSpec) checkJSON(types []string, v any) string {
	var elems, scalars, objects []string
	for _, t := range types {
		if e, ok := strings.CutPrefix(t, "Array of "); ok {
			elems = append(elems, e)
			continue
		}
		it := sp.Types[t]
		switch {
		case it == nil:
			scalars = append(scalars, t)
		case len(it.Subtypes) > 0:
			objects = append(objects, it.Subtypes...)
		default:
			objects = append(objects, t)
		}
	}
	switch x := v.(type) {
	case []any:
		if len(elems) == 0 {
			return "expected " + strings.Join(types, " or ")
		}
		for _, e := range x {
			if msg := sp.checkJSON(elems, e); msg != "" {
				return msg
			}
		}
		return ""
	case map[string]any:
		if len(objects) == 0 {
			return "expected " + strings.Join(types, " or ")
		}
		t, msg := sp.pickType(objects, x)
		if msg != "" {
			return msg
		}
		return sp.checkObject(t, x)
	}
	if len(scalars) == 0 {
		return "expected " + strings.Join(types, " or ")
	}
	for _, t := range scalars {
		if checkScalar(t, v) {
			return ""
		}
	}
	return "expected " + strings.Join(scalars, " or ")
}

// pickType chooses which of several object types a JSON object is meant to
// be: by its "type" discriminator, else the first whose required fields are
// all present, else the first.
func (sp *apiSpec) pickType(candidates []string, obj map[string]any) (string, string) {
	var kinds []string
	for _, t := range candidates {
		if d := sp.Types[t].Discriminator; d != "" {
			kinds = append(kinds, d)
		}
	}
	if len(kinds) > 0 {
		kind, _ := obj["type"].(string)
		for _, t := range candidates {
			if sp.Types[t].Discriminator == kind {
				return t, ""
			}
		}
		return "", fmt.Sprintf("unsupported type %q, want one of %s", kind, strings.Join(kinds, ", "))
	}
	for _, t := range candidates {
		if hasRequired(sp.Types[t], obj) {
			return t, ""
		}
	}
	return candidates[0], ""
}

func hasRequired(it *specItem, obj map[string]any) bool {
	for _, f := range it.Fields {
		if f.Required {
			if _, ok := obj[f.Name]; !ok {
				return false
			}
		}
	}
	return true
}

// checkScalar reports whether v fits a scalar spec type (or a type the
// spec does not describe field by field, which any value fits).
func checkScalar(t string, v any) bool {
	switch t {
	case "String", "InputFile":
		switch v.(type) {
		case string, json.Number:
			return true
		}
		return false
	case "Integer":
		switch x := v.(type) {
		case json.Number:
			_, err := x.Int64()
			return err == nil
		case string:
			_, err := strconv.ParseInt(x, 10, 64)
			return err == nil
		}
		return false
	case "Float", "Float number":
		switch x := v.(type) {
		case json.Number:
			return true
		case string:
			_, err := strconv.ParseFloat(x, 64)
			return err == nil
		}
		return false
	case "Boolean", "True":
		_, ok := v.(bool)
		return ok
	}
	return true
}

// checkObject checks a JSON object against one object type of the spec.
func (sp *apiSpec) checkObject(t string, obj map[string]any) string {
	it := sp.Types[t]
	if it.Discriminator != "" {
		if kind, _ := obj["type"].(string); kind != it.Discriminator {
			return fmt.Sprintf("unsupported type %q of %s", kind, t)
		}
	}
	for _, name := range sortedKeys(obj) {
		f := it.field(name)
		if f == nil {
			if obj[name] == nil {
				continue
			}
			return fmt.Sprintf("unknown field %q in %s", name, t)
		}
		if obj[name] == nil {
			continue // v5.5.1 sends "caption_entities":null
		}
		if msg := sp.checkJSON(f.Types, obj[name]); msg != "" {
			return fmt.Sprintf("field %q of %s: %s", name, t, msg)
		}
	}
	for _, f := range it.Fields {
		if f.Required && obj[f.Name] == nil {
			return fmt.Sprintf("field %q is required in %s", f.Name, t)
		}
	}
	return ""
}
