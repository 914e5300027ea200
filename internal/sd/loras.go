package sd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// Lora is a LoRA the server can apply with <lora:Name:weight> in a prompt.
type Lora struct {
	Name  string // file name without extension
	Alias string // alias from the training metadata; usable in prompts too
	Path  string // path on the server
}

// Loras lists the server's LoRAs (GET /sdapi/v1/loras). Each entry's
// training metadata (megabytes in all) is skipped token by token as the
// answer streams in, never held. A server without the Lora extension (404)
// has none.
func (c *Client) Loras(ctx context.Context) ([]Lora, error) {
	const path = "/sdapi/v1/loras"
	ctx, cancel := context.WithTimeout(ctx, listTimeout)
	defer cancel()
	resp, err := c.send(ctx, http.MethodGet, path, nil)
	if isStatus(err, http.StatusNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body := &readErrRecorder{r: resp.Body}
	loras, err := decodeLoras(json.NewDecoder(body))
	switch {
	case err == nil:
		return loras, nil
	case body.err != nil:
		return nil, c.transportError(ctx, http.MethodGet, path, body.err)
	}
	return nil, &MalformedError{Method: http.MethodGet, Path: path, Err: err}
}

// decodeLoras reads [{name, alias, path, metadata, ...}, ...] keeping only
// name, alias and path.
func decodeLoras(dec *json.Decoder) ([]Lora, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if tok == nil {
		return nil, nil
	}
	if tok != json.Delim('[') {
		return nil, fmt.Errorf("want a list of LoRAs, got %v", tok)
	}
	var out []Lora
	for dec.More() {
		if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
			return nil, cmpErr(err, "a LoRA is not an object")
		}
		var l Lora
		for dec.More() {
			key, err := dec.Token()
			if err != nil {
				return nil, err
			}
			var dst *string
			switch key {
			case "name":
				dst = &l.Name
			case "alias":
				dst = &l.Alias
			case "path":
				dst = &l.Path
			}
			if dst == nil {
				if err := skipValue(dec); err != nil {
					return nil, err
				}
				continue
			}
			var v text
			if err := dec.Decode(&v); err != nil {
				return nil, err
			}
			*dst = string(v)
		}
		if _, err := dec.Token(); err != nil { // '}'
			return nil, err
		}
		out = append(out, l)
	}
	if _, err := dec.Token(); err != nil { // ']'
		return nil, err
	}
	return out, nil
}

// skipValue consumes one JSON value token by token, so a large object is
// never held whole.
func skipValue(dec *json.Decoder) error {
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// cmpErr returns err, or a new error with msg when err is nil.
func cmpErr(err error, msg string) error {
	if err != nil {
		return err
	}
	return errors.New(msg)
}
