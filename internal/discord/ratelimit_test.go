package discord

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
	"github.com/imaginebot/imaginebot/internal/imagine/imaginetest"
)

func TestRateLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{
		fake: discordtest.Options{RateLimits: discordtest.RateLimits{
			Webhooks:        discordtest.RateLimit{Limit: 2, Window: time.Second},
			ChannelMessages: discordtest.RateLimit{Limit: 2, Window: time.Second},
			Global:          discordtest.RateLimit{Limit: 3, Window: time.Second},
		}},
		mem: imaginetest.Options{StepDelay: 3 * time.Millisecond},
	})
	other, err := e.srv.AddChannel(discordtest.Channel{GuildID: e.guild.ID, Name: "other"})
	if err != nil {
		t.Fatal(err)
	}
	// Two scripted 429s without retry_after, as a proxy might send them.
	e.srv.FailNext(discordtest.RouteEditWebhookMessage, 2, http.StatusTooManyRequests)

	var its []*discordtest.Interaction
	for i := range 4 {
		ch := e.ch.ID
		if i%2 == 1 {
			ch = other.ID
		}
		it := e.interact(discordtest.InteractSpec{Name: "imagine", ChannelID: ch, UserID: fmt.Sprint(1400 + i),
			Options: []discordtest.Option{{Name: "prompt", Value: fmt.Sprintf("limited %d", i)}, {Name: "steps", Value: 40}}})
		e.ack(it)
		if i >= 2 {
			it.Expire() // these go through the bot token, under the global limit
		}
		its = append(its, it)
	}
	for _, it := range its {
		if m := e.waitFinal(it); len(m.Attachments) != 1 {
			t.Errorf("a job was not delivered:\n%s", describe(m))
		}
	}
	served := e.srv.Count429()
	if served < 2 {
		t.Errorf("%d 429s served, want at least the 2 scripted ones", served)
	}
	// Every 429 was honoured: the next request for the same path came at
	// least the adapter's minimum retry delay later, and no path got more
	// than a few.
	calls := e.srv.Calls()
	per := map[string]int{}
	for i, c := range calls {
		if c.Status != http.StatusTooManyRequests || c.Route == discordtest.RoutePutGlobalCommands {
			continue
		}
		per[c.Path]++
		for _, next := range calls[i+1:] {
			if next.Path == c.Path && next.Method == c.Method {
				if gap := next.At.Sub(c.At); gap < minRetry-20*time.Millisecond {
					t.Errorf("%s %s retried %s after a 429", c.Method, c.Route, gap)
				}
				break
			}
		}
	}
	for path, n := range per {
		if n > 4 {
			t.Errorf("%d 429s for one path (%.60s...)", n, path)
		}
	}
	t.Logf("429s served: %d over %d requests", served, len(calls))
}
