package imagine

import (
	"strings"
	"testing"
)

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
