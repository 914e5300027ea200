package sd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// APIError is a non-2xx answer from the server, parsed from any of the
// shapes the WebUIs use: A1111 {error, detail, body, errors}, Forge {error,
// detail, message}, SD.Next (adds code), FastAPI {detail: "..."} and the 422
// {detail: [{loc, msg, type}]} list of pydantic v1 and v2. Anything else
// (say a reverse proxy's HTML page) is kept as text.
type APIError struct {
	Method     string
	Path       string
	StatusCode int
	Kind       string       // the exception class, e.g. "OutOfMemoryError", "HTTPException"
	Detail     string       // FastAPI's detail, when it is a string
	Errors     string       // A1111's errors, Forge's message: str(exception)
	Fields     []FieldError // the fields a 422 rejected
	Body       string       // the raw body, truncated
}

// FieldError is one field a 422 answer rejected.
type FieldError struct {
	Field   string // the field's location without the leading "body", e.g. "steps"
	Message string // e.g. "value is not a valid integer"
	Type    string // e.g. "type_error.integer" (pydantic v1) or "int_parsing" (v2)
}

// maxBodyKeep bounds the raw body kept in APIError.Body, maxBodyShow the
// text shown in messages.
const (
	maxBodyKeep = 2048
	maxBodyShow = 200
)

// Error says what went wrong and, for the usual causes (credentials, a
// missing --api, GPU memory, a rejected field), what to do.
func (e *APIError) Error() string {
	prefix := fmt.Sprintf("sd: %s %s: ", e.Method, e.Path)
	switch {
	case e.StatusCode == http.StatusUnauthorized:
		return prefix + e.status() + " (" + e.reason() + "); check sd.username and sd.password"
	case e.routeMissing():
		return prefix + e.status() + "; the WebUI was started without --api (add it to COMMANDLINE_ARGS), or sd.url is not the WebUI's address"
	case e.IsOutOfMemory():
		return prefix + "the server ran out of GPU memory (" + clip(e.reason(), maxBodyShow) + "); try a smaller size or batch"
	case len(e.Fields) > 0:
		parts := make([]string, len(e.Fields))
		for i, f := range e.Fields {
			parts[i] = f.Field + ": " + f.Message
		}
		return prefix + e.status() + ": the server rejected " + strings.Join(parts, "; ")
	}
	return prefix + e.status() + ": " + clip(e.reason(), maxBodyShow)
}

// IsOutOfMemory reports whether the server ran out of (GPU) memory; a smaller
// image or batch may work.
func (e *APIError) IsOutOfMemory() bool {
	return strings.Contains(e.Kind, "OutOfMemory") ||
		strings.Contains(strings.ToLower(e.Errors+" "+e.Detail), "out of memory")
}

// modelNotFoundText matches A1111's and Forge's RuntimeError for an unknown
// checkpoint in POST /options, and "Could not find checkpoint" for refiners.
var modelNotFoundText = regexp.MustCompile(`(?i)model .* not found|could not find checkpoint`)

// Is makes a "model 'x' not found" answer match ErrModelNotFound.
func (e *APIError) Is(target error) bool {
	return target == ErrModelNotFound && modelNotFoundText.MatchString(e.Errors+"\n"+e.Detail)
}

// routeMissing reports a 404 for an /sdapi route that does not exist, as
// opposed to a 404 the API raised itself ("Sampler not found").
func (e *APIError) routeMissing() bool {
	return e.StatusCode == http.StatusNotFound && strings.HasPrefix(e.Path, "/sdapi/") &&
		e.Errors == "" && (e.Detail == "" || e.Detail == "Not Found")
}

func (e *APIError) status() string {
	if t := http.StatusText(e.StatusCode); t != "" {
		return strconv.Itoa(e.StatusCode) + " " + strings.ToLower(t)
	}
	return strconv.Itoa(e.StatusCode)
}

// reason is the most specific text the answer carried.
func (e *APIError) reason() string {
	msg := e.Errors
	if msg == "" {
		msg = e.Detail
	}
	switch {
	case msg != "" && e.Kind != "" && e.Kind != "HTTPException":
		return e.Kind + ": " + msg
	case msg != "":
		return msg
	case e.Kind != "":
		return e.Kind
	case e.Body != "":
		return bodyText(e.Body)
	}
	return "empty answer"
}

// parseAPIError builds an *APIError from a non-2xx answer.
func parseAPIError(method, path string, status int, raw []byte) *APIError {
	e := &APIError{Method: method, Path: path, StatusCode: status, Body: clip(string(raw), maxBodyKeep)}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		return e
	}
	e.Kind = rawText(obj["error"])
	e.Errors = rawText(obj["errors"])
	if e.Errors == "" {
		e.Errors = rawText(obj["message"])
	}
	detail := bytes.TrimSpace(obj["detail"])
	if len(detail) > 0 && detail[0] == '[' {
		e.Fields = parseFieldErrors(detail)
	} else {
		e.Detail = rawText(detail)
	}
	return e
}

// parseFieldErrors reads FastAPI's 422 list, pydantic v1 or v2.
func parseFieldErrors(raw json.RawMessage) []FieldError {
	var items []struct {
		Loc  []any  `json:"loc"`
		Msg  string `json:"msg"`
		Type string `json:"type"`
	}
	if json.Unmarshal(raw, &items) != nil {
		return nil
	}
	out := make([]FieldError, 0, len(items))
	for _, it := range items {
		out = append(out, FieldError{Field: fieldPath(it.Loc), Message: it.Msg, Type: it.Type})
	}
	return out
}

// fieldPath turns ["body","override_settings","x"] into "override_settings.x"
// and ["body","script_args",0] into "script_args[0]".
func fieldPath(loc []any) string {
	if len(loc) > 1 {
		if s, ok := loc[0].(string); ok && (s == "body" || s == "query") {
			loc = loc[1:]
		}
	}
	var b strings.Builder
	for _, p := range loc {
		switch v := p.(type) {
		case float64:
			fmt.Fprintf(&b, "[%d]", int(v))
		default:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			fmt.Fprint(&b, v)
		}
	}
	if b.Len() == 0 {
		return "request"
	}
	return b.String()
}

// rawText renders a JSON value as text: strings unquoted, null as "", other
// values compactly.
func rawText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) == nil {
		return buf.String()
	}
	return string(raw)
}

var (
	htmlTitle = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
	htmlTag   = regexp.MustCompile(`(?s)<[^>]*>`)
)

// bodyText makes a non-JSON body readable: an HTML page is reduced to its
// title or text, whitespace is collapsed.
func bodyText(body string) string {
	if strings.HasPrefix(strings.TrimSpace(body), "<") {
		if m := htmlTitle.FindStringSubmatch(body); m != nil && strings.TrimSpace(m[1]) != "" {
			body = m[1]
		} else {
			body = htmlTag.ReplaceAllString(body, " ")
		}
	}
	return clip(strings.Join(strings.Fields(body), " "), maxBodyShow)
}

// clip shortens s to at most n bytes without splitting a UTF-8 sequence.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
