package imagine

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

var verb = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)

// TestCatalogueComplete checks that every message exists in both languages
// with the same formatting verbs, so no user ever sees a missing or
// garbled sentence.
func TestCatalogueComplete(t *testing.T) {
	for id := MsgID(0); id < numMsgs; id++ {
		m := catalogue[id]
		if m.en == "" || m.zh == "" {
			t.Errorf("message %d: en %q, zh %q; want both", id, m.en, m.zh)
			continue
		}
		en, zh := verb.FindAllString(m.en, -1), verb.FindAllString(m.zh, -1)
		slices.Sort(en)
		slices.Sort(zh)
		if !slices.Equal(en, zh) {
			t.Errorf("message %d: verbs %v in English, %v in Chinese", id, en, zh)
		}
	}
}

func TestLanguageChoice(t *testing.T) {
	tests := []struct {
		locale string
		want   Lang
	}{
		{"", English}, {"en", English}, {"en-US", English}, {"de", English},
		{"zh", Chinese}, {"zh-CN", Chinese}, {"zh-hans", Chinese}, {"ZH-TW", Chinese},
	}
	for _, tt := range tests {
		if got := LangOf(tt.locale); got != tt.want {
			t.Errorf("LangOf(%q) = %v, want %v", tt.locale, got, tt.want)
		}
	}
	if got := T("zh-CN", MsgQueued, 2, 5); !strings.Contains(got, "第 2 位") {
		t.Errorf("T(zh-CN, MsgQueued) = %q", got)
	}
	if got := T("en", MsgQueued, 2, 5); got != "Queued: position 2 of 5." {
		t.Errorf("T(en, MsgQueued) = %q", got)
	}
}

func TestTextHelpers(t *testing.T) {
	st := Status{State: Running, Progress: 0.42, Step: 13, Steps: 30, ETA: 9e9}
	if got := ProgressLine("en", st); got != "▰▰▰▰▱▱▱▱▱▱ 42% · step 13/30 · ETA 9s" {
		t.Errorf("ProgressLine = %q", got)
	}
	if got := ProgressLine("zh", st); !strings.Contains(got, "第 13/30 步") || !strings.Contains(got, "9秒") {
		t.Errorf("ProgressLine(zh) = %q", got)
	}
	if got := Shorten("abcdef", 4); got != "abc…" {
		t.Errorf("Shorten = %q", got)
	}
	if got := Shorten("日本語テキスト", 3); got != "日本…" {
		t.Errorf("Shorten runes = %q", got)
	}
	done := Status{State: Done, Duration: 65e9, Result: &Result{Seeds: []int64{1, 2}, Model: "m"},
		Params: Params{UserPrompt: "a cat", Width: 512, Height: 512, Steps: 20, EnableHR: true, HRScale: 2}}
	if got := Caption("en", done, 50, "ann"); got != "a cat\nSeed 1, 2 · 1024x1024 · 20 steps · m · 1m05s · by ann" {
		t.Errorf("Caption = %q", got)
	}
}
