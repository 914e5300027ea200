package sdsim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
)

// fieldKind is the Python type of a request model field.
type fieldKind int

const (
	kindStr fieldKind = iota
	kindInt
	kindFloat
	kindBool
	kindDict
	kindList
	kindStrList
	kindAny
)

// field is one field of a pydantic request model. def is the value used when
// the key is absent; it is echoed as is (nil for None).
type field struct {
	name string
	kind fieldKind
	def  any
}

// model is a decoded request: the coerced value of every field, in order.
// A value is nil (None), string, int64, pyFloat, bool, map[string]any or []any.
type model struct {
	fields []field
	values []any
	given  []bool // the key was present in the body
}

// get returns the value of the named field.
func (m *model) get(name string) any {
	for i, f := range m.fields {
		if f.name == name {
			return m.values[i]
		}
	}
	return nil
}

// str returns the named field as a string; None gives "".
func (m *model) str(name string) string {
	s, _ := m.get(name).(string)
	return s
}

// strOr returns the named field, or def when it is None.
func (m *model) strOr(name, def string) string {
	if s, ok := m.get(name).(string); ok {
		return s
	}
	return def
}

// int returns the named field, or def when it is None.
func (m *model) int(name string, def int64) int64 {
	if v, ok := m.get(name).(int64); ok {
		return v
	}
	return def
}

// float returns the named field, or def when it is None.
func (m *model) float(name string, def float64) float64 {
	switch v := m.get(name).(type) {
	case pyFloat:
		return float64(v)
	case int64:
		return float64(v)
	}
	return def
}

// bool returns the named field, or def when it is None.
func (m *model) bool(name string, def bool) bool {
	if v, ok := m.get(name).(bool); ok {
		return v
	}
	return def
}

// dict returns the named field as an ordered object (nil for None).
func (m *model) dict(name string) orderedJSON {
	v, _ := m.get(name).(orderedJSON)
	return v
}

// echo returns the model as FastAPI would serialise vars(request).
func (m *model) echo() orderedJSON {
	o := make(orderedJSON, len(m.fields))
	for i, f := range m.fields {
		o[i] = keyValue{f.name, m.values[i]}
	}
	return o
}

// decodeModel parses body as FastAPI and pydantic v1 do for a JSON body model:
// unknown keys are ignored, values are coerced leniently, and every field that
// cannot be coerced is reported with its location.
func decodeModel(r *http.Request, body []byte, fields []field) (*model, []validationError) {
	obj, verr := decodeBodyObject(r, body)
	if verr != nil {
		return nil, []validationError{*verr}
	}
	m := &model{fields: fields, values: make([]any, len(fields)), given: make([]bool, len(fields))}
	raw := make(map[string]json.RawMessage, len(obj))
	for _, kv := range obj {
		raw[kv.Key] = kv.Value.(json.RawMessage) // the last duplicate wins, as in Python
	}
	var errs []validationError
	for i, f := range fields {
		rv, ok := raw[f.name]
		if !ok {
			m.values[i] = f.def
			continue
		}
		m.given[i] = true
		v, fe := coerce(rv, f.kind, []any{"body", f.name})
		if fe != nil {
			errs = append(errs, fe...)
			continue
		}
		m.values[i] = v
	}
	if errs != nil {
		return nil, errs
	}
	return m, nil
}

// decodeBodyObject decodes a request body that must be a JSON object, keeping
// the order of its keys; values stay raw.
func decodeBodyObject(r *http.Request, body []byte) (orderedJSON, *validationError) {
	if len(body) == 0 {
		return nil, &validationError{Loc: []any{"body"}, Msg: "field required", Type: "value_error.missing"}
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		// FastAPI < 0.100 only parses JSON for application/json and */*+json;
		// any other body reaches pydantic as bytes.
		mt, _, _ := mime.ParseMediaType(ct)
		if mt != "application/json" && !(strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")) {
			return nil, &validationError{Loc: []any{"body"}, Msg: "value is not a valid dict", Type: "type_error.dict"}
		}
	}
	if !json.Valid(body) {
		return nil, jsonDecodeError(body)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, _ := dec.Token()
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, &validationError{Loc: []any{"body"}, Msg: "value is not a valid dict", Type: "type_error.dict"}
	}
	var obj orderedJSON
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, jsonDecodeError(body)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, jsonDecodeError(body)
		}
		obj = append(obj, keyValue{kt.(string), v})
	}
	return obj, nil
}

// jsonDecodeError is FastAPI's answer to a body Python's json module rejects.
func jsonDecodeError(body []byte) *validationError {
	var v any
	pos := 0
	var se *json.SyntaxError
	if err := json.Unmarshal(body, &v); errors.As(err, &se) {
		pos = int(se.Offset)
		if pos > 0 {
			pos--
		}
	} else if err != nil {
		pos = len(body)
	}
	line := 1 + bytes.Count(body[:pos], []byte("\n"))
	col := pos + 1 - (bytes.LastIndexByte(body[:pos], '\n') + 1)
	msg := "Expecting value"
	return &validationError{
		Loc:  []any{"body", pos},
		Msg:  fmt.Sprintf("%s: line %d column %d (char %d)", msg, line, col, pos),
		Type: "value_error.jsondecode",
		Ctx:  map[string]any{"msg": msg, "doc": string(body), "pos": pos, "lineno": line, "colno": col},
	}
}
