package imagine

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/imaginebot/imaginebot/internal/catalog"
)

// listingBackend is a fakeBackend that lists models, samplers, schedulers
// and LoRAs, as imagine.Lister.
type listingBackend struct {
	fakeBackend
	models  []Model
	current string
}

func (b *listingBackend) Models(context.Context) ([]Model, error) { return b.models, nil }
func (b *listingBackend) CurrentModel(context.Context) (string, error) {
	return b.current, nil
}
func (b *listingBackend) Samplers(context.Context) ([]string, error) {
	return []string{"Euler a", "Euler", "DPM++ 2M", "DPM++ SDE", "UniPC"}, nil
}
func (b *listingBackend) Schedulers(context.Context) ([]string, error) {
	return []string{"Automatic", "Karras", "Exponential", "SGM Uniform", "Simple", "Beta"}, nil
}
func (b *listingBackend) Loras(context.Context) ([]string, error) {
	return []string{"add_detail", "LowRA", "more_details"}, nil
}

var testModels = []Model{
	{Title: "v1-5-pruned-emaonly.safetensors [6ce0161689]", Name: "v1-5-pruned-emaonly"},
	{Title: "flux1-dev-fp8.safetensors [1be961341b]", Name: "flux1-dev-fp8"},
	{Title: "SDXL/ponyDiffusionV6XL.safetensors [67ab2fd8ec]", Name: "SDXL_ponyDiffusionV6XL"},
	{Title: "sd_xl_base_1.0.safetensors [31e35c80fc]", Name: "sd_xl_base_1.0"},
}

func strp(s string) *string { return &s }

func profileSettings() Settings {
	s := testSettings()
	s.Profiles = []Profile{
		{Model: "flux1-*", Sampler: "Euler", Scheduler: "Simple", CFGScale: 1, DistilledCFG: 3.5, Steps: 20, NegativePrompt: strp(""),
			Override: map[string]any{"forge_additional_modules": []any{"ae.safetensors"}}},
		{Model: "*pony*", Width: 1024, Height: 1024, ClipSkip: 2, PromptPrefix: "score_9, score_8_up", PromptSuffix: "source_anime", NegativePrompt: strp("score_4")},
		{Model: "*pony*", Steps: 5}, // never: the first match wins
	}
	s.Limits.Models = []string{"v1-5-*", "sdxl/pony*"}
	return s
}

func TestNameMatches(t *testing.T) {
	m := testModels[2]
	for _, name := range []string{"SDXL/ponyDiffusionV6XL.safetensors [67ab2fd8ec]", "sdxl/ponydiffusionv6xl.safetensors",
		"SDXL/ponyDiffusionV6XL", "ponyDiffusionV6XL", "PONYDIFFUSIONV6XL.SAFETENSORS", "SDXL_ponyDiffusionV6XL"} {
		if !NameMatches(name, m) {
			t.Errorf("%q does not name %+v", name, m)
		}
	}
	for _, name := range []string{"pony", "ponyDiffusionV6", "", "sd_xl_base_1.0"} {
		if NameMatches(name, m) {
			t.Errorf("%q names %+v", name, m)
		}
	}
}

func TestProfileFor(t *testing.T) {
	s := profileSettings()
	tests := []struct {
		model string
		want  int // index in s.Profiles, -1 none
	}{
		{"flux1-dev-fp8.safetensors [1be961341b]", 0},
		{"FLUX1-schnell", 0},
		{"SDXL/ponyDiffusionV6XL.safetensors [67ab2fd8ec]", 1},
		{"ponyDiffusionV6XL", 1},
		{"v1-5-pruned-emaonly.safetensors [6ce0161689]", -1},
		{"", -1},
	}
	for _, tt := range tests {
		got := s.ProfileFor(tt.model)
		switch {
		case tt.want < 0 && got != nil:
			t.Errorf("ProfileFor(%q) = %+v, want none", tt.model, got)
		case tt.want >= 0 && got != &s.Profiles[tt.want]:
			t.Errorf("ProfileFor(%q) = %+v, want profile %d", tt.model, got, tt.want)
		}
	}
}

// TestResolveOrder checks that each value comes from the request (with the
// user's settings applied), else the profile, else the defaults.
func TestResolveOrder(t *testing.T) {
	s := profileSettings()
	pony := "SDXL/ponyDiffusionV6XL.safetensors [67ab2fd8ec]"
	flux := "flux1-dev-fp8.safetensors [1be961341b]"
	tests := []struct {
		name  string
		req   Request
		prefs Prefs
		model string
		check func(p Params) bool
	}{
		{"defaults without a profile", Request{}, Prefs{}, "v1-5", func(p Params) bool {
			return p.Steps == 30 && p.CFGScale == 7 && p.Width == 512 && p.Sampler == "" && p.Scheduler == "" && p.NegativePrompt == "lowres" && p.Override == nil
		}},
		{"profile over defaults", Request{}, Prefs{}, flux, func(p Params) bool {
			return p.Steps == 20 && p.CFGScale == 1 && p.DistilledCFG == 3.5 && p.Sampler == "Euler" && p.Scheduler == "Simple" &&
				p.NegativePrompt == "" && reflect.DeepEqual(p.Override, map[string]any{"forge_additional_modules": []any{"ae.safetensors"}})
		}},
		{"prefs over profile", Request{}, Prefs{Steps: 12}, flux, func(p Params) bool { return p.Steps == 12 && p.CFGScale == 1 }},
		{"request over prefs and profile", Request{Steps: 8, CFGScale: 4.5, Sampler: "UniPC", Scheduler: "Karras"}, Prefs{Steps: 12}, flux, func(p Params) bool {
			return p.Steps == 8 && p.CFGScale == 4.5 && p.Sampler == "UniPC" && p.Scheduler == "Karras" && p.DistilledCFG == 3.5
		}},
		{"profile size, prefix, suffix, clip skip, negative", Request{NegativePrompt: "text"}, Prefs{}, pony, func(p Params) bool {
			return p.Width == 1024 && p.Height == 1024 && p.ClipSkip == 2 && p.Prompt == "score_9, score_8_up, a fox, source_anime" &&
				p.NegativePrompt == "text, score_4" && p.Steps == 30
		}},
		{"prefs size over profile size", Request{}, Prefs{Aspect: Ratio{16, 9}}, pony, func(p Params) bool {
			return p.Width == 1368 && p.Height == 768 // about the profile's area
		}},
		{"style inside prefix and suffix, lora last", Request{Style: "plain", Lora: "add_detail:0.6"}, Prefs{}, pony, func(p Params) bool {
			return p.Prompt == "score_9, score_8_up, photo of a fox, 35mm, source_anime <lora:add_detail:0.6>"
		}},
		{"lora weight 1 by default", Request{Lora: "LowRA"}, Prefs{}, "", func(p Params) bool { return p.Prompt == "a fox <lora:LowRA:1>" }},
		{"model passes on", Request{Model: flux}, Prefs{}, flux, func(p Params) bool { return p.Model == flux }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.req
			r.Prompt, r.Seed = "a fox", -1
			p, err := s.ResolveFor(tt.prefs.Apply(r), tt.model)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(p) {
				t.Errorf("got %+v", p)
			}
		})
	}
}

func TestResolveRefusesOptions(t *testing.T) {
	s := testSettings()
	tests := []struct {
		req  Request
		want catalog.MsgID
	}{
		{Request{CFGScale: 0.5}, catalog.MsgCFGRange},
		{Request{CFGScale: 31}, catalog.MsgCFGRange},
		{Request{Lora: "x:heavy"}, catalog.MsgBadLora},
		{Request{Lora: ":1"}, catalog.MsgBadLora},
		{Request{Lora: "x:9"}, catalog.MsgBadLora},
	}
	for _, tt := range tests {
		r := tt.req
		r.Prompt, r.Seed = "x", -1
		_, err := s.Resolve(r)
		var ue *UserError
		if !errors.As(err, &ue) || ue.ID != tt.want || !errors.Is(err, ErrBadOption) {
			t.Errorf("Resolve(%+v) = %v, want message %d", tt.req, err, tt.want)
		}
	}
}

func TestCloseMatches(t *testing.T) {
	names := []string{"Euler a", "Euler", "DPM++ 2M", "DPM++ 2M SDE", "DPM++ SDE", "UniPC", "Heun"}
	tests := []struct {
		q    string
		want []string
	}{
		{"eulr", []string{"Euler", "Euler a"}},
		{"dpm++2m", []string{"DPM++ 2M", "DPM++ 2M SDE"}},
		{"unipc", []string{"UniPC"}},
		{"sde", []string{"DPM++ 2M SDE", "DPM++ SDE"}},
		{"zzzzzz", nil},
		{"", nil},
	}
	for _, tt := range tests {
		if got := CloseMatches(tt.q, names, 3); !slices.Equal(got, tt.want) {
			t.Errorf("CloseMatches(%q) = %q, want %q", tt.q, got, tt.want)
		}
	}
}

func newListingService(t *testing.T, s Settings) (*Service, *listingBackend) {
	t.Helper()
	b := &listingBackend{models: testModels, current: testModels[1].Title}
	svc, _ := startService(t, Config{Settings: s, PerUser: 10, MaxQueue: 100}, b)
	return svc, b
}

// TestSubmitChecksNames covers the one-line refusals naming close matches,
// and limits.models for users and admins.
func TestSubmitChecksNames(t *testing.T) {
	svc, _ := newListingService(t, profileSettings())
	user := Requester{Platform: Telegram, UserID: "1", Locale: "en"}
	admin := Requester{Platform: Telegram, UserID: "2", Locale: "en", Admin: true}
	tests := []struct {
		name string
		who  Requester
		req  Request
		want string // the English refusal, or "" for accepted
		kind error
	}{
		{"unknown model, close", user, Request{Model: "v1-5-prunedemaonly"}, `There is no model called "v1-5-prunedemaonly". Did you mean "v1-5-pruned-emaonly"?`, ErrModelNotFound},
		{"unknown model, nothing close", user, Request{Model: "zebra"}, `There is no model called "zebra".`, ErrModelNotFound},
		{"model outside limits.models", user, Request{Model: "flux1-dev-fp8"}, `Sorry, the model "flux1-dev-fp8" is not offered here. You may choose: "v1-5-pruned-emaonly", "SDXL_ponyDiffusionV6XL".`, ErrBadOption},
		{"admin is not restricted", admin, Request{Model: "flux1-dev-fp8"}, "", nil},
		{"user within limits, by title without hash", user, Request{Model: "sdxl/ponydiffusionv6xl.safetensors"}, "", nil},
		{"unknown sampler", user, Request{Sampler: "Eulr a"}, `There is no sampler called "Eulr a". Did you mean "Euler a", "Euler"?`, ErrBadOption},
		{"unknown sampler, nothing close", user, Request{Sampler: "zzzzzzzz"}, `There is no sampler called "zzzzzzzz". Samplers: Euler a, Euler, DPM++ 2M, DPM++ SDE, UniPC.`, ErrBadOption},
		{"unknown scheduler", user, Request{Scheduler: "karas"}, `There is no scheduler called "karas". Did you mean "Karras"?`, ErrBadOption},
		{"unknown lora", user, Request{Lora: "add_detial:0.5"}, `There is no LoRA called "add_detial". Did you mean "add_detail"?`, ErrBadOption},
		{"folded names pass", user, Request{Sampler: "dpm++_2m", Scheduler: "sgm_uniform", Lora: "lowra:0.4"}, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.req
			r.Prompt, r.Seed, r.Requester = "a fox", -1, tt.who
			tk, err := svc.Submit(r)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				svc.Cancel(tk.ID, tt.who, true)
				return
			}
			if err == nil {
				t.Fatalf("accepted %+v", tt.req)
			}
			if got := Describe(err, "en"); got != tt.want || !errors.Is(err, tt.kind) {
				t.Errorf("got %q (%v)\nwant %q", got, err, tt.want)
			}
			if zh := Describe(err, "zh"); zh == tt.want {
				t.Errorf("no Chinese wording: %q", zh)
			}
		})
	}
}

// TestSubmitCanonicalNames checks that the job runs with the names as the
// backend lists them, and with its model's profile.
func TestSubmitCanonicalNames(t *testing.T) {
	svc, _ := newListingService(t, profileSettings())
	r := NewRequest("a fox", Requester{Platform: Telegram, UserID: "3", Admin: true})
	r.Model, r.Sampler, r.Scheduler, r.Lora = "FLUX1-DEV-FP8", "dpm++ 2m", "karras", "more_DETAILS"
	tk, err := svc.Submit(r)
	if err != nil {
		t.Fatal(err)
	}
	p := tk.Params
	if p.Model != testModels[1].Title || p.Sampler != "DPM++ 2M" || p.Scheduler != "Karras" || p.Prompt != "a fox <lora:more_details:1>" || p.CFGScale != 1 || p.DistilledCFG != 3.5 {
		t.Errorf("params %+v", p)
	}

	// Without --model the default (the loaded) model's profile applies,
	// to the negative prompt composed when the job starts too.
	tk, err = svc.Submit(NewRequest("plain", Requester{Platform: Telegram, UserID: "4"}))
	if err != nil {
		t.Fatal(err)
	}
	if tk.Params.Model != "" || tk.Params.Scheduler != "Simple" || tk.Params.NegativePrompt != "" {
		t.Errorf("default model's params %+v", tk.Params)
	}
	if got := svc.settings.negative(NewRequest("x", Requester{})); got != "" {
		t.Errorf("negative at start = %q, want the flux profile's empty one", got)
	}
}

func TestChoices(t *testing.T) {
	svc, _ := newListingService(t, profileSettings())
	ctx := context.Background()
	user, admin := Requester{UserID: "1"}, Requester{UserID: "2", Admin: true}
	tests := []struct {
		who   Requester
		kind  ChoiceKind
		typed string
		want  []string
	}{
		{user, ChoiceModel, "", []string{"v1-5-pruned-emaonly", "SDXL_ponyDiffusionV6XL"}},
		{admin, ChoiceModel, "", []string{"v1-5-pruned-emaonly", "flux1-dev-fp8", "SDXL_ponyDiffusionV6XL", "sd_xl_base_1.0"}},
		{admin, ChoiceModel, "xl", []string{"SDXL_ponyDiffusionV6XL", "sd_xl_base_1.0"}},
		{user, ChoiceSampler, "dpm", []string{"DPM++ 2M", "DPM++ SDE"}},
		{user, ChoiceSampler, "sde", []string{"DPM++ SDE"}},
		{user, ChoiceScheduler, "s", []string{"SGM Uniform", "Simple", "Karras"}},
		{user, ChoiceLora, "det", []string{"add_detail", "more_details"}},
		{user, ChoiceLora, "add:0.5", []string{"add_detail:0.5"}},
		{user, ChoiceStyle, "PL", []string{"plain"}},
		{user, ChoiceKind("nope"), "", nil},
	}
	for _, tt := range tests {
		if got := svc.Choices(ctx, tt.who, tt.kind, tt.typed); !slices.Equal(got, tt.want) {
			t.Errorf("Choices(%s, %q) by admin=%v = %q, want %q", tt.kind, tt.typed, tt.who.Admin, got, tt.want)
		}
	}
}
