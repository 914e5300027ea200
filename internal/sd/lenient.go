package sd

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// The WebUIs and their versions disagree on types (cfg_scale 7 or 7.0, a
// seed written as a float, null for "unknown"). These types decode what they
// can and never fail, so one odd field never fails a whole answer.

// number is a JSON number, a numeric string, or anything else as 0.
type number float64

func (n *number) UnmarshalJSON(b []byte) error {
	*n = number(parseNumber(b))
	return nil
}

// integer is a JSON integer, a float (truncated), a numeric string, or
// anything else as 0.
type integer int64

func (n *integer) UnmarshalJSON(b []byte) error {
	*n = integer(parseInteger(b))
	return nil
}

// text is a JSON string, another scalar as its JSON text, or null as "".
type text string

func (t *text) UnmarshalJSON(b []byte) error {
	*t = text(scalarText(b))
	return nil
}

func parseNumber(b []byte) float64 {
	s := strings.TrimSpace(scalarText(b))
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}

func parseInteger(b []byte) int64 {
	s := strings.TrimSpace(scalarText(b))
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || f > math.MaxInt64 || f < math.MinInt64 {
		return 0
	}
	return int64(f)
}

// scalarText returns a JSON string's value, a number's or bool's literal, and
// "" for null, objects and arrays.
func scalarText(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return ""
	}
	switch b[0] {
	case '"':
		var s string
		if json.Unmarshal(b, &s) == nil {
			return s
		}
		return ""
	case '{', '[', 'n':
		return ""
	}
	return string(b)
}
