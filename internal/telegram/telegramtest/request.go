package telegramtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// maxRequestBody bounds a request; Telegram's upload limit is 50 MB.
const maxRequestBody = 64 << 20

// upload is a file part of a multipart request.
type upload struct {
	field       string
	filename    string
	contentType string
	data        []byte
}

// request is a parsed Bot API call.
type request struct {
	method string // canonical name
	params map[string]string
	files  map[string]*upload
	now    time.Time
}

func (r *request) has(name string) bool {
	_, ok := r.params[name]
	return ok
}

func (r *request) str(name string) string { return r.params[name] }

// int64Param returns the parameter as an integer; absent means 0. The value
// was already type-checked against the spec.
func (r *request) int64Param(name string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(r.params[name]), 10, 64)
	return n
}

func (r *request) intParam(name string) int { return int(r.int64Param(name)) }

func (r *request) boolParam(name string) bool {
	b, _ := parseBool(r.params[name])
	return b
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1":
		return true, true
	case "false", "0", "":
		return false, true
	}
	return false, false
}

// uploads lists the file parts for the call record, sorted by field.
func (r *request) uploads() []Upload {
	var out []Upload
	for _, u := range r.files {
		out = append(out, Upload{Field: u.field, FileName: u.filename, Size: len(u.data)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// parseParams reads the parameters of a request from the query string and
// from a form, JSON or multipart body. The first value of a repeated key wins.
func parseParams(r *http.Request) (map[string]string, map[string]*upload, *apiError) {
	params := map[string]string{}
	files := map[string]*upload{}
	for k, v := range r.URL.Query() {
		if len(v) > 0 {
			params[k] = v[0]
		}
	}
	if r.Body == nil {
		return params, files, nil
	}
	body := http.MaxBytesReader(nil, r.Body, maxRequestBody)
	ct, ctParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var err error
	switch ct {
	case "application/x-www-form-urlencoded":
		err = parseForm(body, params)
	case "application/json":
		err = parseJSONBody(body, params)
	case "multipart/form-data":
		err = parseMultipart(body, ctParams["boundary"], params, files)
	default:
		_, err = io.Copy(io.Discard, body)
	}
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, nil, errTooLarge
		}
		return nil, nil, badRequest("can't parse request: %v", err)
	}
	return params, files, nil
}

func parseForm(body io.Reader, params map[string]string) error {
	data, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	values, err := url.ParseQuery(string(data))
	if err != nil {
		return err
	}
	for k, v := range values {
		if len(v) > 0 {
			params[k] = v[0]
		}
	}
	return nil
}

// parseJSONBody flattens a JSON object into string parameters the way the
// Bot API does: strings stay strings, everything else keeps its JSON text,
// and null means absent.
func parseJSONBody(body io.Reader, params map[string]string) error {
	data, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return errors.New("expected a JSON object")
	}
	for k, raw := range obj {
		raw = bytes.TrimSpace(raw)
		switch {
		case string(raw) == "null":
			continue
		case len(raw) > 0 && raw[0] == '"':
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return err
			}
			params[k] = s
		default:
			params[k] = string(raw)
		}
	}
	return nil
}

func parseMultipart(body io.Reader, boundary string, params map[string]string, files map[string]*upload) error {
	if boundary == "" {
		return errors.New("multipart boundary is missing")
	}
	mr := multipart.NewReader(body, boundary)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		data, err := io.ReadAll(part)
		if err != nil {
			return err
		}
		name := part.FormName()
		if name == "" {
			continue
		}
		if part.FileName() != "" {
			if _, dup := files[name]; !dup {
				files[name] = &upload{field: name, filename: part.FileName(), contentType: part.Header.Get("Content-Type"), data: data}
			}
			continue
		}
		if _, dup := params[name]; !dup {
			params[name] = string(data)
		}
	}
}

var attachRef = regexp.MustCompile(`attach://([^"\\\s]+)`)

// attachedNames returns the file part names referenced as attach://name.
func attachedNames(params map[string]string) map[string]bool {
	names := map[string]bool{}
	for _, v := range params {
		for _, m := range attachRef.FindAllStringSubmatch(v, -1) {
			names[m[1]] = true
		}
	}
	return names
}
