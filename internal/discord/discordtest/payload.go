package discordtest

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// maxFiles is the most files one request may upload.
const maxFiles = 10

// upload is one uploaded file part.
type upload struct {
	index       int // n of files[n]
	filename    string
	contentType string
	data        []byte
}

// payload is a parsed request body: the JSON object (from the body or the payload_json part) and
// the uploaded files.
type payload struct {
	fields  map[string]json.RawMessage
	uploads []upload // sorted by index
}

// hasNonNull reports whether key is present and not null.
func (p *payload) hasNonNull(key string) bool {
	v, ok := p.fields[key]
	return ok && string(v) != "null"
}

// readPayload parses a JSON or multipart/form-data body, enforcing MaxRequestSize and
// MaxFileSize, and records it in the call.
func (s *Server) readPayload(rq *request) (*payload, error) {
	body := http.MaxBytesReader(nil, rq.r.Body, s.opts.MaxRequestSize)
	p := &payload{fields: map[string]json.RawMessage{}}
	mediaType, params, _ := mime.ParseMediaType(rq.r.Header.Get("Content-Type"))
	var raw []byte
	switch mediaType {
	case "multipart/form-data":
		var err error
		raw, err = s.readMultipart(body, params["boundary"], p)
		if err != nil {
			return nil, err
		}
	default:
		b, err := io.ReadAll(body)
		if err != nil {
			return nil, readErr(err)
		}
		if len(b) > 0 && mediaType != "application/json" {
			return nil, formError("", "CONTENT_TYPE_INVALID",
				`Expected "Content-Type" header to be one of {'application/json', 'multipart/form-data'}.`)
		}
		raw = b
	}
	for _, u := range p.uploads {
		rq.call.Files = append(rq.call.Files, u.filename)
	}
	if len(raw) > 0 {
		rq.call.Payload = json.RawMessage(raw)
		if err := json.Unmarshal(raw, &p.fields); err != nil || p.fields == nil {
			return nil, errCode(CodeInvalidJSON)
		}
	}
	return p, nil
}

func readErr(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return errCode(CodeEntityTooLarge)
	}
	return formError("", "BASE_TYPE_BAD_REQUEST", "Could not read the request body.")
}

// readMultipart reads the parts of a multipart body into p and returns the JSON payload.
func (s *Server) readMultipart(body io.Reader, boundary string, p *payload) ([]byte, error) {
	if boundary == "" {
		return nil, formError("", "BASE_TYPE_BAD_REQUEST", "Missing multipart boundary.")
	}
	mr := multipart.NewReader(body, boundary)
	var raw []byte
	form := map[string]string{}
	used := map[int]bool{}
	var unnamed []upload
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, readErr(err)
		}
		name, filename := part.FormName(), part.FileName()
		switch {
		case filename != "":
			data, err := io.ReadAll(io.LimitReader(part, s.opts.MaxFileSize+1))
			if err != nil {
				return nil, readErr(err)
			}
			if int64(len(data)) > s.opts.MaxFileSize {
				return nil, errCode(CodeEntityTooLarge)
			}
			u := upload{index: -1, filename: filename, contentType: part.Header.Get("Content-Type"), data: data}
			if n, ok := fileIndex(name); ok {
				if used[n] {
					return nil, formErrorf("files", "BASE_TYPE_BAD_REQUEST", "Duplicate file index %d.", n)
				}
				used[n] = true
				u.index = n
				p.uploads = append(p.uploads, u)
			} else {
				unnamed = append(unnamed, u)
			}
		case name == "payload_json":
			b, err := io.ReadAll(part)
			if err != nil {
				return nil, readErr(err)
			}
			raw = b
		default:
			b, err := io.ReadAll(part)
			if err != nil {
				return nil, readErr(err)
			}
			form[name] = string(b)
		}
	}
	// Parts not named files[n] get the next free indices, in order.
	next := 0
	for _, u := range unnamed {
		for used[next] {
			next++
		}
		u.index = next
		used[next] = true
		p.uploads = append(p.uploads, u)
	}
	sort.Slice(p.uploads, func(i, j int) bool { return p.uploads[i].index < p.uploads[j].index })
	if len(p.uploads) > maxFiles {
		return nil, formErrorf("files", "BASE_TYPE_MAX_LENGTH", "Must be %d or fewer in length.", maxFiles)
	}
	if raw == nil && len(form) > 0 {
		// Plain form fields (content=...) instead of payload_json.
		fields := map[string]any{}
		for k, v := range form {
			fields[k] = v
		}
		raw, _ = json.Marshal(fields)
	}
	return raw, nil
}

// fileIndex parses the n of a part named files[n].
func fileIndex(name string) (int, bool) {
	if !strings.HasPrefix(name, "files[") || !strings.HasSuffix(name, "]") {
		return 0, false
	}
	n, err := strconv.Atoi(name[len("files[") : len(name)-1])
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}
