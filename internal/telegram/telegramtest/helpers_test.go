package telegramtest

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

var (
	alice   = User{ID: 1001, FirstName: "Alice", Username: "alice", LanguageCode: "en"}
	bob     = User{ID: 1002, FirstName: "Bob", Username: "bob"}
	private = Chat{ID: alice.ID, Type: ChatPrivate}
	group   = Chat{ID: -100500, Type: ChatSupergroup, Title: "Artists"}
	forum   = Chat{ID: -100600, Type: ChatSupergroup, Title: "Forum", IsForum: true}
)

func newTestServer(t *testing.T, opts Options) *Server {
	t.Helper()
	s := NewServer(opts)
	t.Cleanup(s.Close)
	return s
}

func newBot(t *testing.T, s *Server) *tgbotapi.BotAPI {
	t.Helper()
	bot, err := tgbotapi.NewBotAPIWithClient(s.Token(), s.URL+"/bot%s/%s", &http.Client{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("NewBotAPIWithClient: %v", err)
	}
	return bot
}

// apiErr extracts the *tgbotapi.Error of a failed call.
func apiErr(t *testing.T, err error) *tgbotapi.Error {
	t.Helper()
	if err == nil {
		t.Fatal("call succeeded, want an API error")
	}
	e, ok := err.(*tgbotapi.Error)
	if !ok {
		t.Fatalf("error %T %v, want *tgbotapi.Error", err, err)
	}
	return e
}

// rawResponse is the decoded envelope of a raw HTTP call.
type rawResponse struct {
	Status      int
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// call makes a form-encoded request to method with the server's token.
func call(t *testing.T, s *Server, method string, params url.Values) rawResponse {
	t.Helper()
	return do(t, s.URL+"/bot"+s.Token()+"/"+method, "application/x-www-form-urlencoded", strings.NewReader(params.Encode()))
}

func do(t *testing.T, u, contentType string, body *strings.Reader) rawResponse {
	t.Helper()
	resp, err := http.Post(u, contentType, body)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	var r rawResponse
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatalf("decode response (status %d): %v", resp.StatusCode, err)
	}
	r.Status = resp.StatusCode
	return r
}

// pngImage encodes a real w×h PNG.
func pngImage(t *testing.T, w, h int, c color.Color) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatalf("png.Encode: %v", err)
	}
	return b.Bytes()
}

// pngHeader returns a PNG signature and IHDR chunk claiming w×h pixels:
// enough for image.DecodeConfig, without the cost of a real huge image.
func pngHeader(w, h int) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	_ = binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

// fakeClock is an injectable clock for flood control and callback expiry.
type fakeClock struct {
	mu  sync.Mutex // guards now
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
