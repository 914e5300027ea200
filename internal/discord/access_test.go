package discord

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/imagine/imaginetest"
)

func TestAccessControl(t *testing.T) {
	t.Parallel()
	var allowed discordtest.Guild
	e := newEnv(t, envOptions{
		noDMs: true,
		prepare: func(srv *discordtest.Server) {
			allowed = srv.AddGuild(discordtest.Guild{Name: "allowed"})
		},
	})
	// The env's own guild is not in the list; a second one is.
	e.a.cfg.AllowedGuildIDs = []string{allowed.ID}
	ch, err := e.srv.AddChannel(discordtest.Channel{GuildID: allowed.ID, Name: "art"})
	if err != nil {
		t.Fatal(err)
	}
	dm := e.srv.AddDM("3301")
	before := len(e.mem.Jobs())

	refusals := []struct {
		name    string
		channel string
		locale  string
	}{
		{"unlisted guild", e.ch.ID, "zh-CN"},
		{"direct message", dm.ID, "en-US"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			e := e.sub(t)
			it := e.interact(discordtest.InteractSpec{Name: "imagine", ChannelID: tt.channel, UserID: "3301", Locale: tt.locale,
				Options: []discordtest.Option{{Name: "prompt", Value: "a quiet lake"}}})
			if got, want := e.ephemeral(it), catalog.T(tt.locale, catalog.MsgNotHere); got != want {
				t.Errorf("refusal = %q, want %q", got, want)
			}
		})
	}
	if got := len(e.mem.Jobs()); got != before {
		t.Errorf("refused requests reached the backend: %d generations, want %d", got, before)
	}
	if !strings.Contains(e.logs.String(), "not allowed") {
		t.Errorf("the refusals were not logged")
	}
	t.Run("listed guild", func(t *testing.T) {
		e := e.sub(t)
		it := e.interact(discordtest.InteractSpec{Name: "imagine", ChannelID: ch.ID, UserID: "3302",
			Options: []discordtest.Option{{Name: "prompt", Value: "a quiet lake"}}})
		if m := e.waitFinal(it); len(m.Attachments) != 1 {
			t.Fatalf("no image in the allowed guild:\n%s", describe(m))
		}
	})
}

// countingRecorder counts what the adapter reports.
type countingRecorder struct{ previews, limited atomic.Int64 }

func (r *countingRecorder) PreviewEdited(imagine.Platform) { r.previews.Add(1) }
func (r *countingRecorder) RateLimited(imagine.Platform)   { r.limited.Add(1) }

func TestRecorderCountsPreviewsAnd429s(t *testing.T) {
	t.Parallel()
	rec := &countingRecorder{}
	e := newEnv(t, envOptions{
		cfg: Config{Recorder: rec},
		mem: imaginetest.Options{StepDelay: 10 * time.Millisecond},
	})
	e.srv.FailNext(discordtest.RouteEditWebhookMessage, 2, http.StatusTooManyRequests)
	var its []*discordtest.Interaction
	for i, u := range []string{"3401", "3402", "3403"} {
		its = append(its, e.imagine(u, "storm "+string(rune('a'+i)), discordtest.Option{Name: "steps", Value: 30}))
	}
	for _, it := range its {
		if m := e.waitFinal(it); len(m.Attachments) != 1 {
			t.Fatalf("no final image:\n%s", describe(m))
		}
	}
	if rec.previews.Load() == 0 {
		t.Errorf("no preview edits were counted")
	}
	if got, served := rec.limited.Load(), e.srv.Count429(); served == 0 || got == 0 {
		t.Errorf("counted %d 429s, the fake served %d; want both above 0", got, served)
	}
}
