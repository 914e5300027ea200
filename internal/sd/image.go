package sd

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// b64Image is a base64 image in a JSON answer, decoded while the answer
// streams in so that the base64 text is never kept.
type b64Image []byte

func (b *b64Image) UnmarshalJSON(raw []byte) error {
	if string(raw) == "null" {
		*b = nil
		return nil
	}
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return errors.New("an image is not a base64 string")
	}
	src := raw[1 : len(raw)-1]
	if bytes.IndexByte(src, '\\') >= 0 { // JSON escapes (say \/): let json unquote
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return err
		}
		src = []byte(s)
	}
	img, err := decodeImageBytes(src)
	if err != nil {
		return fmt.Errorf("an image is not valid base64: %w", err)
	}
	*b = img
	return nil
}

// decodeImage decodes base64 image data, with or without a data: URI prefix
// or padding.
func decodeImage(s string) ([]byte, error) { return decodeImageBytes([]byte(s)) }

func decodeImageBytes(src []byte) ([]byte, error) {
	if bytes.HasPrefix(src, []byte("data:")) {
		if i := bytes.IndexByte(src, ','); i >= 0 {
			src = src[i+1:]
		}
	}
	dst := make([]byte, base64.RawStdEncoding.DecodedLen(len(src)))
	n, err := base64.StdEncoding.Decode(dst, src)
	if err == nil {
		return dst[:n], nil
	}
	if n, rawErr := base64.RawStdEncoding.Decode(dst, bytes.TrimRight(src, "=")); rawErr == nil {
		return dst[:n], nil
	}
	return nil, err
}
