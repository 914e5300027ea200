package discord

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/imagine/imaginetest"
)

// job returns the backend's record of the latest generation whose prompt
// contains s.
func (e *env) job(s string) imaginetest.Job {
	e.t.Helper()
	for _, j := range slices.Backward(e.mem.Jobs()) {
		if strings.Contains(j.Params.Prompt, s) {
			return j
		}
	}
	e.t.Fatalf("no generation with a prompt containing %q", s)
	return imaginetest.Job{}
}

func testImagineEndToEnd(t *testing.T, e *env) {
	it := e.imagine("1001", "a lighthouse at dusk", discordtest.Option{Name: "steps", Value: 40})
	cb := e.ack(it)
	if cb.Type != discordtest.CallbackDeferredChannelMessage {
		t.Fatalf("ack type = %d, want a deferred public response (5)", cb.Type)
	}
	if d := cb.At.Sub(it.DispatchedAt); d > time.Second {
		t.Errorf("ack took %s, want well under Discord's 3s", d)
	}
	m := e.waitFinal(it)
	if m.Ephemeral {
		t.Errorf("the job message is ephemeral, want it public")
	}

	previews := 0
	for i, r := range m.History[1 : len(m.History)-1] {
		if len(r.MissingAttachmentRefs) > 0 {
			t.Errorf("revision %d refers to missing attachments %v", i+1, r.MissingAttachmentRefs)
		}
		if len(r.Attachments) > 1 {
			t.Errorf("revision %d has %d attachments, want previews to replace each other", i+1, len(r.Attachments))
		}
		if len(r.Attachments) == 1 {
			previews++
			if ems := embeds(r); len(ems) != 1 || ems[0].Image == nil || ems[0].Image.URL != "attachment://"+r.Attachments[0].Filename {
				t.Errorf("revision %d: embeds %+v do not show the preview %s", i+1, ems, r.Attachments[0].Filename)
			}
		}
		if ids := customIDs(r); len(ids) != 1 || !hasAction(ids[0], actCancel) {
			t.Errorf("revision %d buttons = %v, want Cancel", i+1, ids)
		}
		if !strings.Contains(r.Content, "%") && !strings.HasPrefix(r.Content, "Starting") && !strings.HasPrefix(r.Content, "Queued") {
			t.Errorf("revision %d content = %q, want a queue or progress line", i+1, r.Content)
		}
	}
	if previews < 2 {
		t.Errorf("got %d preview revisions, want several:\n%s", previews, describe(m))
	}

	last := m.Revision
	if len(last.Attachments) != 1 || !strings.HasPrefix(last.Attachments[0].Filename, "imagine_") || last.Attachments[0].Width != 64 {
		t.Fatalf("final attachments = %+v, want one 64px image", last.Attachments)
	}
	ems := embeds(last)
	if len(ems) != 1 || ems[0].Image == nil || ems[0].Image.URL != "attachment://"+last.Attachments[0].Filename {
		t.Fatalf("final embeds = %+v, want the image", ems)
	}
	for _, want := range []string{"a lighthouse at dusk", "Seed ", "64x64", "40 steps", "by <@1001>"} {
		if !strings.Contains(ems[0].Description, want) {
			t.Errorf("caption %q lacks %q", ems[0].Description, want)
		}
	}
	buttonWith(t, last, actReroll, 0)
	buttonWith(t, last, actUpscale, 0)
	if len(last.MissingAttachmentRefs) > 0 {
		t.Errorf("final revision refers to missing attachments %v", last.MissingAttachmentRefs)
	}
	// Every edit went through the interaction token, none was rate limited.
	for _, c := range e.callsFor(it.Token) {
		if c.Status >= 400 {
			t.Errorf("call %s %s answered %d (code %d)", c.Method, c.Route, c.Status, c.Code)
		}
	}
}

func testImagineOptions(t *testing.T, e *env) {
	tests := []struct {
		name   string
		prompt string
		opts   []discordtest.Option
		check  func(t *testing.T, p imagine.Params, m discordtest.Message)
	}{
		{"inline", "inline cat --ar 16:9 --steps 12 --seed 42 --no dogs", nil,
			func(t *testing.T, p imagine.Params, m discordtest.Message) {
				if p.Steps != 12 || p.Seed != 42 || p.Width <= p.Height || !strings.Contains(p.NegativePrompt, "dogs") {
					t.Errorf("params = steps %v seed %v %vx%v negative %q; want 12, 42, landscape, dogs",
						p.Steps, p.Seed, p.Width, p.Height, p.NegativePrompt)
				}
				if d := embeds(m.Revision)[0].Description; !strings.HasPrefix(d, "inline cat\n") || !strings.Contains(d, "Seed 42") {
					t.Errorf("caption = %q, want the prompt without options and seed 42", d)
				}
			}},
		{"structured", "structured cat", []discordtest.Option{{Name: "aspect", Value: "2:3"}, {Name: "steps", Value: 9},
			{Name: "seed", Value: 7}, {Name: "negative", Value: "blurry"}, {Name: "style", Value: "anime"},
			{Name: "count", Value: 2}, {Name: "hires", Value: true}},
			func(t *testing.T, p imagine.Params, m discordtest.Message) {
				if p.Steps != 9 || p.Seed != 7 || p.BatchSize != 2 || !p.EnableHR || p.Width >= p.Height ||
					p.Prompt != "anime style, structured cat" || !strings.Contains(p.NegativePrompt, "blurry") {
					t.Errorf("params = %+v; want steps 9, seed 7, 2 images, hires, portrait, anime style, blurry", p)
				}
				if len(m.Attachments) != 2 {
					t.Errorf("final message has %d attachments, want 2", len(m.Attachments))
				}
				// A hires result is enlarged by the upscaler too: ⬆ and 🎨 for each image.
				var ups, varies int
				for _, id := range customIDs(m.Revision) {
					if hasAction(id, actUpscale) {
						ups++
					}
					if hasAction(id, actVary) {
						varies++
					}
				}
				if ups != 2 || varies != 2 {
					t.Errorf("a result of 2 images offers %d Upscale and %d Vary buttons, want 2 of each", ups, varies)
				}
			}},
		{"structured wins", "winner dog --steps 30 --ar 1:1 --size 96x64", []discordtest.Option{{Name: "steps", Value: 11}, {Name: "aspect", Value: "16:9"}},
			func(t *testing.T, p imagine.Params, m discordtest.Message) {
				if p.Steps != 11 || p.Width <= p.Height {
					t.Errorf("params = steps %v, %vx%v; want the structured 11 steps and 16:9", p.Steps, p.Width, p.Height)
				}
			}},
		{"batch", "batch of owls", []discordtest.Option{{Name: "count", Value: 3}},
			func(t *testing.T, p imagine.Params, m discordtest.Message) {
				if len(m.Attachments) != 3 {
					t.Fatalf("final message has %d attachments, want 3", len(m.Attachments))
				}
				if ems := embeds(m.Revision); len(ems) != 1 || ems[0].Image != nil {
					t.Errorf("batch embeds = %+v, want a caption and the images as attachments", ems)
				}
				for i := range 3 {
					buttonWith(t, m.Revision, actUpscale, i)
				}
			}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := e.sub(t)
			it := e.imagine("20"+string(rune('0'+i)), tt.prompt, tt.opts...)
			if cb := e.ack(it); cb.Type != discordtest.CallbackDeferredChannelMessage {
				t.Fatalf("ack type %d (%s), want 5", cb.Type, cb.Data)
			}
			m := e.waitFinal(it)
			word := strings.Fields(tt.prompt)[0]
			tt.check(t, e.job(word).Params, m)
		})
	}
}

func testImagineChinese(t *testing.T, e *env) {
	it := e.interact(discordtest.InteractSpec{Name: "imagine", UserID: "3001", Locale: "zh-CN",
		Options: []discordtest.Option{{Name: "prompt", Value: "黄昏时的灯塔"}, {Name: "steps", Value: 20}}})
	m := e.waitFinal(it)
	if d := embeds(m.Revision)[0].Description; !strings.Contains(d, "种子") || !strings.Contains(d, "来自 <@3001>") {
		t.Errorf("caption = %q, want Chinese", d)
	}
	progress := false
	for _, r := range m.History {
		progress = progress || strings.Contains(r.Content, "步") || strings.Contains(r.Content, "开始生成")
	}
	if !progress {
		t.Errorf("no Chinese progress line:\n%s", describe(m))
	}
	if ids := customIDs(m.Revision); len(ids) == 0 {
		t.Fatal("no buttons")
	}
	// The buttons are labelled in Chinese too.
	var rows []struct {
		Components []struct {
			Label string `json:"label"`
		} `json:"components"`
	}
	raw, _ := json.Marshal(m.Components)
	_ = json.Unmarshal(raw, &rows)
	if len(rows) == 0 || len(rows[0].Components) == 0 || !strings.Contains(rows[0].Components[0].Label, "重新生成") {
		t.Errorf("buttons = %s, want Chinese labels", raw)
	}
	// A refusal is in Chinese as well.
	bad := e.interact(discordtest.InteractSpec{Name: "imagine", UserID: "3001", Locale: "zh-CN",
		Options: []discordtest.Option{{Name: "prompt", Value: "灯塔 --foo"}}})
	if got := e.ephemeral(bad); !strings.Contains(got, "未知选项") {
		t.Errorf("refusal = %q, want Chinese", got)
	}
}

func TestBuildRequest(t *testing.T) {
	who := imagine.Requester{Platform: imagine.Discord, UserID: "1"}
	opt := func(name string, v any) *discordgo.ApplicationCommandInteractionDataOption {
		return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Value: v}
	}
	tests := []struct {
		name string
		opts []*discordgo.ApplicationCommandInteractionDataOption
		want imagine.Request
		err  error
	}{
		{"prompt only", []*discordgo.ApplicationCommandInteractionDataOption{opt("prompt", "a cat")},
			imagine.Request{Prompt: "a cat", Seed: -1, Requester: who}, nil},
		{"inline", []*discordgo.ApplicationCommandInteractionDataOption{opt("prompt", "a cat --seed 5 --hr --n 2")},
			imagine.Request{Prompt: "a cat", Seed: 5, HiresFix: true, BatchSize: 2, Requester: who}, nil},
		{"structured wins", []*discordgo.ApplicationCommandInteractionDataOption{opt("prompt", "a cat --seed 5 --hr --size 96x64 --no dogs"),
			opt("seed", 7.0), opt("hires", false), opt("aspect", "3:2"), opt("negative", "birds"), opt("count", 3.0), opt("steps", 9.0), opt("style", "anime")},
			imagine.Request{Prompt: "a cat", Seed: 7, Aspect: imagine.Ratio{W: 3, H: 2}, NegativePrompt: "birds", BatchSize: 3, Steps: 9,
				Style: "anime", Requester: who}, nil},
		{"fractional steps", []*discordgo.ApplicationCommandInteractionDataOption{opt("prompt", "a cat"), opt("steps", 2.5)},
			imagine.Request{}, imagine.ErrBadOption},
		{"bad aspect", []*discordgo.ApplicationCommandInteractionDataOption{opt("prompt", "a cat"), opt("aspect", "wide")},
			imagine.Request{}, imagine.ErrBadOption},
		{"aspect 16x9", []*discordgo.ApplicationCommandInteractionDataOption{opt("prompt", "a cat"), opt("aspect", "16x9")},
			imagine.Request{Prompt: "a cat", Seed: -1, Aspect: imagine.Ratio{W: 16, H: 9}, Requester: who}, nil},
		{"aspect 4/3", []*discordgo.ApplicationCommandInteractionDataOption{opt("prompt", "a cat"), opt("aspect", "4/3")},
			imagine.Request{Prompt: "a cat", Seed: -1, Aspect: imagine.Ratio{W: 4, H: 3}, Requester: who}, nil},
		{"aspect with a full-width colon", []*discordgo.ApplicationCommandInteractionDataOption{opt("prompt", "a cat"), opt("aspect", "16：9")},
			imagine.Request{Prompt: "a cat", Seed: -1, Aspect: imagine.Ratio{W: 16, H: 9}, Requester: who}, nil},
		{"aspect smuggling an option", []*discordgo.ApplicationCommandInteractionDataOption{opt("prompt", "a cat"), opt("aspect", "16:9 --hr")},
			imagine.Request{}, imagine.ErrBadOption},
		{"aspect as an option", []*discordgo.ApplicationCommandInteractionDataOption{opt("prompt", "a cat"), opt("aspect", "--hr")},
			imagine.Request{}, imagine.ErrBadOption},
		{"bad inline option", []*discordgo.ApplicationCommandInteractionDataOption{opt("prompt", "a cat --zoom 2")},
			imagine.Request{}, imagine.ErrBadOption},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := buildRequest(tt.opts, who)
			if !errors.Is(err, tt.err) || (tt.err == nil && got != tt.want) {
				t.Errorf("buildRequest = %+v, %v; want %+v, %v", got, err, tt.want, tt.err)
			}
		})
	}
}

// testAckWithoutResponse answers the first callback (with ?with_response)
// with a 400, as a proxy that does not know the parameter might: the
// adapter acknowledges again without it and learns the message id from its
// first edit.
func testAckWithoutResponse(t *testing.T, e *env) {
	e.srv.FailNext(discordtest.RouteInteractionCallback, 1, http.StatusBadRequest)
	it := e.imagine("1701", "plain ack")
	if m := e.waitFinal(it); len(m.Attachments) != 1 {
		t.Fatalf("no image:\n%s", describe(m))
	}
	cbs := e.srv.CallsTo(discordtest.RouteInteractionCallback)
	var mine []discordtest.Call
	for _, c := range cbs {
		if strings.Contains(c.Path, it.Token) {
			mine = append(mine, c)
		}
	}
	if len(mine) != 2 || mine[0].Status != http.StatusBadRequest || mine[1].Status != http.StatusNoContent {
		t.Errorf("callbacks = %+v, want a refused one then a plain one", mine)
	}
}
