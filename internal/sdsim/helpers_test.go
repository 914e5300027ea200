package sdsim_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// errDropped is what the in-memory transport returns when the Sim drops a
// connection (net/http would report EOF or a reset).
var errDropped = errors.New("connection dropped")

// handlerTransport runs requests through a handler in the caller's goroutine,
// so that tests inside a synctest bubble see the Sim's fake-time behaviour.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(req *http.Request) (resp *http.Response, err error) {
	defer func() {
		if r := recover(); r != nil {
			if r != http.ErrAbortHandler {
				panic(r)
			}
			resp, err = nil, errDropped
		}
	}()
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, req)
	return rec.Result(), nil
}

// apiClient is a plain http.Client pointed at a Sim.
type apiClient struct {
	t    testing.TB
	base string
	hc   *http.Client
	user string
	pass string
}

func memClient(t testing.TB, h http.Handler) *apiClient {
	return &apiClient{t: t, base: "http://sim", hc: &http.Client{Transport: handlerTransport{h}}}
}

// do sends body (a string is sent as is, anything else as JSON) and returns
// the status and body.
func (c *apiClient) do(ctx context.Context, method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			c.t.Fatalf("marshal: %v", err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		c.t.Fatalf("new request: %v", err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.user != "" {
		req.SetBasicAuth(c.user, c.pass)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func (c *apiClient) mustDo(method, path string, body any) (int, []byte) {
	c.t.Helper()
	status, b, err := c.do(context.Background(), method, path, body)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	return status, b
}

func (c *apiClient) get(path string) (int, []byte) { return c.mustDo("GET", path, nil) }

func (c *apiClient) post(path string, body any) (int, []byte) { return c.mustDo("POST", path, body) }

// getJSON GETs path, expects 200 and decodes into v.
func (c *apiClient) getJSON(path string, v any) {
	c.t.Helper()
	status, b := c.get(path)
	if status != http.StatusOK {
		c.t.Fatalf("GET %s: status %d, body %s", path, status, b)
	}
	mustUnmarshal(c.t, b, v)
}

// postJSON POSTs body, expects 200 and decodes into v.
func (c *apiClient) postJSON(path string, body, v any) {
	c.t.Helper()
	status, b := c.post(path, body)
	if status != http.StatusOK {
		c.t.Fatalf("POST %s: status %d, body %.300s", path, status, b)
	}
	mustUnmarshal(c.t, b, v)
}

// txt2img runs a txt2img that must succeed.
func (c *apiClient) txt2img(req map[string]any) (txt2imgResponse, genInfo) {
	c.t.Helper()
	var resp txt2imgResponse
	c.postJSON("/sdapi/v1/txt2img", req, &resp)
	var info genInfo
	mustUnmarshal(c.t, []byte(resp.Info), &info)
	return resp, info
}

func mustUnmarshal(t testing.TB, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %.300s: %v", b, err)
	}
}

type txt2imgResponse struct {
	Images     []string       `json:"images"`
	Parameters map[string]any `json:"parameters"`
	Info       string         `json:"info"`
}

type genInfo struct {
	Prompt            string         `json:"prompt"`
	AllPrompts        []string       `json:"all_prompts"`
	Seed              int64          `json:"seed"`
	AllSeeds          []int64        `json:"all_seeds"`
	AllSubseeds       []int64        `json:"all_subseeds"`
	Width             int            `json:"width"`
	Height            int            `json:"height"`
	SamplerName       string         `json:"sampler_name"`
	CFGScale          float64        `json:"cfg_scale"`
	Steps             int            `json:"steps"`
	BatchSize         int            `json:"batch_size"`
	SDModelName       string         `json:"sd_model_name"`
	SDModelHash       string         `json:"sd_model_hash"`
	Extra             map[string]any `json:"extra_generation_params"`
	IndexOfFirstImage int            `json:"index_of_first_image"`
	Infotexts         []string       `json:"infotexts"`
	JobTimestamp      string         `json:"job_timestamp"`
	Version           string         `json:"version"`
}

type progressResponse struct {
	Progress     float64        `json:"progress"`
	ETARelative  float64        `json:"eta_relative"`
	State        map[string]any `json:"state"`
	CurrentImage *string        `json:"current_image"`
	TextInfo     *string        `json:"textinfo"`
}

type taskProgressResponse struct {
	Active        bool     `json:"active"`
	Queued        bool     `json:"queued"`
	Completed     bool     `json:"completed"`
	Progress      *float64 `json:"progress"`
	ETA           *float64 `json:"eta"`
	LivePreview   *string  `json:"live_preview"`
	IDLivePreview *int     `json:"id_live_preview"`
	TextInfo      *string  `json:"textinfo"`
}

// pngChunk is one chunk of a PNG file.
type pngChunk struct {
	typ  string
	data []byte
}

// decodePNG decodes a base64 PNG, checking every chunk's CRC, and returns the
// image and its chunks.
func decodePNG(t testing.TB, b64 string) (image.Image, []pngChunk) {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatalf("base64: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("png: %v", err)
	}
	chunks, err := parseChunks(raw)
	if err != nil {
		t.Fatalf("png chunks: %v", err)
	}
	return img, chunks
}

func parseChunks(raw []byte) ([]pngChunk, error) {
	if !bytes.HasPrefix(raw, []byte("\x89PNG\r\n\x1a\n")) {
		return nil, errors.New("no PNG signature")
	}
	var out []pngChunk
	for p := raw[8:]; len(p) > 0; {
		if len(p) < 12 {
			return nil, errors.New("truncated chunk")
		}
		n := int(binary.BigEndian.Uint32(p))
		if len(p) < 12+n {
			return nil, errors.New("truncated chunk data")
		}
		if got, want := binary.BigEndian.Uint32(p[8+n:]), crc32.ChecksumIEEE(p[4:8+n]); got != want {
			return nil, fmt.Errorf("chunk %q: crc %08x, want %08x", p[4:8], got, want)
		}
		out = append(out, pngChunk{string(p[4:8]), p[8 : 8+n]})
		p = p[12+n:]
	}
	return out, nil
}

// parametersText returns the "parameters" text stored after IHDR, and the
// chunk type that holds it.
func parametersText(t testing.TB, chunks []pngChunk) (typ, text string) {
	t.Helper()
	if len(chunks) < 2 || chunks[0].typ != "IHDR" {
		t.Fatalf("chunks %v: want IHDR then a text chunk", chunkTypes(chunks))
	}
	c := chunks[1]
	key, rest, _ := bytes.Cut(c.data, []byte{0})
	if string(key) != "parameters" {
		t.Fatalf("chunk after IHDR is %s with key %q, want key \"parameters\"", c.typ, key)
	}
	switch c.typ {
	case "tEXt":
		runes := make([]rune, len(rest)) // Latin-1
		for i, b := range rest {
			runes[i] = rune(b)
		}
		return c.typ, string(runes)
	case "iTXt":
		// compression flag, method, language tag\0, translated keyword\0, text
		if len(rest) < 2 || rest[0] != 0 {
			t.Fatalf("iTXt: compressed or truncated")
		}
		parts := bytes.SplitN(rest[2:], []byte{0}, 3)
		if len(parts) != 3 {
			t.Fatalf("iTXt: malformed")
		}
		return c.typ, string(parts[2])
	}
	t.Fatalf("chunk after IHDR is %s, want tEXt or iTXt", c.typ)
	return "", ""
}

func chunkTypes(chunks []pngChunk) []string {
	out := make([]string, len(chunks))
	for i, c := range chunks {
		out[i] = c.typ
	}
	return out
}

// sameImage reports whether two images have identical pixels.
func sameImage(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				return false
			}
		}
	}
	return true
}
