package sdsim

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
)

// writeJSON answers status with v encoded as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only a programming error gets here; answer like A1111's middleware.
		buf.Reset()
		status = http.StatusInternalServerError
		b, _ := json.Marshal(apiError{Error: "TypeError", Errors: err.Error()})
		buf.Write(b)
	}
	writeRawJSON(w, status, bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

// writeRawJSON answers status with an already encoded JSON body.
func writeRawJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// apiError is the body A1111's api_middleware builds for an exception:
// {"error": class name, "detail": HTTPException detail, "body": "", "errors": str(e)}.
type apiError struct {
	Error  string `json:"error"`
	Detail string `json:"detail"`
	Body   string `json:"body"`
	Errors string `json:"errors"`
}

// writeException answers 500 for a Python exception of class cls.
func writeException(w http.ResponseWriter, cls, msg string) {
	writeJSON(w, http.StatusInternalServerError, apiError{Error: cls, Errors: msg})
}

// writeHTTPException answers an HTTPException raised in A1111 code.
func writeHTTPException(w http.ResponseWriter, status int, detail string) {
	writeJSON(w, status, apiError{Error: "HTTPException", Detail: detail})
}

// writeDetail answers FastAPI's own {"detail": "..."} shape.
func writeDetail(w http.ResponseWriter, status int, detail string) {
	writeJSON(w, status, map[string]string{"detail": detail})
}

// validationError is one element of FastAPI's 422 detail list (pydantic v1).
type validationError struct {
	Loc  []any          `json:"loc"`
	Msg  string         `json:"msg"`
	Type string         `json:"type"`
	Ctx  map[string]any `json:"ctx,omitempty"`
}

// write422 answers FastAPI's RequestValidationError.
func write422(w http.ResponseWriter, errs []validationError) {
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"detail": errs})
}

// oomMessage is str(torch.cuda.OutOfMemoryError) as A1111 reports it.
const oomMessage = "CUDA out of memory. Tried to allocate 1.50 GiB (GPU 0; 8.00 GiB total capacity; " +
	"6.12 GiB already allocated; 512.00 MiB free; 6.50 GiB reserved in total by PyTorch) " +
	"If reserved memory is >> allocated memory try setting max_split_size_mb to avoid fragmentation.  " +
	"See documentation for Memory Management and PYTORCH_CUDA_ALLOC_CONF"

// pyFloat is a float that JSON-encodes like Python's json.dumps (7.0, not 7).
type pyFloat float64

// MarshalJSON implements json.Marshaler.
func (f pyFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return []byte(pyFloatString(v)), nil
}

// pyFloatString formats v like Python's repr(float).
func pyFloatString(v float64) string {
	a := math.Abs(v)
	if a != 0 && (a < 1e-4 || a >= 1e16) {
		s := strconv.FormatFloat(v, 'e', -1, 64)
		// Python writes 1e-05 and 1e+16 with at least two exponent digits, as Go does.
		return s
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.ContainsAny(s, ".eEnN") {
		s += ".0"
	}
	return s
}

// pyRepr formats a JSON-decoded value like Python's repr, for error messages.
func pyRepr(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case string:
		if strings.Contains(v, "'") && !strings.Contains(v, `"`) {
			return `"` + v + `"`
		}
		return "'" + strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(v) + "'"
	case bool:
		if v {
			return "True"
		}
		return "False"
	case json.Number:
		return v.String()
	case float64:
		return pyFloatString(v)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// orderedJSON writes a JSON object whose keys keep the given order, as
// Python's dicts do.
type orderedJSON []keyValue

type keyValue struct {
	Key   string
	Value any
}

// MarshalJSON implements json.Marshaler.
func (o orderedJSON) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, kv := range o {
		if i > 0 {
			buf.WriteString(", ")
		}
		k, err := json.Marshal(kv.Key)
		if err != nil {
			return nil, err
		}
		buf.Write(k)
		buf.WriteString(": ")
		v, err := marshalNoHTMLEscape(kv.Value)
		if err != nil {
			return nil, err
		}
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

func marshalNoHTMLEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
