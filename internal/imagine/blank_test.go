package imagine

import (
	"errors"
	"strings"
	"testing"
)

func TestIsBlank(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		blank bool
	}{
		{"empty", "", true},
		{"spaces and tabs", " \t\n\r ", true},
		{"zero-width space", "\u200b", true},
		{"zero-width non-joiner, joiner, LRM, RLM", "\u200c\u200d\u200e\u200f", true},
		{"word joiner and invisible operators", "\u2060\u2061\u2062\u2063\u2064", true},
		{"byte order mark", "\ufeff", true},
		{"soft hyphen", "\u00ad\u00ad", true},
		{"Mongolian vowel separator", "\u180e", true},
		{"variation selectors", "\ufe0f\ufe00\U000E0100", true},
		{"Hangul fillers", "\u3164\u115f\u1160\uffa0", true},
		{"braille blank", "\u2800\u2800", true},
		{"ideographic space", "\u3000", true},
		{"other spaces", "\u00a0\u2002\u2003\u2009\u200a\u202f\u205f\u1680", true},
		{"line and paragraph separators", "\u2028\u2029", true},
		{"control characters", "\x00\x01\x1b\x7f\u0085", true},
		{"tag characters", "\U000E0020\U000E007F", true},
		{"combining grapheme joiner", "\u034f", true},
		{"a mix", " \u200b\u3164 \ufeff\u2800\u3000", true},
		{"a letter", "a", false},
		{"a letter among invisibles", "\u200b\u3164x\u2800", false},
		{"an emoji with a variation selector", "\u2764\ufe0f", false},
		{"Chinese", "猫", false},
		{"a dot", ".", false},
		{"replacement character", "\ufffd", false},
		{"invalid UTF-8", "\xff", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsBlank(tt.in); got != tt.blank {
				t.Errorf("IsBlank(%+q) = %t, want %t", tt.in, got, tt.blank)
			}
		})
	}
}

// TestInvisiblePrompt: a prompt that shows nothing is no prompt, both when
// parsed (so adapters can fall back, e.g. to a replied-to message) and when
// resolved; a real prompt keeps its invisible characters byte for byte.
func TestInvisiblePrompt(t *testing.T) {
	settings := testSettings()
	tests := []struct {
		in         string
		wantPrompt string // "" for an empty prompt
	}{
		{"\u200b", ""},
		{"\u200b\u200c\u200d --ar 16:9", ""},
		{"\u3164", ""},
		{"\u2800 --steps 5 \ufeff", ""},
		{"\u3000\u00ad", ""},
		{"a\u200dcat", "a\u200dcat"},
		{"\u200ba cat\u200b", "\u200ba cat\u200b"},
		{"\u2764\ufe0f --n 2", "\u2764\ufe0f"},
		{"می\u200cخواهم", "می\u200cخواهم"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r, err := ParseInline(tt.in, user("A"))
			if err != nil {
				t.Fatalf("ParseInline(%+q): %v", tt.in, err)
			}
			if r.Prompt != tt.wantPrompt {
				t.Errorf("ParseInline(%+q).Prompt = %+q, want %+q", tt.in, r.Prompt, tt.wantPrompt)
			}
			// Resolve decides on its own too: requests built without
			// ParseInline (NewRequest) get the same answer.
			reqs := []Request{r}
			if !strings.Contains(tt.in, "--") {
				reqs = append(reqs, NewRequest(tt.in, user("A")))
			}
			for _, req := range reqs {
				p, err := settings.Resolve(req)
				if tt.wantPrompt == "" {
					if !errors.Is(err, ErrEmptyPrompt) {
						t.Errorf("Resolve(%+q) = %+q, %v; want ErrEmptyPrompt", req.Prompt, p.Prompt, err)
					}
				} else if err != nil || p.Prompt != tt.wantPrompt || p.UserPrompt != tt.wantPrompt {
					t.Errorf("Resolve(%+q) = %+q, %v; want the prompt unchanged", req.Prompt, p.Prompt, err)
				}
			}
		})
	}
}

func TestParseRatio(t *testing.T) {
	tests := []struct {
		in   string
		want Ratio
		ok   bool
	}{
		{"16:9", Ratio{16, 9}, true},
		{"2x3", Ratio{2, 3}, true},
		{"4/1", Ratio{4, 1}, true},
		{"1：1", Ratio{1, 1}, true},
		{"100:1", Ratio{100, 1}, true}, // syntax only; Resolve refuses it
		{"101:1", Ratio{}, false},
		{"0:1", Ratio{}, false},
		{"wide", Ratio{}, false},
		{"16:9:1", Ratio{}, false},
		{"", Ratio{}, false},
	}
	for _, tt := range tests {
		got, err := ParseRatio(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("ParseRatio(%q) = %v, %v; want %v, ok %t", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrBadOption) {
			t.Errorf("ParseRatio(%q) error %v is not ErrBadOption", tt.in, err)
		}
	}
}

func TestMaxSeed(t *testing.T) {
	s := testSettings()
	for _, tt := range []struct {
		seed int64
		ok   bool
	}{{MaxSeed, true}, {MaxSeed + 1, false}, {-1, true}, {-2, false}} {
		r := NewRequest("a cat", user("A"))
		r.Seed = tt.seed
		if _, err := s.Resolve(r); (err == nil) != tt.ok {
			t.Errorf("seed %d: Resolve error %v, want ok %t", tt.seed, err, tt.ok)
		}
	}
}
