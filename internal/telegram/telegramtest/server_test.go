package telegramtest

import (
	"bytes"
	"context"
	"errors"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

func TestGetMe(t *testing.T) {
	tests := []struct {
		name      string
		opts      Options
		wantID    int64
		wantUser  string
		wantToken string
	}{
		{name: "defaults", opts: Options{}, wantID: 123456, wantUser: DefaultBotUsername, wantToken: DefaultToken},
		{name: "custom", opts: Options{Token: "777:abc", BotUsername: "sd_bot"}, wantID: 777, wantUser: "sd_bot", wantToken: "777:abc"},
		{name: "explicit id", opts: Options{Token: "x:y", BotID: 42}, wantID: 42, wantUser: DefaultBotUsername, wantToken: "x:y"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, tt.opts)
			if s.Token() != tt.wantToken {
				t.Fatalf("Token() = %q, want %q", s.Token(), tt.wantToken)
			}
			bot := newBot(t, s) // calls getMe
			if bot.Self.ID != tt.wantID || bot.Self.UserName != tt.wantUser || !bot.Self.IsBot {
				t.Errorf("Self = %+v, want id %d username %q is_bot", bot.Self, tt.wantID, tt.wantUser)
			}
			if got := s.CallsTo("getMe"); len(got) != 1 || got[0].Status != http.StatusOK {
				t.Errorf("getMe calls = %+v, want one with status 200", got)
			}
		})
	}
}

func TestRequestErrors(t *testing.T) {
	s := newTestServer(t, Options{})
	s.AddChat(private)
	base := s.URL + "/bot" + s.Token() + "/"
	tests := []struct {
		name       string
		url        string
		params     url.Values
		wantStatus int
		wantDesc   string
	}{
		{"wrong token", s.URL + "/bot1:wrong/getMe", nil, 401, "Unauthorized"},
		{"unknown method", base + "sendMessagez", nil, 404, "Not Found"},
		{"no bot prefix", s.URL + "/getMe", nil, 404, "Not Found"},
		{"file with wrong token", s.URL + "/file/bot1:wrong/photos/file_1.jpg", nil, 404, "Not Found"},
		{"unknown parameter", base + "sendMessage", url.Values{"chat_id": {"1001"}, "text": {"hi"}, "colour": {"red"}}, 400,
			`Bad Request: unknown parameter "colour" for method sendMessage (telegramtest rejects parameters Telegram would ignore)`},
		{"missing chat_id", base + "sendMessage", url.Values{"text": {"hi"}}, 400, "Bad Request: chat_id is empty"},
		{"missing text", base + "sendMessage", url.Values{"chat_id": {"1001"}}, 400, "Bad Request: message text is empty"},
		{"missing photo", base + "sendPhoto", url.Values{"chat_id": {"1001"}}, 400, "Bad Request: there is no photo in the request"},
		{"missing generic", base + "answerCallbackQuery", url.Values{}, 400, `Bad Request: parameter "callback_query_id" is required`},
		{"missing media", base + "editMessageMedia", url.Values{"chat_id": {"1001"}, "message_id": {"1"}}, 400, `Bad Request: parameter "media" is required`},
		{"not an integer", base + "deleteMessage", url.Values{"chat_id": {"1001"}, "message_id": {"one"}}, 400,
			`Bad Request: parameter "message_id" must be of type Integer`},
		{"bad JSON", base + "sendMessage", url.Values{"chat_id": {"1001"}, "text": {"hi"}, "reply_markup": {"{"}}, 400,
			"Bad Request: can't parse reply_markup JSON object"},
		{"unknown nested field", base + "sendMessage", url.Values{"chat_id": {"1001"}, "text": {"hi"},
			"reply_markup": {`{"inline_keyboard":[[{"text":"a","callback_data":"b","colour":"red"}]]}`}}, 400,
			`Bad Request: can't parse reply_markup: field "inline_keyboard" of InlineKeyboardMarkup: unknown field "colour" in InlineKeyboardButton`},
		{"unknown chat", base + "sendMessage", url.Values{"chat_id": {"5"}, "text": {"hi"}}, 400, "Bad Request: chat not found"},
		{"edit without message_id", base + "editMessageText", url.Values{"chat_id": {"1001"}, "text": {"x"}}, 400,
			"Bad Request: message identifier is not specified"},
		{"unimplemented", base + "sendPoll", url.Values{"chat_id": {"1001"}, "question": {"q"}, "options": {`[{"text":"a"},{"text":"b"}]`}}, 501,
			"Not Implemented: telegramtest does not implement sendPoll"},
		// Methods the bot never calls are not implemented either.
		{"unused getChatMember", base + "getChatMember", url.Values{"chat_id": {"1001"}, "user_id": {"1001"}}, 501,
			"Not Implemented: telegramtest does not implement getChatMember"},
		{"unused sendChatAction", base + "sendChatAction", url.Values{"chat_id": {"1001"}, "action": {"typing"}}, 501,
			"Not Implemented: telegramtest does not implement sendChatAction"},
		{"getFile of an unknown file", base + "getFile", url.Values{"file_id": {"x"}}, 400, "Bad Request: invalid file_id"},
		{"unused setWebhook", base + "setWebhook", url.Values{"url": {"https://example.invalid/hook"}}, 501,
			"Not Implemented: telegramtest does not implement setWebhook"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := do(t, tt.url, "application/x-www-form-urlencoded", strings.NewReader(tt.params.Encode()))
			if got.Status != tt.wantStatus || got.OK || got.ErrorCode != tt.wantStatus || got.Description != tt.wantDesc {
				t.Errorf("got %d ok=%v code=%d %q, want %d %q", got.Status, got.OK, got.ErrorCode, got.Description, tt.wantStatus, tt.wantDesc)
			}
		})
	}
	if n := len(s.Messages(private.ID)); n != 0 {
		t.Errorf("%d messages stored after failed calls, want 0", n)
	}
}

func TestMethodNamesAreCaseInsensitive(t *testing.T) {
	s := newTestServer(t, Options{Limits: Limits{Disabled: true}})
	s.AddChat(private)
	for _, name := range []string{"sendMessage", "SENDMESSAGE", "sendmessage"} {
		got := call(t, s, name, url.Values{"chat_id": {"1001"}, "text": {name}})
		if !got.OK {
			t.Fatalf("%s: %d %q, want ok", name, got.Status, got.Description)
		}
	}
	if got := len(s.CallsTo("sendMessage")); got != 3 {
		t.Errorf("calls recorded as sendMessage = %d, want 3", got)
	}
}

func TestParameterEncodings(t *testing.T) {
	s := newTestServer(t, Options{Limits: Limits{Disabled: true}})
	s.AddChat(private)
	base := s.URL + "/bot" + s.Token() + "/sendMessage"
	markup := `{"inline_keyboard":[[{"text":"Go","callback_data":"go"}]]}`

	var mp bytes.Buffer
	w := multipart.NewWriter(&mp)
	_ = w.WriteField("chat_id", "1001")
	_ = w.WriteField("text", "multipart")
	_ = w.WriteField("reply_markup", markup)
	_ = w.Close()

	tests := []struct {
		name        string
		url         string
		contentType string
		body        string
		wantText    string
	}{
		{"query string", base + "?chat_id=1001&text=query&reply_markup=" + url.QueryEscape(markup), "", "", "query"},
		{"form", base, "application/x-www-form-urlencoded", url.Values{"chat_id": {"1001"}, "text": {"form"}, "reply_markup": {markup}}.Encode(), "form"},
		{"json", base, "application/json", `{"chat_id":1001,"text":"json","entities":null,"reply_markup":` + markup + `}`, "json"},
		{"multipart", base, w.FormDataContentType(), mp.String(), "multipart"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := do(t, tt.url, tt.contentType, strings.NewReader(tt.body))
			if !got.OK {
				t.Fatalf("got %d %q, want ok", got.Status, got.Description)
			}
			msgs := s.Messages(private.ID)
			last := msgs[len(msgs)-1]
			if last.Text != tt.wantText || len(last.Keyboard) != 1 || last.Keyboard[0][0].CallbackData != "go" {
				t.Errorf("stored %q keyboard %v, want %q with the go button", last.Text, last.Keyboard, tt.wantText)
			}
		})
	}
}

// TestLegacyParameters checks that what telegram-bot-api v5.5.1 sends is
// accepted: Bot API 5.5 names and literal nulls.
func TestLegacyParameters(t *testing.T) {
	s := newTestServer(t, Options{Limits: Limits{Disabled: true}})
	bot := newBot(t, s)
	cmd := s.SendMessage(private, alice, "/start")
	msg := tgbotapi.NewMessage(private.ID, "null")
	msg.ReplyToMessageID = cmd.ID
	msg.AllowSendingWithoutReply = true
	msg.DisableWebPagePreview = true
	sent, err := bot.Send(msg)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	call := s.CallsTo("sendMessage")[0]
	for _, p := range []string{"reply_to_message_id", "allow_sending_without_reply", "disable_web_page_preview"} {
		if _, ok := call.Params[p]; !ok {
			t.Errorf("the library did not send %s; params %v", p, call.Params)
		}
	}
	if call.Params["entities"] != "null" {
		t.Errorf("entities = %q, want the library's literal null", call.Params["entities"])
	}
	m, _ := s.Message(private.ID, sent.MessageID)
	if m.Text != "null" || m.ReplyTo != cmd.ID {
		t.Errorf("stored text %q reply to %d, want the string \"null\" replying to %d", m.Text, m.ReplyTo, cmd.ID)
	}
	if sent.ReplyToMessage == nil || sent.ReplyToMessage.MessageID != cmd.ID {
		t.Errorf("result reply_to_message = %+v, want message %d", sent.ReplyToMessage, cmd.ID)
	}
}

func TestFailNext(t *testing.T) {
	s := newTestServer(t, Options{Limits: Limits{Disabled: true}})
	bot := newBot(t, s)
	s.AddChat(private)

	s.FailNext("getUpdates", http.StatusBadGateway, "Bad Gateway", 2)
	s.FailNext("SendPhoto", http.StatusInternalServerError, "", 1)
	s.FailNext("sendMessage", http.StatusTooManyRequests, "Too Many Requests: retry after 1", 1)

	for i := range 2 {
		_, err := bot.GetUpdates(tgbotapi.UpdateConfig{})
		if e := apiErr(t, err); e.Code != http.StatusBadGateway || e.Message != "Bad Gateway" {
			t.Errorf("getUpdates #%d: %d %q, want 502 Bad Gateway", i, e.Code, e.Message)
		}
	}
	if _, err := bot.GetUpdates(tgbotapi.UpdateConfig{}); err != nil {
		t.Errorf("third getUpdates: %v, want success", err)
	}
	// The scripted failure comes before validation: even an invalid call fails with it.
	got := call(t, s, "sendPhoto", url.Values{})
	if got.Status != 500 || got.Description != "Internal Server Error" {
		t.Errorf("sendPhoto: %d %q, want 500 Internal Server Error", got.Status, got.Description)
	}
	_, err := bot.Send(tgbotapi.NewMessage(private.ID, "hi"))
	if e := apiErr(t, err); e.Code != 429 || e.RetryAfter != 1 {
		t.Errorf("sendMessage: %d retry_after %d, want 429 retry_after 1", e.Code, e.RetryAfter)
	}
	if s.Count429() != 1 {
		t.Errorf("Count429() = %d, want 1", s.Count429())
	}
	if _, err := bot.Send(tgbotapi.NewMessage(private.ID, "hi")); err != nil {
		t.Errorf("sendMessage after the scripted failure: %v", err)
	}
}

func TestCloseWithOpenLongPoll(t *testing.T) {
	s := NewServer(Options{})
	bot := newBot(t, s)
	done := make(chan error, 1)
	go func() {
		_, err := bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 60})
		done <- err
	}()
	waitForPoll(t, s)

	start := time.Now()
	s.Close()
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v with a long poll open, want well under 2s", d)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("getUpdates still blocked after Close")
	}
	if err := s.WaitFor(context.Background(), func() bool { return false }); err != ErrClosed {
		t.Errorf("WaitFor after Close = %v, want ErrClosed", err)
	}
}

// waitForPoll waits until a getUpdates long poll is open on the server.
func waitForPoll(t *testing.T, s *Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		s.mu.Lock()
		open := s.poll != nil
		s.mu.Unlock()
		if open {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatal("no getUpdates long poll opened")
		case <-time.After(time.Millisecond):
		}
	}
}

func TestWaitFor(t *testing.T) {
	s := newTestServer(t, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := s.WaitFor(ctx, func() bool { return false }); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitFor on a condition that never holds = %v, want DeadlineExceeded", err)
	}
	go s.SendMessage(private, alice, "wake up")
	if err := s.WaitFor(t.Context(), func() bool { return len(s.Messages(private.ID)) == 1 }); err != nil {
		t.Errorf("WaitFor after SendMessage: %v", err)
	}
	s.Close()
	s.Close() // idempotent
}
