package telegramtest

import (
	"bytes"
	"image/color"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

func TestSendPhotoRules(t *testing.T) {
	s := newTestServer(t, Options{Limits: Limits{Disabled: true}})
	bot := newBot(t, s)
	s.AddChat(private)
	tooBig := append(pngHeader(100, 100), make([]byte, 10<<20)...)
	tests := []struct {
		name          string
		data          []byte
		wantErr       string
		wantW, wantH  int
		wantLargestID bool
	}{
		{name: "real png", data: pngImage(t, 40, 30, color.White), wantW: 40, wantH: 30},
		{name: "sum 10000", data: pngHeader(9000, 1000), wantW: 2560, wantH: 284},
		{name: "sum 10001", data: pngHeader(9001, 1000), wantErr: "Bad Request: PHOTO_INVALID_DIMENSIONS"},
		{name: "ratio 21", data: pngHeader(2100, 100), wantErr: "Bad Request: PHOTO_INVALID_DIMENSIONS"},
		{name: "ratio 20", data: pngHeader(2000, 100), wantW: 2000, wantH: 100},
		{name: "over 10 MB", data: tooBig, wantErr: "Bad Request: PHOTO_SAVE_FILE_INVALID"},
		{name: "not an image", data: []byte("GIF? no"), wantErr: "Bad Request: IMAGE_PROCESS_FAILED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sent, err := bot.Send(tgbotapi.NewPhoto(private.ID, tgbotapi.FileBytes{Name: "x.png", Bytes: tt.data}))
			if tt.wantErr != "" {
				// On the multipart path the library leaves Error.Code at 0.
				if e := apiErr(t, err); e.Message != tt.wantErr {
					t.Errorf("error %q, want %q", e.Message, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			largest := sent.Photo[len(sent.Photo)-1]
			if largest.Width != tt.wantW || largest.Height != tt.wantH {
				t.Errorf("largest size %dx%d, want %dx%d", largest.Width, largest.Height, tt.wantW, tt.wantH)
			}
			m, _ := s.Message(private.ID, sent.MessageID)
			if m.Photo == nil || !bytes.Equal(m.Photo.Bytes, tt.data) || m.Photo.FileID != largest.FileID {
				t.Errorf("stored photo %+v, want the uploaded bytes under file_id %s", m.Photo, largest.FileID)
			}
		})
	}
}

func TestFilesByIDAndDownload(t *testing.T) {
	s := newTestServer(t, Options{Limits: Limits{Disabled: true}})
	bot := newBot(t, s)
	s.AddChat(private)
	data := pngImage(t, 400, 300, color.White)
	first, err := bot.Send(tgbotapi.NewPhoto(private.ID, tgbotapi.FileBytes{Name: "a.png", Bytes: data}))
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Photo) != 3 {
		t.Errorf("%d photo sizes for 400x300, want 3 (90, 320, full)", len(first.Photo))
	}
	id := first.Photo[len(first.Photo)-1].FileID
	again, err := bot.Send(tgbotapi.NewPhoto(private.ID, tgbotapi.FileID(id)))
	if err != nil || again.Photo[len(again.Photo)-1].FileID != id {
		t.Fatalf("resend by file_id: %v, %+v", err, again.Photo)
	}
	if _, err := bot.Send(tgbotapi.NewDocument(private.ID, tgbotapi.FileID(id))); err == nil || apiErr(t, err).Message != "Bad Request: type of file mismatch" {
		t.Errorf("photo file_id as document: %v, want type of file mismatch", err)
	}
	if _, err := bot.Send(tgbotapi.NewPhoto(private.ID, tgbotapi.FileID("nope"))); err == nil || apiErr(t, err).Message != "Bad Request: wrong file identifier/HTTP URL specified" {
		t.Errorf("unknown file_id: %v", err)
	}
}

func TestSendDocument(t *testing.T) {
	s := newTestServer(t, Options{})
	bot := newBot(t, s)
	s.AddChat(private)
	data := pngImage(t, 16, 16, color.White)
	doc := tgbotapi.NewDocument(private.ID, tgbotapi.FileBytes{Name: "seed-42.png", Bytes: data})
	doc.Caption = "<i>full quality</i>"
	doc.ParseMode = "HTML"
	sent, err := bot.Send(doc)
	if err != nil {
		t.Fatal(err)
	}
	if sent.Document == nil || sent.Document.FileName != "seed-42.png" || sent.Document.MimeType != "image/png" || sent.Caption != "full quality" {
		t.Errorf("document %+v caption %q, want seed-42.png image/png \"full quality\"", sent.Document, sent.Caption)
	}
	m, _ := s.Message(private.ID, sent.MessageID)
	if m.Document == nil || !bytes.Equal(m.Document.Bytes, data) {
		t.Errorf("stored document %+v, want the uploaded bytes", m.Document)
	}
}

func TestSendMediaGroup(t *testing.T) {
	s := newTestServer(t, Options{Limits: Limits{Disabled: true}})
	bot := newBot(t, s)
	cmd := s.SendMessage(private, alice, "/imagine two cats")
	photo := func(c color.Color, caption string) tgbotapi.InputMediaPhoto {
		p := tgbotapi.NewInputMediaPhoto(tgbotapi.FileBytes{Name: "p.png", Bytes: pngImage(t, 20, 20, c)})
		p.Caption = caption
		return p
	}
	cfg := tgbotapi.NewMediaGroup(private.ID, []any{photo(color.White, "seed 1"), photo(color.Black, "seed 2")})
	cfg.ReplyToMessageID = cmd.ID
	msgs, err := bot.SendMediaGroup(cfg)
	if err != nil {
		t.Fatalf("SendMediaGroup: %v", err)
	}
	if len(msgs) != 2 || msgs[0].MediaGroupID == "" || msgs[0].MediaGroupID != msgs[1].MediaGroupID {
		t.Fatalf("got %d messages with media groups %q, want 2 sharing one", len(msgs), []string{msgs[0].MediaGroupID})
	}
	for i, want := range []string{"seed 1", "seed 2"} {
		m, _ := s.Message(private.ID, msgs[i].MessageID)
		if m.Caption != want || m.Photo == nil || m.ReplyTo != cmd.ID {
			t.Errorf("item %d: caption %q photo %v reply %d, want %q with a photo replying to %d", i, m.Caption, m.Photo != nil, m.ReplyTo, want, cmd.ID)
		}
	}

	ptr := photo(color.White, "")
	doc := tgbotapi.NewInputMediaDocument(tgbotapi.FileBytes{Name: "d.png", Bytes: pngImage(t, 4, 4, color.White)})
	eleven := make([]any, 11)
	for i := range eleven {
		eleven[i] = photo(color.White, "")
	}
	tests := []struct {
		name    string
		media   []any
		wantErr string
	}{
		{"one item", []any{photo(color.White, "")}, "Bad Request: media must include 2-10 items"},
		{"eleven items", eleven, "Bad Request: too much messages to send as an album"},
		{"mixed documents and photos", []any{photo(color.White, ""), doc}, "Bad Request: can't use the media of the specified type in the album"},
		// The library only converts value types; a pointer sends the FileBytes struct as JSON.
		{"pointer trap", []any{&ptr, photo(color.White, "")}, `Bad Request: can't parse media: field "media" of InputMediaPhoto: expected String`},
		{"unknown type", []any{tgbotapi.InputMediaPhoto{BaseInputMedia: tgbotapi.BaseInputMedia{Type: "sticker", Media: tgbotapi.FileID("x")}}, photo(color.White, "")},
			`Bad Request: can't parse media: unsupported type "sticker", want one of audio, document, live_photo, photo, video`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := bot.SendMediaGroup(tgbotapi.NewMediaGroup(private.ID, tt.media))
			if e := apiErr(t, err); e.Message != tt.wantErr {
				t.Errorf("error %q, want %q", e.Message, tt.wantErr)
			}
		})
	}
	// Albums cannot carry a keyboard: reply_markup is no parameter of sendMediaGroup.
	got := call(t, s, "sendMediaGroup", url.Values{"chat_id": {"1001"}, "media": {"[]"}, "reply_markup": {`{"inline_keyboard":[]}`}})
	if !strings.Contains(got.Description, `unknown parameter "reply_markup"`) {
		t.Errorf("sendMediaGroup with reply_markup: %q, want unknown parameter", got.Description)
	}
}

func TestMultipartFileParts(t *testing.T) {
	s := newTestServer(t, Options{Limits: Limits{Disabled: true}})
	s.AddChat(private)
	img := pngImage(t, 4, 4, color.White)
	type part struct{ name, filename, value string }
	tests := []struct {
		name    string
		method  string
		parts   []part
		wantErr string
	}{
		{"direct photo part", "sendPhoto", []part{{"chat_id", "", "1001"}, {"photo", "a.png", ""}}, ""},
		{"photo by attach", "sendPhoto", []part{{"chat_id", "", "1001"}, {"photo", "", "attach://pic"}, {"pic", "a.png", ""}}, ""},
		{"unreferenced part", "sendPhoto", []part{{"chat_id", "", "1001"}, {"photo", "a.png", ""}, {"file-1", "b.png", ""}}, `Bad Request: unknown parameter "file-1" for method sendPhoto: a file part that no attach:// refers to`},
		{"attach to a missing part", "sendPhoto", []part{{"chat_id", "", "1001"}, {"photo", "", "attach://nope"}}, `Bad Request: wrong file identifier/HTTP URL specified: no file part "nope" for attach://nope`},
		{"photo by URL", "sendPhoto", []part{{"chat_id", "", "1001"}, {"photo", "", "https://example.com/a.png"}}, "Bad Request: failed to get HTTP URL content (telegramtest does not fetch URLs)"},
		{"empty file", "sendDocument", []part{{"chat_id", "", "1001"}, {"document", "empty.txt", "-"}}, "Bad Request: file must be non-empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			w := multipart.NewWriter(&b)
			for _, p := range tt.parts {
				if p.filename == "" {
					_ = w.WriteField(p.name, p.value)
					continue
				}
				fw, _ := w.CreateFormFile(p.name, p.filename)
				if p.value != "-" {
					_, _ = fw.Write(img)
				}
			}
			_ = w.Close()
			got := do(t, s.URL+"/bot"+s.Token()+"/"+tt.method, w.FormDataContentType(), strings.NewReader(b.String()))
			if tt.wantErr == "" {
				if !got.OK {
					t.Errorf("got %d %q, want ok", got.Status, got.Description)
				}
				return
			}
			if got.Description != tt.wantErr {
				t.Errorf("got %d %q, want %q", got.Status, got.Description, tt.wantErr)
			}
		})
	}
}

func TestDocumentSizeLimit(t *testing.T) {
	s := newTestServer(t, Options{})
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.documentLocked(inputFile{upload: &upload{filename: "big.bin", data: make([]byte, maxDocumentBytes+1)}})
	if err == nil || err.code != http.StatusRequestEntityTooLarge {
		t.Errorf("50 MB + 1 byte document: %v, want 413", err)
	}
	d, err := s.documentLocked(inputFile{upload: &upload{filename: "ok.bin", data: make([]byte, 1024)}})
	if err != nil || len(d.Bytes) != 1024 {
		t.Errorf("1 KiB document: %v, want it stored", err)
	}
}
