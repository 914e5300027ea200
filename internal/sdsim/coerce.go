package sdsim

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
)

// coerce validates one raw JSON value as pydantic v1 would for an
// Optional[kind] field. null is None for every kind.
func coerce(raw json.RawMessage, kind fieldKind, loc []any) (any, []validationError) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, []validationError{{Loc: loc, Msg: "invalid JSON", Type: "value_error.jsondecode"}}
	}
	if v == nil {
		return nil, nil
	}
	fail := func(msg, typ string) (any, []validationError) {
		return nil, []validationError{{Loc: loc, Msg: msg, Type: typ}}
	}
	switch kind {
	case kindStr:
		switch x := v.(type) {
		case string:
			return x, nil
		case json.Number:
			return pyNumberString(x), nil
		case bool: // bool is an int in Python, and str(True) is "True"
			return pyRepr(x), nil
		}
		return fail("str type expected", "type_error.str")
	case kindInt:
		if n, ok := toInt(v); ok {
			return n, nil
		}
		return fail("value is not a valid integer", "type_error.integer")
	case kindFloat:
		if f, ok := toFloat(v); ok {
			return pyFloat(f), nil
		}
		return fail("value is not a valid float", "type_error.float")
	case kindBool:
		if b, ok := toBool(v); ok {
			return b, nil
		}
		return fail("value could not be parsed to a boolean", "type_error.bool")
	case kindDict:
		if _, ok := v.(map[string]any); !ok {
			return fail("value is not a valid dict", "type_error.dict")
		}
		obj, _ := decodeBodyObject(&http.Request{}, raw)
		for i := range obj {
			var x any
			d := json.NewDecoder(bytes.NewReader(obj[i].Value.(json.RawMessage)))
			d.UseNumber()
			_ = d.Decode(&x)
			obj[i].Value = x
		}
		return obj, nil
	case kindList, kindStrList:
		list, ok := v.([]any)
		if !ok {
			return fail("value is not a valid list", "type_error.list")
		}
		if kind == kindList {
			return list, nil
		}
		var errs []validationError
		for i, e := range list {
			b, _ := json.Marshal(e)
			s, es := coerce(b, kindStr, append(append([]any{}, loc...), i))
			errs = append(errs, es...)
			list[i] = s
		}
		if errs != nil {
			return nil, errs
		}
		return list, nil
	}
	return v, nil
}

// toInt is pydantic v1's int_validator: int(v) for numbers, bools and
// decimal strings (floats are truncated).
func toInt(v any) (int64, bool) {
	switch x := v.(type) {
	case json.Number:
		if n, err := strconv.ParseInt(x.String(), 10, 64); err == nil {
			return n, true
		}
		f, err := strconv.ParseFloat(x.String(), 64)
		if err != nil || math.IsInf(f, 0) || math.Abs(f) >= 1<<63 {
			return 0, false
		}
		return int64(f), true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		return n, err == nil
	}
	return 0, false
}

// toFloat is pydantic v1's float_validator: float(v).
func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(x.String(), 64)
		return f, err == nil
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil
	}
	return 0, false
}

// toBool is pydantic v1's bool_validator.
func toBool(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case json.Number:
		f, err := strconv.ParseFloat(x.String(), 64)
		if err == nil && f == 1 {
			return true, true
		}
		if err == nil && f == 0 {
			return false, true
		}
	case string:
		switch strings.ToLower(x) {
		case "1", "on", "t", "true", "y", "yes":
			return true, true
		case "0", "off", "f", "false", "n", "no":
			return false, true
		}
	}
	return false, false
}

// pyNumberString is str() of a JSON number once Python has parsed it.
func pyNumberString(n json.Number) string {
	if i, err := strconv.ParseInt(n.String(), 10, 64); err == nil {
		return strconv.FormatInt(i, 10)
	}
	if f, err := strconv.ParseFloat(n.String(), 64); err == nil {
		return pyFloatString(f)
	}
	return n.String()
}
