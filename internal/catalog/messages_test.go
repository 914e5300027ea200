package catalog

import (
	"strings"
	"testing"
)

// TestCatalogueComplete checks that every message exists in both languages
// with the same formatting verbs.
func TestCatalogueComplete(t *testing.T) {
	for id := MsgID(0); id < numMsgs; id++ {
		if err := catalogue[id].Check(); err != nil {
			t.Errorf("message %d: %v", id, err)
		}
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		text Text
		ok   bool
	}{
		{Text{"Queued: position %d of %d.", "排队中：第 %d 位，共 %d 位。"}, true},
		{Text{"%[2]d of %[1]d", "%[1]d 中的 %[2]d"}, true},
		{Text{"Hello", ""}, false},
		{Text{"", "你好"}, false},
		{Text{"position %d", "第 %s 位"}, false},
		{Text{"position %d of %d", "第 %d 位"}, false},
	}
	for _, tt := range tests {
		if err := tt.text.Check(); (err == nil) != tt.ok {
			t.Errorf("Check(%q) = %v, want ok %v", tt.text, err, tt.ok)
		}
	}
}

func TestCheckAll(t *testing.T) {
	tests := []struct {
		name string
		set  any
		ok   bool
	}{
		{"exported", struct{ A, B Text }{Text{"a", "甲"}, Text{"%d b", "%d 乙"}}, true},
		{"unexported", struct{ a Text }{Text{"a", "甲"}}, true},
		{"a missing language", struct{ a, b Text }{Text{"a", "甲"}, Text{"b", ""}}, false},
		{"other verbs", struct{ a Text }{Text{"%d", "%s"}}, false},
		{"another type", struct {
			a Text
			n int
		}{Text{"a", "甲"}, 1}, false},
		{"empty", struct{}{}, false},
		{"not a struct", Text{"a", "甲"}, false},
	}
	for _, tt := range tests {
		if err := CheckAll(tt.set); (err == nil) != tt.ok {
			t.Errorf("%s: CheckAll = %v, want ok %v", tt.name, err, tt.ok)
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
	if got := T("en", numMsgs); !strings.HasPrefix(got, "!(message") {
		t.Errorf("T(unknown id) = %q", got)
	}
}
