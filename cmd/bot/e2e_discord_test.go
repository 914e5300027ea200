package main

import (
	"net/http"
	"testing"

	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
	"github.com/imaginebot/imaginebot/internal/sdsim"
)

// discordFaults is the fault suite with the Discord adapter: faults of
// Discord, and one of the SD server to see how Discord users learn of it.
func discordFaults() []scenario {
	discordOnly := e2eOptions{discord: true, noTelegram: true}
	return []scenario{
		{"discord 429s", discordOnly, func(t *testing.T, b *e2eBot) {
			b.dc.FailNext(discordtest.RouteEditWebhookMessage, 4, http.StatusTooManyRequests)
			first, second := b.dcImagine("a cat in a rate limit"), b.dcImagine("another cat in it")
			b.dcWaitImage(first)
			b.dcWaitImage(second)
			if n := b.dc.Count429(); n < 4 || n > 6 {
				t.Errorf("the fake answered %d 429s, want the 4 injected and at most 2 more caused by the bot's own pace", n)
			}
			b.dcWaitImage(b.dcImagine("a cat after the limit"))
		}},
		{"discord 5xx", discordOnly, func(t *testing.T, b *e2eBot) {
			b.dc.FailNext(discordtest.RouteInteractionCallback, 1, http.StatusBadGateway)
			b.dc.FailNext(discordtest.RouteEditWebhookMessage, 3, http.StatusBadGateway)
			b.dcWaitImage(b.dcImagine("a cat through Discord 5xx answers"))
			n := 0
			for _, c := range b.dc.CallsTo(discordtest.RouteEditWebhookMessage) {
				if c.Status == http.StatusBadGateway {
					n++
				}
			}
			if n != 3 {
				t.Errorf("%d edits answered 502, want the 3 injected", n)
			}
			b.dcWaitImage(b.dcImagine("a cat after the errors"))
		}},
		{"discord gateway drop and reconnect", discordOnly, func(t *testing.T, b *e2eBot) {
			before := b.dc.GatewayStats()
			b.dc.DropGateway()
			// Dispatched to the resumable session: Discord replays it when
			// the bot resumes.
			it := b.dcImagine("a cat sent while the gateway is down")
			b.waitDC("the gateway reconnect", func() bool {
				after := b.dc.GatewayStats()
				return b.dc.Connected() && after.Connections > before.Connections &&
					after.Resumes+after.Identifies > before.Resumes+before.Identifies
			})
			b.dcWaitImage(it)
			b.dcWaitImage(b.dcImagine("a cat after the reconnect"))
		}},
		{"discord 500 on the acknowledgement", discordOnly, testAckServerError},
		{"discord stop during a gateway reconnect", e2eOptions{discord: true, noTelegram: true, proxies: true}, testStopDuringReconnect},
		{"discord sd out of memory", discordOnly, func(t *testing.T, b *e2eBot) {
			b.sd.Sim().SetFault(sdsim.Fault{Kind: sdsim.FaultOOM, Path: txt2imgPath, Times: 1})
			m := b.dcWaitEnd(b.dcImagine("a cat too large for the GPU"))
			if m.Content != failOOM {
				t.Errorf("the message says %q, want %q", m.Content, failOOM)
			}
			b.dcWaitImage(b.dcImagine("a small cat"))
		}},
		{"discord sd answers without an image", discordOnly, testNoImageDiscord},
	}
}

// testStopDuringReconnect stops the bot while it waits to retry a failed
// gateway reconnect: run must return nil, and nothing may keep reconnecting
// afterwards (the suite's leak check). discordgo's own reconnect loop could
// not be stopped, so the adapter reconnects itself.
func testStopDuringReconnect(t *testing.T, b *e2eBot) {
	const drops = 1000
	b.dcProxy.dropNext("/gw", drops)
	b.dc.DropGateway()
	b.eventually("a failed gateway reconnect", func() bool { return b.dcProxy.dropsLeft() < drops })
	if err := b.stop(); err != nil {
		t.Fatalf("run returned %v, want nil", err)
	}
}

// testAckServerError answers the first acknowledgement of an /imagine with
// 500: the adapter tries again within Discord's 3s deadline and delivers
// the image.
func testAckServerError(t *testing.T, b *e2eBot) {
	b.dc.FailNext(discordtest.RouteInteractionCallback, 1, http.StatusInternalServerError)
	b.dcWaitImage(b.dcImagine("a cat behind a failing acknowledgement"))
	b.dcWaitImage(b.dcImagine("a cat after it"))
}
