package imagine

import (
	"errors"
	"reflect"
	"testing"

	"github.com/imaginebot/imaginebot/internal/catalog"
)

func testSettings() Settings {
	return Settings{
		Defaults: Defaults{Width: 512, Height: 512, Steps: 30, BatchSize: 1, NegativePrompt: "lowres", HRUpscaler: "ESRGAN_4x", HRScale: 2, DenoisingStrength: 0.55, CFGScale: 7},
		Limits:   Limits{MaxWidth: 1536, MaxHeight: 1536, MaxSteps: 60, MaxBatch: 4, MaxPromptLength: 100},
		Styles: []Style{
			{Name: "masterpiece", Prompt: "((best quality)), ((masterpiece)), {prompt}", Lora: "loraName:0.5"},
			{Name: "plain", Prompt: "photo of {prompt}, 35mm"},
		},
	}
}

func TestComposePromptSeedFormat(t *testing.T) {
	tests := []struct {
		style  Style
		prompt string
		want   string
	}{
		// The seed: "((best quality)), ((masterpiece)), " + prompt + " <lora:NAME:0.5>"
		{Style{Prompt: "((best quality)), ((masterpiece)), {prompt}", Lora: "loraName:0.5"}, "a girl", "((best quality)), ((masterpiece)), a girl <lora:loraName:0.5>"},
		{Style{Prompt: "((best quality)), ((masterpiece)), {prompt}"}, "a girl", "((best quality)), ((masterpiece)), a girl"},
		{Style{Prompt: "{prompt}, {prompt}"}, "x", "x, {prompt}"},
		{Style{Prompt: "{prompt}", Lora: "add_detail:1"}, `toon \(style\)`, `toon \(style\) <lora:add_detail:1>`},
	}
	for _, tt := range tests {
		if got := ComposePrompt(tt.style, tt.prompt); got != tt.want {
			t.Errorf("ComposePrompt(%+v, %q) = %q, want %q", tt.style, tt.prompt, got, tt.want)
		}
	}
}

func TestResolve(t *testing.T) {
	s := testSettings()
	tests := []struct {
		name  string
		req   Request
		check func(t *testing.T, p Params)
	}{
		{"defaults", Request{Prompt: " a cat ", Seed: -1}, func(t *testing.T, p Params) {
			want := Params{Prompt: "a cat", UserPrompt: "a cat", NegativePrompt: "lowres", Width: 512, Height: 512, Steps: 30, Seed: -1, BatchSize: 1, CFGScale: 7, HRUpscaler: "ESRGAN_4x", HRScale: 2, DenoisingStrength: 0.55}
			if !reflect.DeepEqual(p, want) {
				t.Errorf("got %+v\nwant %+v", p, want)
			}
		}},
		{"style by any case", Request{Prompt: "a girl", Style: "MASTERPIECE", Seed: -1}, func(t *testing.T, p Params) {
			if p.Prompt != "((best quality)), ((masterpiece)), a girl <lora:loraName:0.5>" || p.Style != "masterpiece" || p.UserPrompt != "a girl" {
				t.Errorf("got prompt %q style %q", p.Prompt, p.Style)
			}
		}},
		{"negative terms first", Request{Prompt: "x", NegativePrompt: "people", Seed: -1}, func(t *testing.T, p Params) {
			if p.NegativePrompt != "people, lowres" {
				t.Errorf("negative = %q, want %q", p.NegativePrompt, "people, lowres")
			}
		}},
		{"size rounded to 8", Request{Prompt: "x", Width: 770, Height: 509, Seed: -1}, func(t *testing.T, p Params) {
			if p.Width != 768 || p.Height != 512 {
				t.Errorf("size = %dx%d, want 768x512", p.Width, p.Height)
			}
		}},
		{"one side given", Request{Prompt: "x", Width: 1024, Seed: -1}, func(t *testing.T, p Params) {
			if p.Width != 1024 || p.Height != 512 {
				t.Errorf("size = %dx%d, want 1024x512", p.Width, p.Height)
			}
		}},
		{"aspect 16:9 keeps about the default area", Request{Prompt: "x", Aspect: Ratio{16, 9}, Seed: -1}, func(t *testing.T, p Params) {
			if p.Width != 680 || p.Height != 384 {
				t.Errorf("size = %dx%d, want 680x384", p.Width, p.Height)
			}
		}},
		{"aspect 2:3", Request{Prompt: "x", Aspect: Ratio{2, 3}, Seed: -1}, func(t *testing.T, p Params) {
			if p.Width != 416 || p.Height != 624 {
				t.Errorf("size = %dx%d, want 416x624", p.Width, p.Height)
			}
		}},
		{"aspect 1:1", Request{Prompt: "x", Aspect: Ratio{1, 1}, Seed: -1}, func(t *testing.T, p Params) {
			if p.Width != 512 || p.Height != 512 {
				t.Errorf("size = %dx%d, want 512x512", p.Width, p.Height)
			}
		}},
		{"hires on", Request{Prompt: "x", HiresFix: true, Seed: 5}, func(t *testing.T, p Params) {
			if !p.EnableHR || p.Seed != 5 {
				t.Errorf("EnableHR %v seed %d", p.EnableHR, p.Seed)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := s.Resolve(tt.req)
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			tt.check(t, p)
		})
	}
}

func TestResolveForcedNegativeAndLargeAspect(t *testing.T) {
	s := testSettings()
	s.ForcedNegative = "nsfw"
	s.Defaults.Width, s.Defaults.Height = 1536, 1536
	p, err := s.Resolve(Request{Prompt: "x", Aspect: Ratio{4, 1}, NegativePrompt: "y", Seed: -1})
	if err != nil {
		t.Fatal(err)
	}
	if p.NegativePrompt != "y, lowres, nsfw" {
		t.Errorf("negative = %q", p.NegativePrompt)
	}
	if p.Width > 1536 || p.Height < 64 || p.Width%8 != 0 || p.Height%8 != 0 {
		t.Errorf("size = %dx%d, want within limits", p.Width, p.Height)
	}
}

func TestResolveErrors(t *testing.T) {
	s := testSettings()
	long := make([]byte, 101)
	for i := range long {
		long[i] = 'a'
	}
	tests := []struct {
		name     string
		req      Request
		wantKind error
		wantID   catalog.MsgID
	}{
		{"empty", Request{Prompt: "  ", Seed: -1}, ErrEmptyPrompt, catalog.MsgEmptyPrompt},
		{"too long", Request{Prompt: string(long), Seed: -1}, ErrPromptTooLong, catalog.MsgPromptTooLong},
		{"unknown style", Request{Prompt: "x", Style: "nope", Seed: -1}, ErrUnknownStyle, catalog.MsgUnknownStyle},
		{"too wide", Request{Prompt: "x", Width: 2048, Seed: -1}, ErrBadOption, catalog.MsgSizeRange},
		{"too small", Request{Prompt: "x", Width: 32, Height: 32, Seed: -1}, ErrBadOption, catalog.MsgSizeRange},
		{"negative size", Request{Prompt: "x", Width: -512, Height: 512, Seed: -1}, ErrBadOption, catalog.MsgSizeRange},
		{"size and aspect", Request{Prompt: "x", Width: 512, Aspect: Ratio{1, 1}, Seed: -1}, ErrBadOption, catalog.MsgSizeAndAspect},
		{"extreme aspect", Request{Prompt: "x", Aspect: Ratio{5, 1}, Seed: -1}, ErrBadOption, catalog.MsgAspectRange},
		{"steps over", Request{Prompt: "x", Steps: 61, Seed: -1}, ErrBadOption, catalog.MsgOutOfRange},
		{"steps negative", Request{Prompt: "x", Steps: -1, Seed: -1}, ErrBadOption, catalog.MsgOutOfRange},
		{"batch over", Request{Prompt: "x", BatchSize: 5, Seed: -1}, ErrBadOption, catalog.MsgOutOfRange},
		{"seed too big", Request{Prompt: "x", Seed: 1 << 33}, ErrBadOption, catalog.MsgOutOfRange},
		{"seed below -1", Request{Prompt: "x", Seed: -2}, ErrBadOption, catalog.MsgOutOfRange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Resolve(tt.req)
			var ue *UserError
			if !errors.As(err, &ue) || !errors.Is(err, tt.wantKind) || ue.ID != tt.wantID {
				t.Errorf("Resolve error = %v, want kind %v with message id %d", err, tt.wantKind, tt.wantID)
			}
		})
	}
	if _, err := (Settings{Limits: s.Limits, Defaults: s.Defaults}).Resolve(Request{Prompt: "x", Style: "a", Seed: -1}); !errors.Is(err, ErrUnknownStyle) {
		t.Errorf("Resolve with no styles = %v, want ErrUnknownStyle", err)
	}
}
