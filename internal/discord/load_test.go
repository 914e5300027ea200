package discord

import (
	"flag"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
	"github.com/imaginebot/imaginebot/internal/imagine/imaginetest"
)

var loadTest = flag.Bool("load", false, "run the load test (go test ./internal/discord -run TestLoad -v -load)")

// TestLoad has 20, then 100 users send two /imagine each, all at once, over
// HTTP/2 as with Discord (over HTTP/1.1 each callback of a burst waits for a
// connection of its own), with Discord's default rate limits and the default
// edit interval, and reports:
// the acknowledgement latency (from dispatch to the callback arriving at the
// fake), the time from the end of each job (the scripted backend's return
// from Generate) to the fake's receipt of the edit that shows its image, the
// jobs lost (every job must end with its image) and the 429s served.
func TestLoad(t *testing.T) {
	if !*loadTest {
		t.Skip("run with -load")
	}
	for _, users := range []int{20, 100} {
		t.Run(fmt.Sprintf("%d users", users), func(t *testing.T) { runLoad(t, users, 2) })
	}
}

func runLoad(t *testing.T, users, perUser int) {
	n := users * perUser
	// The bot's own transport, speaking HTTP/2 as it does to discord.com,
	// where TLS negotiates it; the fake offers it without TLS.
	tr := defaultTransport()
	tr.Protocols = new(http.Protocols)
	tr.Protocols.SetUnencryptedHTTP2(true)
	e := newEnv(t, envOptions{
		fake: discordtest.Options{RateLimits: discordtest.RateLimits{
			Webhooks:        discordtest.RateLimit{Limit: 5, Window: 5 * time.Second},
			ChannelMessages: discordtest.RateLimit{Limit: 5, Window: 5 * time.Second},
			Global:          discordtest.RateLimit{Limit: 50, Window: time.Second},
		}},
		mem: imaginetest.Options{StepDelay: time.Millisecond},
		cfg: Config{EditInterval: DefaultEditInterval, ShutdownGrace: 5 * time.Second,
			HTTPClient: &http.Client{Transport: tr}},
		perUser:  perUser,
		maxQueue: 2 * n,
	})
	its := make([]*discordtest.Interaction, n)
	prompts := make([]string, n)
	var wg sync.WaitGroup
	start := time.Now()
	for u := range users {
		wg.Go(func() {
			for c := range perUser {
				i := u*perUser + c
				prompts[i] = fmt.Sprintf("load user %d command %d", u, c)
				its[i] = e.imagine(fmt.Sprint(100000+u), prompts[i], discordtest.Option{Name: "steps", Value: 4})
			}
		})
	}
	wg.Wait()
	var acks []time.Duration
	for _, it := range its {
		cb := e.ack(it)
		if cb.Type != discordtest.CallbackDeferredChannelMessage {
			t.Errorf("interaction answered with type %d", cb.Type)
		}
		acks = append(acks, cb.At.Sub(it.DispatchedAt))
	}
	lost := 0
	finals := make([]discordtest.Message, n)
	for i, it := range its {
		finals[i] = e.waitFinal(it)
		if len(finals[i].Attachments) != 1 {
			lost++
		}
	}
	took := time.Since(start)

	// Job end → final image visible.
	ends := map[string]time.Time{}
	for _, j := range e.mem.Jobs() {
		ends[j.Params.Prompt] = j.End
	}
	var visible []time.Duration
	for i, m := range finals {
		end, ok := ends[prompts[i]]
		if !ok {
			t.Errorf("no generation recorded for %q", prompts[i])
			continue
		}
		shown := slices.IndexFunc(m.History, func(r discordtest.Revision) bool {
			return slices.ContainsFunc(r.Attachments, func(a discordtest.Attachment) bool { return strings.HasPrefix(a.Filename, "imagine_") })
		})
		if shown >= 0 {
			visible = append(visible, m.History[shown].At.Sub(end))
		}
	}
	r := func(d time.Duration) time.Duration { return d.Round(100 * time.Microsecond) }
	t.Logf("%d users × %d commands: ack p50 %s, p99 %s, max %s", users, perUser, r(pct(acks, 0.50)), r(pct(acks, 0.99)), r(pct(acks, 1)))
	t.Logf("job end → final image visible: p50 %s, p99 %s, max %s (%d jobs)",
		r(pct(visible, 0.50)), r(pct(visible, 0.99)), r(pct(visible, 1)), len(visible))
	t.Logf("jobs lost %d; 429s served %d; all delivered in %s; webhook buckets %d, callback buckets %d",
		lost, e.srv.Count429(), took.Round(time.Millisecond), e.a.rest.webhooks.size(), e.a.rest.callbacks.size())
	if at := ackTimes(e.logs.String()); len(at) > 0 {
		t.Logf("from the gateway event to the acknowledged callback in the adapter: p50 %s, p99 %s", at[len(at)/2], at[len(at)*99/100])
	}
	if lost > 0 {
		t.Errorf("%d jobs lost", lost)
	}
	if n := e.srv.Count429(); n > 0 {
		t.Errorf("%d 429s served, want none", n)
	}
	// Loose bounds (the goals are ack p99 < 100ms, final p50 < 100ms and
	// p99 < 500ms without -race; the log above reports the figures).
	if p := pct(acks, 0.99); p > time.Second {
		t.Errorf("ack p99 %s, want far below Discord's 3s", p)
	}
	if p := pct(visible, 0.99); p > DefaultEditInterval {
		t.Errorf("final image p99 %s after the job ended: it waits for the preview interval", p)
	}
	if e.a.rest.webhooks.size() > n {
		t.Errorf("%d webhook buckets for %d messages", e.a.rest.webhooks.size(), n)
	}
}

// pct returns the q-quantile of ds (q = 1: the largest), sorting ds.
func pct(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[min(len(ds)-1, int(q*float64(len(ds))))]
}

// ackTimes reads the ack durations of the "job accepted" log lines, sorted.
func ackTimes(logs string) []time.Duration {
	var out []time.Duration
	for _, m := range regexp.MustCompile(`ack=([0-9.]+[mµn]?s)`).FindAllStringSubmatch(logs, -1) {
		if d, err := time.ParseDuration(m[1]); err == nil {
			out = append(out, d)
		}
	}
	slices.Sort(out)
	return out
}
