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

func TestKindLine(t *testing.T) {
	for _, tc := range []struct {
		p         Params
		en, zh    string
		inCaption bool
	}{
		{Params{}, "", "", false},
		{Params{Kind: KindImg2Img, Strength: 0.6}, "🖼 Started from your image · strength 0.6", "🖼 以你的图片为起点 · 强度 0.6", true},
		{Params{Kind: KindUpscale, UpscaleBy: 2}, "⬆ Upscaled ×2", "⬆ 放大 ×2", true},
		{Params{Kind: KindVary, Seed: 42}, "🎨 Variation of seed 42", "🎨 种子 42 的变体", true},
	} {
		if got := KindLine("en", tc.p); got != tc.en {
			t.Errorf("KindLine(en, %v) = %q, want %q", tc.p.Kind, got, tc.en)
		}
		if got := KindLine("zh-CN", tc.p); got != tc.zh {
			t.Errorf("KindLine(zh, %v) = %q, want %q", tc.p.Kind, got, tc.zh)
		}
		tc.p.UserPrompt = "a cat"
		c := Caption("en", Status{State: Done, Params: tc.p}, 20, "ann")
		if got := strings.HasPrefix(c, tc.en+"\na cat\n"); got != tc.inCaption {
			t.Errorf("Caption of a %v job = %q: starts with its kind line: %v, want %v", tc.p.Kind, c, got, tc.inCaption)
		}
	}
}
