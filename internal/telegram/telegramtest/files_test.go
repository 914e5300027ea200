package telegramtest

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// pendingMessages returns the messages of the pending updates, without waiting.
func pendingMessages(t *testing.T, bot *tgbotapi.BotAPI) []*tgbotapi.Message {
	t.Helper()
	ups, err := bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 0})
	if err != nil {
		t.Fatalf("GetUpdates: %v", err)
	}
	var out []*tgbotapi.Message
	for _, u := range ups {
		if u.Message != nil {
			out = append(out, u.Message)
		}
	}
	return out
}

// download fetches file_path from the file route with token.
func download(t *testing.T, s *Server, token, filePath string) (int, string, []byte) {
	t.Helper()
	resp, err := http.Get(s.URL + "/file/bot" + token + "/" + filePath)
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), body
}

func TestUserPhotoSizesGetFileAndDownload(t *testing.T) {
	s := newTestServer(t, Options{Limits: Limits{Disabled: true}})
	bot := newBot(t, s)
	photo := pngImage(t, 1000, 500, color.RGBA{200, 30, 30, 255})
	sent := s.SendMessage(group, alice, "/imagine@imagine_test_bot a red fox --ar 2:1", WithPhoto("fox.png", photo))
	msgs := pendingMessages(t, bot)
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.MessageID != sent.ID || m.Text != "" || m.Caption != "/imagine@imagine_test_bot a red fox --ar 2:1" {
		t.Fatalf("message %d text %q caption %q, want the photo's caption", m.MessageID, m.Text, m.Caption)
	}
	if len(m.CaptionEntities) != 1 || m.CaptionEntities[0].Type != "bot_command" || m.CaptionEntities[0].Offset != 0 ||
		m.CaptionEntities[0].Length != len("/imagine@imagine_test_bot") {
		t.Errorf("caption_entities = %+v, want the bot_command", m.CaptionEntities)
	}
	wantSides := [][2]int{{90, 45}, {320, 160}, {800, 400}, {1000, 500}}
	if len(m.Photo) != len(wantSides) {
		t.Fatalf("%d photo sizes %+v, want %d", len(m.Photo), m.Photo, len(wantSides))
	}
	for i, ps := range m.Photo {
		if ps.Width != wantSides[i][0] || ps.Height != wantSides[i][1] || ps.FileSize == 0 {
			t.Errorf("size %d = %dx%d (%d bytes), want %dx%d with a file_size", i, ps.Width, ps.Height, ps.FileSize, wantSides[i][0], wantSides[i][1])
		}
		f, err := bot.GetFile(tgbotapi.FileConfig{FileID: ps.FileID})
		if err != nil {
			t.Fatalf("getFile %s: %v", ps.FileID, err)
		}
		if f.FileSize != ps.FileSize || f.FilePath == "" {
			t.Errorf("getFile = %+v, want file_size %d and a file_path", f, ps.FileSize)
		}
		code, _, body := download(t, s, s.Token(), f.FilePath)
		if code != http.StatusOK || len(body) != ps.FileSize {
			t.Fatalf("download of size %d: %d, %d bytes; want 200 with %d bytes", i, code, len(body), ps.FileSize)
		}
		cfg, _, err := image.DecodeConfig(bytes.NewReader(body))
		if err != nil || cfg.Width != ps.Width || cfg.Height != ps.Height {
			t.Errorf("downloaded size %d decodes as %dx%d (%v), want %dx%d", i, cfg.Width, cfg.Height, err, ps.Width, ps.Height)
		}
		if last := i == len(m.Photo)-1; last != bytes.Equal(body, photo) {
			t.Errorf("size %d: the photo's own bytes = %v, want only for the largest size", i, !last)
		}
	}
	if ds := s.Downloads(); len(ds) != len(wantSides) || strings.Contains(ds[0].Path, s.Token()) {
		t.Errorf("downloads = %+v, want %d without the token", ds, len(wantSides))
	}
}

func TestUserDocumentAndReply(t *testing.T) {
	s := newTestServer(t, Options{Limits: Limits{Disabled: true}})
	bot := newBot(t, s)
	pic := pngImage(t, 64, 48, color.White)
	doc := s.SendMessage(private, alice, "", WithDocument("drawing.png", pic))
	s.SendMessage(private, alice, "/imagine make it blue", ReplyTo(doc.ID))
	photo := s.SendMessage(private, alice, "", WithPhoto("p.png", pic), WithoutFileSize())
	s.SendMessage(private, alice, "/imagine", ReplyTo(photo.ID))
	msgs := pendingMessages(t, bot)
	if len(msgs) != 4 {
		t.Fatalf("%d messages, want 4", len(msgs))
	}
	d := msgs[0].Document
	if d == nil || d.MimeType != "image/png" || d.FileName != "drawing.png" || d.FileSize != len(pic) || msgs[0].Caption != "" {
		t.Fatalf("document = %+v caption %q, want drawing.png, image/png, %d bytes, no caption", d, msgs[0].Caption, len(pic))
	}
	r := msgs[1].ReplyToMessage
	if r == nil || r.Document == nil || r.Document.FileID != d.FileID {
		t.Fatalf("reply_to_message = %+v, want the document", r)
	}
	r = msgs[3].ReplyToMessage
	if r == nil || len(r.Photo) != 1 || r.Photo[0].FileSize != 0 {
		t.Fatalf("reply_to_message's photo = %+v, want one size without file_size", r)
	}
	f, err := bot.GetFile(tgbotapi.FileConfig{FileID: r.Photo[0].FileID})
	if err != nil || f.FileSize != 0 || f.FilePath == "" {
		t.Fatalf("getFile without size = %+v, %v; want a path and no file_size", f, err)
	}
	if _, _, body := download(t, s, s.Token(), f.FilePath); !bytes.Equal(body, pic) {
		t.Error("the download is not the photo")
	}
}

func TestGetFileErrors(t *testing.T) {
	s := newTestServer(t, Options{Limits: Limits{Disabled: true}})
	bot := newBot(t, s)
	big := s.SendMessage(private, alice, "", WithDocument("huge.png", make([]byte, MaxDownloadBytes+1)))
	exact := s.SendMessage(private, alice, "", WithDocument("limit.bin", make([]byte, MaxDownloadBytes)))
	for _, tt := range []struct{ id, want string }{
		{big.Document.FileID, "Bad Request: file is too big"},
		{"no-such-file", "Bad Request: invalid file_id"},
	} {
		_, err := bot.GetFile(tgbotapi.FileConfig{FileID: tt.id})
		if e := apiErr(t, err); e.Code != http.StatusBadRequest || e.Message != tt.want {
			t.Errorf("getFile %s: %d %q, want 400 %q", tt.id, e.Code, e.Message, tt.want)
		}
	}
	if f, err := bot.GetFile(tgbotapi.FileConfig{FileID: exact.Document.FileID}); err != nil || f.FileSize != MaxDownloadBytes {
		t.Errorf("getFile of exactly 20 MB = %+v, %v; want it served", f, err)
	}
	if r := call(t, s, "getFile", nil); r.Status != http.StatusBadRequest || !strings.Contains(r.Description, "file_id") {
		t.Errorf("getFile without file_id: %d %q, want 400 naming file_id", r.Status, r.Description)
	}
}

func TestDownloadFaults(t *testing.T) {
	s := newTestServer(t, Options{Limits: Limits{Disabled: true}})
	bot := newBot(t, s)
	pic := pngImage(t, 32, 32, color.Black)
	doc := s.SendMessage(private, alice, "", WithDocument("a.png", pic))
	f, err := bot.GetFile(tgbotapi.FileConfig{FileID: doc.Document.FileID})
	if err != nil {
		t.Fatal(err)
	}
	if code, _, _ := download(t, s, s.Token(), "documents/nope.png"); code != http.StatusNotFound {
		t.Errorf("unknown path: %d, want 404", code)
	}
	if code, _, _ := download(t, s, "1:wrong", f.FilePath); code != http.StatusNotFound {
		t.Errorf("wrong token: %d, want 404", code)
	}
	s.FailDownloads(DownloadFault{Status: http.StatusBadGateway, Times: 2})
	s.FailDownloads(DownloadFault{HTML: true})
	for range 2 {
		if code, _, _ := download(t, s, s.Token(), f.FilePath); code != http.StatusBadGateway {
			t.Errorf("scripted failure: %d, want 502", code)
		}
	}
	if code, ct, body := download(t, s, s.Token(), f.FilePath); code != http.StatusOK || !strings.HasPrefix(ct, "text/html") || !bytes.Contains(body, []byte("<html>")) {
		t.Errorf("scripted HTML: %d %q, want 200 text/html", code, ct)
	}
	if _, _, body := download(t, s, s.Token(), f.FilePath); !bytes.Equal(body, pic) {
		t.Error("after the faults, the download is not the file")
	}

	s.FailDownloads(DownloadFault{Delay: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/file/bot"+s.Token()+"/"+f.FilePath, nil)
	start := time.Now()
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Error("a slow download answered before the client gave up")
	}
	if time.Since(start) > 30*time.Second {
		t.Error("the client's timeout did not end the slow download")
	}
}
