package telegram

import (
	"testing"
	"unicode/utf8"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

func TestPressRoundTrip(t *testing.T) {
	tests := []press{
		{act: actCancel, job: 1},
		{act: actReroll, job: 1<<64 - 1},
		{act: actRetry, job: 35},
		{act: actPNG, job: 12345, n: 3},
		{act: actModel, list: 7, n: 24},
		{act: actModelPage, list: 999999999, n: 999999999},
		{act: actSettings, user: 1001, field: setAspect, value: "16x9"},
		{act: actSettings, user: 1<<63 - 1, field: setReset, value: setClear},
	}
	for _, p := range tests {
		data := p.data()
		if len(data) > maxCallbackData {
			t.Errorf("%+v encodes to %d bytes, over Telegram's 64", p, len(data))
		}
		got, ok := parsePress(data)
		if !ok || got != p {
			t.Errorf("parsePress(%q) = %+v, %v; want %+v", data, got, ok, p)
		}
	}
}

func TestParsePressRejects(t *testing.T) {
	for _, data := range []string{"", "c", "c:", "x:1", "c:-1", "c:+1", "c:zz!", "p:1", "p:1:", "p:1:-2", "m:1", "m:a:1", "mp:1:2:3",
		"s:", "s:1", "s:1:a", "s:1:a:", "s:1::d", "s:-1:a:d", "s:x:a:d", "s:99999999999999999999:a:d",
		"c:" + imagine.JobID(1).String() + string(make([]byte, 70))} {
		if p, ok := parsePress(data); ok {
			t.Errorf("parsePress(%q) = %+v, want not ok", data, p)
		}
	}
}

// FuzzParsePress decodes arbitrary callback data: no panic, and whatever
// decodes re-encodes to the same press within 64 bytes.
func FuzzParsePress(f *testing.F) {
	for _, s := range []string{"c:1", "r:zz", "t:a", "p:2s:1", "m:3:4", "mp:0:1", "x", "p::", "m:99999999999:1", "s:1:a:16x9", "s:5:x:d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		p, ok := parsePress(data)
		if !ok {
			return
		}
		again, ok := parsePress(p.data())
		if !ok || again != p || len(p.data()) > maxCallbackData {
			t.Fatalf("parsePress(%q) = %+v, which encodes to %q and decodes to %+v, %v", data, p, p.data(), again, ok)
		}
	})
}

// FuzzParseCommand parses arbitrary messages with arbitrary command
// entities: no panic, and a command is only ever this bot's.
func FuzzParseCommand(f *testing.F) {
	f.Add("/imagine a cat", 0, 8)
	f.Add("/imagine@imagine_test_bot a cat", 0, 25)
	f.Add("/imagine@other_bot a cat", 0, 18)
	f.Add("/🎨 x", 0, 3)
	f.Add("héllo /imagine", 6, 8)
	f.Fuzz(func(t *testing.T, text string, offset, length int) {
		if !utf8.ValidString(text) {
			return // update JSON always decodes to valid UTF-8
		}
		m := &message{Text: text, Entities: []entity{{Type: "bot_command", Offset: offset, Length: length}}}
		cmd, ok := parseCommand(m, "imagine_test_bot")
		if !ok {
			return
		}
		if offset != 0 {
			t.Fatalf("a command at offset %d was accepted", offset)
		}
		if len(cmd.args) > len(text) {
			t.Fatalf("args %q longer than the text %q", cmd.args, text)
		}
	})
}
