package sd

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strconv"

	"github.com/imaginebot/imaginebot/internal/imagefile"
)

// b64Image is one entry of a txt2img answer's images: a base64 image,
// decoded while the answer streams in so that the base64 text is never kept.
// An entry that is not an image (null, "", bad base64, bytes of another
// kind) does not fail the decoding of the whole answer: problem says what it
// is, and the entry fails the call only if it is one of the outputs (see
// Client.txt2img), not a grid the caller leaves out.
type b64Image struct {
	data    []byte
	problem string // why the entry is not an image; "" when it is one
}

func (b *b64Image) UnmarshalJSON(raw []byte) error {
	*b = b64Image{}
	switch {
	case string(raw) == "null":
		b.problem = "null"
		return nil
	case len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"':
		b.problem = "not a base64 string"
		return nil
	}
	src := raw[1 : len(raw)-1]
	if bytes.IndexByte(src, '\\') >= 0 { // JSON escapes (say \/): let json unquote
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return err
		}
		src = []byte(s)
	}
	if len(bytes.TrimSpace(src)) == 0 {
		b.problem = "an empty string"
		return nil
	}
	img, err := decodeImageBytes(src)
	switch {
	case err != nil:
		b.problem = "not valid base64 (" + err.Error() + ")"
	case len(img) == 0:
		b.problem = "empty after base64 decoding"
	case !outputFormat(img):
		b.problem = "not a PNG, JPEG or WebP file (it starts with " + quotePrefix(img) + ")"
	default:
		b.data = img
	}
	return nil
}

// quotePrefix shows the first bytes of a file for a log line.
func quotePrefix(b []byte) string {
	const n = 8
	if len(b) > n {
		return strconv.Quote(string(b[:n])) + "…"
	}
	return strconv.Quote(string(b))
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

// outputFormat reports whether b is a file of a format A1111 encodes API
// images in (samples_format): PNG, JPEG or WebP.
func outputFormat(b []byte) bool {
	switch imagefile.Format(b) {
	case "png", "jpeg", "webp":
		return true
	}
	return false
}
