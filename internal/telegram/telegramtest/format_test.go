package telegramtest

import (
	"slices"
	"testing"
)

func TestParseHTML(t *testing.T) {
	tests := []struct {
		in       string
		wantText string
		wantEnts []Entity
		wantErr  string
	}{
		{in: "<b>bold</b> <i>it</i>", wantText: "bold it", wantEnts: []Entity{{Type: "bold", Length: 4}, {Type: "italic", Offset: 5, Length: 2}}},
		{in: "<strong><em>x</em></strong>", wantText: "x", wantEnts: []Entity{{Type: "italic", Length: 1}, {Type: "bold", Length: 1}}},
		{in: "😀<u>a</u>", wantText: "😀a", wantEnts: []Entity{{Type: "underline", Offset: 2, Length: 1}}},
		{in: `<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>`, wantText: "st", wantEnts: []Entity{{Type: "spoiler", Length: 1}, {Type: "spoiler", Offset: 1, Length: 1}}},
		{in: `<pre><code class="language-go">x := 1</code></pre>`, wantText: "x := 1", wantEnts: []Entity{{Type: "pre", Length: 6, Language: "go"}}},
		{in: `<code>&lt;g&gt; &amp; &quot;</code>`, wantText: `<g> & "`, wantEnts: []Entity{{Type: "code", Length: 7}}},
		{in: `<blockquote expandable>q</blockquote>`, wantText: "q", wantEnts: []Entity{{Type: "expandable_blockquote", Length: 1}}},
		{in: `<a href='tg://user?id=1'>me</a>`, wantText: "me", wantEnts: []Entity{{Type: "text_link", Length: 2, URL: "tg://user?id=1"}}},
		{in: "<B>caps</B>", wantText: "caps", wantEnts: []Entity{{Type: "bold", Length: 4}}},
		{in: "<b></b>x", wantText: "x"},
		{in: "a < b", wantErr: `Unsupported start tag "" at byte offset 2`},
		{in: "<br/>", wantErr: `Unsupported start tag "br/" at byte offset 0`},
		{in: "<span>x</span>", wantErr: `Tag "span" must have class "tg-spoiler" at byte offset 0`},
		{in: "</b>", wantErr: "Unexpected end tag at byte offset 0"},
		{in: "<b>x", wantErr: `Can't find end tag corresponding to start tag "b"`},
		{in: `<a href="x`, wantErr: "Unclosed start tag at byte offset 0"},
		{in: "<b>x</b", wantErr: "Unclosed end tag at byte offset 4"},
		{in: "AT&T", wantErr: `Unescaped "&" at byte offset 2: use "&amp;"`},
		{in: "&#0;", wantErr: `Unsupported HTML entity "&#0;" at byte offset 0: only &lt; &gt; &amp; &quot; and numeric entities are supported`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseHTML(tt.in)
			checkParsed(t, got, err, tt.wantText, tt.wantEnts, tt.wantErr)
		})
	}
}

func checkParsed(t *testing.T, got formatted, err error, wantText string, wantEnts []Entity, wantErr string) {
	t.Helper()
	if wantErr != "" {
		if err == nil || err.Error() != wantErr {
			t.Errorf("error %v, want %q", err, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatalf("error %v, want text %q", err, wantText)
	}
	if got.text != wantText || !slices.Equal(got.entities, wantEnts) {
		t.Errorf("got %q %+v, want %q %+v", got.text, got.entities, wantText, wantEnts)
	}
}

func TestBotCommandEntities(t *testing.T) {
	tests := []struct {
		in   string
		want []Entity
	}{
		{"/imagine a cat", []Entity{{Type: "bot_command", Length: 8}}},
		{"/imagine@imagine_test_bot cat", []Entity{{Type: "bot_command", Length: 25}}},
		{"/imagine@ab x", nil}, // "@ab" is too short for a username: no command
		{"please /help me", []Entity{{Type: "bot_command", Offset: 7, Length: 5}}},
		{"😀 /start", []Entity{{Type: "bot_command", Offset: 3, Length: 6}}},
		{"a/b and http://x/y", nil},
		{"/", nil},
		{"/model_1 /model_2", []Entity{{Type: "bot_command", Length: 8}, {Type: "bot_command", Offset: 9, Length: 8}}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := botCommandEntities(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseFormattedTrimsAndCounts(t *testing.T) {
	tests := []struct {
		name     string
		source   string
		mode     string
		caption  bool
		wantText string
		wantEnts []Entity
		wantErr  string
	}{
		{name: "trim moves entities", source: "  <b> x</b>y ", mode: "HTML", wantText: "xy", wantEnts: []Entity{{Type: "bold", Length: 1}}},
		{name: "plain text", source: "hello", wantText: "hello"},
		{name: "parse mode is case-insensitive", source: "<i>x</i>", mode: "html", wantText: "x", wantEnts: []Entity{{Type: "italic", Length: 1}}},
		{name: "empty caption is fine", source: "", caption: true},
		{name: "invalid utf-8", source: "a\xffb", wantErr: "Bad Request: strings must be encoded in UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseFormatted(tt.source, tt.mode, "", tt.caption)
			if tt.wantErr != "" {
				if err == nil || err.desc != tt.wantErr {
					t.Errorf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got.text != tt.wantText || !slices.Equal(got.entities, tt.wantEnts) {
				t.Errorf("got %q %+v %v, want %q %+v", got.text, got.entities, err, tt.wantText, tt.wantEnts)
			}
		})
	}
	f, err := parseFormatted("hello world", "", `[{"type":"bold","offset":6,"length":5}]`, false)
	if err != nil || len(f.entities) != 1 || f.entities[0].Offset != 6 {
		t.Errorf("explicit entities: %+v %v", f, err)
	}
	if _, err := parseFormatted("hi", "", `[{"type":"bold","offset":1,"length":5}]`, false); err == nil {
		t.Error("an entity past the end of the text was accepted")
	}
}
