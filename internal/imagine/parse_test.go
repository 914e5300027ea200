package imagine

import (
	"errors"
	"testing"

	"github.com/imaginebot/imaginebot/internal/catalog"
)

func TestParseInline(t *testing.T) {
	who := Requester{Platform: Telegram, UserID: "1"}
	tests := []struct {
		in   string
		want Request
	}{
		{"a lighthouse at dusk", Request{Prompt: "a lighthouse at dusk", Seed: -1}},
		{"  spaced\tout  ", Request{Prompt: "spaced\tout", Seed: -1}},
		{"a cat --ar 16:9", Request{Prompt: "a cat", Aspect: Ratio{16, 9}, Seed: -1}},
		{"a cat --aspect 2x3", Request{Prompt: "a cat", Aspect: Ratio{2, 3}, Seed: -1}},
		{"a cat --size 768x512", Request{Prompt: "a cat", Width: 768, Height: 512, Seed: -1}},
		{"a cat --size 640×480", Request{Prompt: "a cat", Width: 640, Height: 480, Seed: -1}},
		{"a cat --steps 25", Request{Prompt: "a cat", Steps: 25, Seed: -1}},
		{"a cat --seed 42", Request{Prompt: "a cat", Seed: 42}},
		{"a cat --seed -1", Request{Prompt: "a cat", Seed: -1}},
		{"a cat --no people, boats", Request{Prompt: "a cat", NegativePrompt: "people, boats", Seed: -1}},
		{"a cat --no blur --steps 9", Request{Prompt: "a cat", NegativePrompt: "blur", Steps: 9, Seed: -1}},
		{"a cat --style Anime", Request{Prompt: "a cat", Style: "Anime", Seed: -1}},
		{"a cat --n 2", Request{Prompt: "a cat", BatchSize: 2, Seed: -1}},
		{"a cat --hr", Request{Prompt: "a cat", HiresFix: true, Seed: -1}},
		{"a cat --hr on a mat", Request{Prompt: "a cat on a mat", HiresFix: true, Seed: -1}},
		{"a cat --steps 20 on a mat", Request{Prompt: "a cat on a mat", Steps: 20, Seed: -1}},
		{"--seed 7 a cat", Request{Prompt: "a cat", Seed: 7}},
		{"a cat —ar 1:1 —hr", Request{Prompt: "a cat", Aspect: Ratio{1, 1}, HiresFix: true, Seed: -1}},
		{"a cat --STEPS 5", Request{Prompt: "a cat", Steps: 5, Seed: -1}},
		{"all --ar 3:2 --size 64x64 --steps 1 --seed 0 --style s --n 4 --hr --no x y",
			Request{Prompt: "all", Aspect: Ratio{3, 2}, Width: 64, Height: 64, Steps: 1, Seed: 0, Style: "s", BatchSize: 4, HiresFix: true, NegativePrompt: "x y"}},
		// Prompts pass through unchanged.
		{`(red:1.2) toon \(style\), <lora:foo:0.5>, EasyNegative -- dash`, Request{Prompt: `(red:1.2) toon \(style\), <lora:foo:0.5>, EasyNegative -- dash`, Seed: -1}},
		{"中文提示词 --ar 16:9", Request{Prompt: "中文提示词", Aspect: Ratio{16, 9}, Seed: -1}},
		{"--hr", Request{HiresFix: true, Seed: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseInline(tt.in, who)
			if err != nil {
				t.Fatalf("ParseInline(%q) error: %v", tt.in, err)
			}
			tt.want.Requester = who
			if got != tt.want {
				t.Errorf("ParseInline(%q)\n got %+v\nwant %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseInlineErrors(t *testing.T) {
	tests := []struct {
		in     string
		wantID catalog.MsgID
	}{
		{"a cat --steps", catalog.MsgMissingValue},
		{"a cat --steps --hr", catalog.MsgMissingValue},
		{"a cat --steps many", catalog.MsgBadNumber},
		{"a cat --n two", catalog.MsgBadNumber},
		{"a cat --seed 1.5", catalog.MsgBadNumber},
		{"a cat --size 768", catalog.MsgBadSize},
		{"a cat --size axb", catalog.MsgBadSize},
		{"a cat --size 0x512", catalog.MsgBadSize},
		{"a cat --ar wide", catalog.MsgBadAspect},
		{"a cat --ar 0:1", catalog.MsgBadAspect},
		{"a cat --ar 16:9:1", catalog.MsgBadAspect},
		{"a cat --colour red", catalog.MsgUnknownOption},
		{"a cat --steps 2 --steps 3", catalog.MsgRepeatedOption},
		{"a cat --no", catalog.MsgMissingValue},
		{"a cat --style", catalog.MsgMissingValue},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseInline(tt.in, Requester{})
			var ue *UserError
			if !errors.As(err, &ue) || !errors.Is(err, ErrBadOption) {
				t.Fatalf("ParseInline(%q) error = %v, want a *UserError of kind ErrBadOption", tt.in, err)
			}
			if ue.ID != tt.wantID {
				t.Errorf("ParseInline(%q) message = %q (id %d), want id %d", tt.in, ue.Error(), ue.ID, tt.wantID)
			}
		})
	}
}

func FuzzParseInline(f *testing.F) {
	for _, s := range []string{"a cat --ar 16:9 --n 2", "--no x --hr", "—seed 5 —", "--size 9x9 ((x)) <lora:a:1>", "\u00a0--steps\u00a01", "\u200b\u3164 --ar 1:1 \u2800", "a\u200dcat\ufe0f"} {
		f.Add(s)
	}
	settings := testSettings()
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseInline(s, Requester{})
		if err != nil {
			var ue *UserError
			if !errors.As(err, &ue) {
				t.Fatalf("ParseInline(%q) returned a non-user error %v", s, err)
			}
			return
		}
		if len(r.Prompt) > len(s) {
			t.Fatalf("prompt %q longer than input %q", r.Prompt, s)
		}
		if r.Prompt != "" && IsBlank(r.Prompt) {
			t.Fatalf("ParseInline(%q) kept the blank prompt %q", s, r.Prompt)
		}
		p, err := settings.Resolve(r)
		if err != nil {
			var ue *UserError
			if !errors.As(err, &ue) {
				t.Fatalf("Resolve(%+v) returned a non-user error %v", r, err)
			}
			return
		}
		if IsBlank(p.UserPrompt) {
			t.Fatalf("Resolve(%+v) accepted the blank prompt %q", r, p.UserPrompt)
		}
		if p.Width%8 != 0 || p.Height%8 != 0 || p.Width < 64 || p.Height < 64 || p.Width > 1536 || p.Height > 1536 {
			t.Fatalf("Resolve(%+v) size %dx%d breaks the limits", r, p.Width, p.Height)
		}
	})
}

func TestParseInlineModelOptions(t *testing.T) {
	tests := []struct {
		in   string
		want Request
	}{
		{"a fox --cfg 7", Request{Prompt: "a fox", CFGScale: 7, Seed: -1}},
		{"a fox --cfg 3,5", Request{Prompt: "a fox", CFGScale: 3.5, Seed: -1}},
		{"a fox --sampler Euler --scheduler Karras", Request{Prompt: "a fox", Sampler: "Euler", Scheduler: "Karras", Seed: -1}},
		{`a fox --sampler "DPM++ 2M" in snow`, Request{Prompt: "a fox in snow", Sampler: "DPM++ 2M", Seed: -1}},
		{`a fox --scheduler “Align Your Steps” --hr`, Request{Prompt: "a fox", Scheduler: "Align Your Steps", HiresFix: true, Seed: -1}},
		{`a fox --sampler "Euler a`, Request{Prompt: "a fox a", Sampler: `"Euler`, Seed: -1}}, // unclosed: one word
		{"--model flux1-dev a fox", Request{Prompt: "a fox", Model: "flux1-dev", Seed: -1}},
		{"a fox --checkpoint sd_xl_base_1.0.safetensors", Request{Prompt: "a fox", Model: "sd_xl_base_1.0.safetensors", Seed: -1}},
		{"a fox —lora add_detail:0.6", Request{Prompt: "a fox", Lora: "add_detail:0.6", Seed: -1}},
	}
	for _, tt := range tests {
		got, err := ParseInline(tt.in, Requester{})
		if err != nil {
			t.Errorf("ParseInline(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseInline(%q)\n got %+v\nwant %+v", tt.in, got, tt.want)
		}
	}
	for in, want := range map[string]catalog.MsgID{
		"a fox --cfg high": catalog.MsgBadDecimal, "a fox --cfg NaN": catalog.MsgBadDecimal, "a fox --sampler": catalog.MsgMissingValue,
		`a fox --model ""`: catalog.MsgMissingValue, "a fox --model a --model b": catalog.MsgRepeatedOption, "a fox --lora": catalog.MsgMissingValue,
	} {
		_, err := ParseInline(in, Requester{})
		var ue *UserError
		if !errors.As(err, &ue) || ue.ID != want {
			t.Errorf("ParseInline(%q) = %v, want message %d", in, err, want)
		}
	}
}
