package discord

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// listingBackend adds the samplers, schedulers and LoRAs of an A1111
// server to the scripted backend.
type listingBackend struct{ imagine.Backend }

func (listingBackend) Samplers(context.Context) ([]string, error) {
	return []string{"Euler a", "Euler", "DPM++ 2M", "DPM++ SDE"}, nil
}
func (listingBackend) Schedulers(context.Context) ([]string, error) {
	return []string{"Automatic", "Karras", "Simple", "SGM Uniform"}, nil
}
func (listingBackend) Loras(context.Context) ([]string, error) {
	return []string{"add_detail", "more_details", "LowRA"}, nil
}

// TestImagineModelOptions covers /imagine's model, sampler, scheduler,
// lora and cfg options (the style option has static choices up to 25
// styles; the core's TestChoices covers its autocomplete): autocomplete through the fake's autocomplete
// interactions, limits.models for users but not admins, and refusals.
func TestImagineModelOptions(t *testing.T) {
	const admin = "7001"
	s := testSettings()
	s.Limits.Models = []string{"v1-5-*"}
	e := newEnv(t, envOptions{settings: &s, cfg: Config{AdminUserIDs: []string{admin}},
		backend: func(b imagine.Backend) imagine.Backend { return listingBackend{b} }})

	t.Run("autocomplete", func(t *testing.T) {
		tests := []struct {
			user, option, typed string
			want                []string
		}{
			{"7002", "model", "", []string{"v1-5-pruned-emaonly"}},
			{admin, "model", "", []string{"v1-5-pruned-emaonly", "anime-v3"}},
			{admin, "model", "ANIME", []string{"anime-v3"}},
			{"7002", "sampler", "dpm", []string{"DPM++ 2M", "DPM++ SDE"}},
			{"7002", "sampler", "euler", []string{"Euler a", "Euler"}},
			{"7002", "scheduler", "sgm_", []string{"SGM Uniform"}},
			{"7002", "lora", "detail", []string{"add_detail", "more_details"}},
			{"7002", "lora", "lowra:0.7", []string{"LowRA:0.7"}},
			{"7002", "sampler", "nothing like it", nil},
		}
		for _, tt := range tests {
			it := e.interact(discordtest.InteractSpec{Type: discordtest.InteractionAutocomplete, Name: "imagine", UserID: tt.user,
				Options: []discordtest.Option{{Name: "prompt", Value: "a fox"}, {Name: tt.option, Value: tt.typed, Focused: true}}})
			cb := e.ack(it)
			choices, err := cb.Choices()
			if cb.Type != discordtest.CallbackAutocompleteResult || err != nil {
				t.Fatalf("%s %q: answered type %d (%v), want 8", tt.option, tt.typed, cb.Type, err)
			}
			var got []string
			for _, c := range choices {
				v, _ := c.Value.(string)
				if c.Name != v {
					t.Errorf("choice %+v: name and value differ", c)
				}
				got = append(got, v)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("%s %q by %s: choices %q, want %q", tt.option, tt.typed, tt.user, got, tt.want)
			}
		}
	})

	t.Run("refusals", func(t *testing.T) {
		tests := []struct {
			name, user string
			opts       []discordtest.Option
			want       string
		}{
			{"model outside limits.models", "7003", []discordtest.Option{{Name: "model", Value: "anime-v3"}},
				catalog.T("en", catalog.MsgModelNotAllowed, "anime-v3", `"v1-5-pruned-emaonly"`)},
			{"unknown sampler", "7003", []discordtest.Option{{Name: "sampler", Value: "DPM 2M"}},
				catalog.T("en", catalog.MsgUnknownSampler, "DPM 2M", `"DPM++ 2M"`)},
			{"unknown scheduler", "7003", []discordtest.Option{{Name: "scheduler", Value: "karas"}},
				catalog.T("en", catalog.MsgUnknownScheduler, "karas", `"Karras"`)},
			{"unknown lora", "7003", []discordtest.Option{{Name: "lora", Value: "add_detial"}},
				catalog.T("en", catalog.MsgUnknownLora, "add_detial", `"add_detail"`)},
			{"inline unknown model", "7003", []discordtest.Option{{Name: "prompt", Value: "a fox --model v1-5-prunedemaonly"}},
				catalog.T("en", catalog.MsgUnknownModel, "v1-5-prunedemaonly", `"v1-5-pruned-emaonly"`)},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e := e.sub(t)
				opts := tt.opts
				if !slices.ContainsFunc(opts, func(o discordtest.Option) bool { return o.Name == "prompt" }) {
					opts = append([]discordtest.Option{{Name: "prompt", Value: "a fox"}}, opts...)
				}
				it := e.interact(discordtest.InteractSpec{Name: "imagine", UserID: tt.user, Options: opts})
				if got := e.ephemeral(it); got != tt.want {
					t.Errorf("reply = %q, want %q", got, tt.want)
				}
			})
		}
	})

	t.Run("an admin's choices reach the backend", func(t *testing.T) {
		e := e.sub(t)
		it := e.imagine(admin, "a fox", discordtest.Option{Name: "model", Value: "ANIME-V3"}, discordtest.Option{Name: "sampler", Value: "dpm++ 2m"},
			discordtest.Option{Name: "scheduler", Value: "karras"}, discordtest.Option{Name: "cfg", Value: 4.5}, discordtest.Option{Name: "lora", Value: "lowra:0.5"})
		e.waitMessage(it, "done", func(m discordtest.Message) bool { return len(m.Attachments) > 0 })
		jobs := e.mem.Jobs()
		p := jobs[len(jobs)-1].Params
		if p.Model != "anime-v3.safetensors [a1b2c3d4e5]" || p.Sampler != "DPM++ 2M" || p.Scheduler != "Karras" || p.CFGScale != 4.5 ||
			!strings.HasSuffix(p.Prompt, "<lora:LowRA:0.5>") {
			t.Errorf("params %+v", p)
		}
	})
}
