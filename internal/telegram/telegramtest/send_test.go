package telegramtest

import (
	"cmp"
	"html"
	"image/color"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// prompt is a user prompt full of characters that break careless escaping.
const prompt = `a (b) [c] _d_ *e* \f <g> &h`

func TestSendMessageParseModes(t *testing.T) {
	s := newTestServer(t, Options{Limits: Limits{Disabled: true}})
	bot := newBot(t, s)
	s.AddChat(private)
	tests := []struct {
		name      string
		mode      string
		text      string
		wantCode  int // 400 unless set
		wantErr   string
		wantText  string
		wantFirst Entity
	}{
		{name: "html escaped prompt", mode: "HTML", text: "<b>Prompt:</b> " + html.EscapeString(prompt),
			wantText: "Prompt: " + prompt, wantFirst: Entity{Type: "bold", Offset: 0, Length: 7}},
		{name: "html library escape", mode: "HTML", text: tgbotapi.EscapeText(tgbotapi.ModeHTML, prompt), wantText: prompt},
		{name: "html raw prompt", mode: "HTML", text: prompt,
			wantErr: `Bad Request: can't parse entities: Unsupported start tag "g" at byte offset 21`},
		{name: "html bare ampersand", mode: "HTML", text: "salt & pepper",
			wantErr: `Bad Request: can't parse entities: Unescaped "&" at byte offset 5: use "&amp;"`},
		{name: "html bare greater-than", mode: "HTML", text: "a > b",
			wantErr: `Bad Request: can't parse entities: Unescaped ">" at byte offset 2: use "&gt;"`},
		{name: "html named entity", mode: "HTML", text: "a&nbsp;b",
			wantErr: `Bad Request: can't parse entities: Unsupported HTML entity "&nbsp;" at byte offset 1: only &lt; &gt; &amp; &quot; and numeric entities are supported`},
		{name: "html numeric entity", mode: "HTML", text: "caf&#233; &#x1F600;", wantText: "café 😀"},
		{name: "html unclosed", mode: "HTML", text: "<b>bold",
			wantErr: `Bad Request: can't parse entities: Can't find end tag corresponding to start tag "b"`},
		{name: "html unmatched", mode: "HTML", text: "<b><i>x</b></i>",
			wantErr: `Bad Request: can't parse entities: Unmatched end tag at byte offset 7, expected "</i>", found "</b>"`},
		{name: "html link", mode: "HTML", text: `<a href="https://example.com/?a=1&amp;b=2">site</a>`,
			wantText: "site", wantFirst: Entity{Type: "text_link", Length: 4, URL: "https://example.com/?a=1&b=2"}},
		{name: "markdownv2 not supported", mode: "MarkdownV2", text: "*Prompt:*", wantCode: 501,
			wantErr: "Not Implemented: telegramtest does not support parse_mode MarkdownV2 (the bot sends HTML)"},
		{name: "markdown not supported", mode: "Markdown", text: "*Prompt:*", wantCode: 501,
			wantErr: "Not Implemented: telegramtest does not support parse_mode Markdown (the bot sends HTML)"},
		{name: "unknown mode", mode: "BBCode", text: "[b]x[/b]", wantErr: "Bad Request: unsupported parse_mode"},
		{name: "plain", text: prompt, wantText: prompt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := tgbotapi.NewMessage(private.ID, tt.text)
			msg.ParseMode = tt.mode
			sent, err := bot.Send(msg)
			if tt.wantErr != "" {
				code := cmp.Or(tt.wantCode, 400)
				if e := apiErr(t, err); e.Code != code || e.Message != tt.wantErr {
					t.Errorf("error %d %q, want %d %q", e.Code, e.Message, code, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			m, _ := s.Message(private.ID, sent.MessageID)
			if m.Text != tt.wantText || sent.Text != tt.wantText || m.Source != tt.text || m.ParseMode != tt.mode {
				t.Errorf("stored %q (returned %q, source %q, mode %q), want %q from %q", m.Text, sent.Text, m.Source, m.ParseMode, tt.wantText, tt.text)
			}
			if tt.wantFirst.Type != "" && (len(m.Entities) == 0 || m.Entities[0] != tt.wantFirst) {
				t.Errorf("entities %+v, want first %+v", m.Entities, tt.wantFirst)
			}
		})
	}
}

func TestTextLimits(t *testing.T) {
	s := newTestServer(t, Options{Limits: Limits{Disabled: true}})
	s.AddChat(private)
	png := pngImage(t, 8, 8, color.Black)
	tests := []struct {
		name    string
		method  string
		text    string
		mode    string
		wantErr string
	}{
		{name: "4096 chars", method: "sendMessage", text: strings.Repeat("x", 4096)},
		{name: "4097 chars", method: "sendMessage", text: strings.Repeat("x", 4097), wantErr: "Bad Request: message is too long"},
		{name: "tags do not count", method: "sendMessage", mode: "HTML", text: "<b>" + strings.Repeat("x", 4096) + "</b>"},
		{name: "entities count as one", method: "sendMessage", mode: "HTML", text: strings.Repeat("&lt;", 4096)},
		{name: "emoji count twice", method: "sendMessage", text: strings.Repeat("😀", 2049), wantErr: "Bad Request: message is too long"},
		{name: "blank", method: "sendMessage", text: " \n\t ", wantErr: "Bad Request: message text is empty"},
		{name: "empty after parsing", method: "sendMessage", mode: "HTML", text: "<b></b>", wantErr: "Bad Request: message text is empty"},
		{name: "caption 1024", method: "sendPhoto", text: strings.Repeat("y", 1024)},
		{name: "caption 1025", method: "sendPhoto", text: strings.Repeat("y", 1025), wantErr: "Bad Request: message caption is too long"},
		{name: "caption emoji", method: "sendPhoto", text: strings.Repeat("😀", 513), wantErr: "Bad Request: message caption is too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			switch tt.method {
			case "sendMessage":
				m := tgbotapi.NewMessage(private.ID, tt.text)
				m.ParseMode = tt.mode
				_, err = newBot(t, s).Send(m)
			case "sendPhoto":
				p := tgbotapi.NewPhoto(private.ID, tgbotapi.FileBytes{Name: "p.png", Bytes: png})
				p.Caption, p.ParseMode = tt.text, tt.mode
				_, err = newBot(t, s).Send(p)
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("Send: %v, want success", err)
				}
				return
			}
			if e := apiErr(t, err); e.Message != tt.wantErr {
				t.Errorf("error %q, want %q", e.Message, tt.wantErr)
			}
		})
	}
}

func TestTextIsTrimmed(t *testing.T) {
	s := newTestServer(t, Options{})
	bot := newBot(t, s)
	s.AddChat(private)
	m := tgbotapi.NewMessage(private.ID, "  \n<b>hi</b> there \n")
	m.ParseMode = "HTML"
	sent, err := bot.Send(m)
	if err != nil {
		t.Fatal(err)
	}
	if sent.Text != "hi there" || len(sent.Entities) != 1 || sent.Entities[0].Offset != 0 || sent.Entities[0].Length != 2 {
		t.Errorf("text %q entities %+v, want \"hi there\" with bold 0+2", sent.Text, sent.Entities)
	}
}

func TestRepliesAndThreads(t *testing.T) {
	s := newTestServer(t, Options{Limits: Limits{Disabled: true}})
	bot := newBot(t, s)
	cmd := s.SendMessage(forum, alice, "/imagine owl", InThread(7))
	s.SendMessage(group, bob, "hello")

	send := func(params tgbotapi.Params) (tgbotapi.Message, error) {
		resp, err := bot.MakeRequest("sendMessage", params)
		if err != nil {
			return tgbotapi.Message{}, err
		}
		var m tgbotapi.Message
		return m, decodeJSON(string(resp.Result), &m)
	}
	tests := []struct {
		name       string
		params     tgbotapi.Params
		wantErr    string
		wantReply  int
		wantThread int
	}{
		{name: "reply inherits the topic", params: tgbotapi.Params{"chat_id": "-100600", "text": "queued", "reply_to_message_id": "1"}, wantReply: cmd.ID, wantThread: 7},
		{name: "reply wins over thread", params: tgbotapi.Params{"chat_id": "-100600", "text": "x", "reply_to_message_id": "1", "message_thread_id": "7"}, wantReply: cmd.ID, wantThread: 7},
		{name: "explicit thread", params: tgbotapi.Params{"chat_id": "-100600", "text": "x", "message_thread_id": "7"}, wantThread: 7},
		{name: "reply_parameters", params: tgbotapi.Params{"chat_id": "-100600", "text": "x", "reply_parameters": `{"message_id":1}`}, wantReply: cmd.ID, wantThread: 7},
		{name: "unknown thread", params: tgbotapi.Params{"chat_id": "-100600", "text": "x", "message_thread_id": "9"}, wantErr: "Bad Request: message thread not found"},
		{name: "thread outside a forum", params: tgbotapi.Params{"chat_id": "-100500", "text": "x", "message_thread_id": "7"}, wantErr: "Bad Request: message thread not found"},
		{name: "missing reply", params: tgbotapi.Params{"chat_id": "-100600", "text": "x", "reply_to_message_id": "99"}, wantErr: "Bad Request: message to be replied not found"},
		{name: "missing reply allowed", params: tgbotapi.Params{"chat_id": "-100600", "text": "x", "reply_to_message_id": "99", "allow_sending_without_reply": "true"}},
		{name: "missing reply allowed keeps thread", params: tgbotapi.Params{"chat_id": "-100600", "text": "x", "reply_parameters": `{"message_id":99,"allow_sending_without_reply":true}`, "message_thread_id": "7"}, wantThread: 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sent, err := send(tt.params)
			if tt.wantErr != "" {
				if e := apiErr(t, err); e.Message != tt.wantErr {
					t.Errorf("error %q, want %q", e.Message, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			m, _ := s.Message(forum.ID, sent.MessageID)
			if m.ReplyTo != tt.wantReply || m.ThreadID != tt.wantThread {
				t.Errorf("reply to %d in thread %d, want %d in %d", m.ReplyTo, m.ThreadID, tt.wantReply, tt.wantThread)
			}
		})
	}
}
