package discord

import (
	"flag"
	"fmt"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
	"github.com/imaginebot/imaginebot/internal/sd/sdtest"
)

var loadTest = flag.Bool("load", false, "run the load test (go test ./internal/discord -run TestLoad -load)")

// TestLoad sends 100 /imagine interactions at once and reports the
// acknowledgement latency (from dispatch to the callback arriving at the
// fake), the jobs lost (every job must end with its image) and the 429s
// served, with Discord's default rate limits.
func TestLoad(t *testing.T) {
	if !*loadTest {
		t.Skip("run with -load")
	}
	const n = 100
	e := newEnv(t, envOptions{
		fake: discordtest.Options{RateLimits: discordtest.RateLimits{
			Webhooks:        discordtest.RateLimit{Limit: 5, Window: 5 * time.Second},
			ChannelMessages: discordtest.RateLimit{Limit: 5, Window: 5 * time.Second},
			Global:          discordtest.RateLimit{Limit: 50, Window: time.Second},
		}},
		sim:      sdtest.Options{StepDelay: time.Millisecond},
		cfg:      Config{EditInterval: DefaultEditInterval, ShutdownGrace: 5 * time.Second},
		perUser:  1,
		maxQueue: 2 * n,
	})
	its := make([]*discordtest.Interaction, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		wg.Go(func() {
			its[i] = e.imagine(fmt.Sprint(100000+i), fmt.Sprintf("load test %d", i), discordtest.Option{Name: "steps", Value: 4})
		})
	}
	wg.Wait()
	var lat []time.Duration
	for _, it := range its {
		cb := e.ack(it)
		if cb.Type != discordtest.CallbackDeferredChannelMessage {
			t.Errorf("interaction answered with type %d", cb.Type)
		}
		lat = append(lat, cb.At.Sub(it.DispatchedAt))
	}
	lost := 0
	for _, it := range its {
		m := e.waitFinal(it)
		if len(m.Attachments) != 1 {
			lost++
		}
	}
	took := time.Since(start)
	slices.Sort(lat)
	p := func(q float64) time.Duration { return lat[min(len(lat)-1, int(q*float64(len(lat))))] }
	t.Logf("%d interactions: ack p50 %s, p99 %s, max %s; jobs lost %d; 429s served %d; all delivered in %s; "+
		"webhook buckets %d, callback buckets %d",
		n, p(0.50).Round(10*time.Microsecond), p(0.99).Round(10*time.Microsecond), lat[len(lat)-1].Round(10*time.Microsecond),
		lost, e.srv.Count429(), took.Round(time.Millisecond), e.a.rest.webhooks.size(), e.a.rest.callbacks.size())
	if at := ackTimes(e.logs.String()); len(at) > 0 {
		t.Logf("from the gateway event to the acknowledged callback in the adapter: p50 %s, p99 %s", at[len(at)/2], at[len(at)*99/100])
	}
	if lost > 0 {
		t.Errorf("%d jobs lost", lost)
	}
	if p(0.99) > time.Second {
		t.Errorf("ack p99 %s, want far below Discord's 3s (goal 100ms without -race)", p(0.99))
	}
	if e.a.rest.webhooks.size() > n {
		t.Errorf("%d webhook buckets for %d messages", e.a.rest.webhooks.size(), n)
	}
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
