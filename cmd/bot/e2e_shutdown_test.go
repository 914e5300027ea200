package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/sdsim"
	"github.com/imaginebot/imaginebot/internal/telegram/telegramtest"
)

// shutdownTimeout is shutdown_timeout in the shutdown scenario.
const shutdownTimeout = 4 * time.Second

// shutdownScenarios stop the bot (as SIGINT does: run's ctx ends).
func shutdownScenarios() []scenario {
	return []scenario{{"one job running and one queued per platform, store in memory",
		e2eOptions{discord: true, shutdown: shutdownTimeout, store: ":memory:", sim: sdsim.Options{StepDelay: slowStepDelay}}, testShutdown}}
}

// testShutdown stops the bot, whose store is in memory, with one job
// running and one queued on each platform: the running job finishes and
// its image is delivered within shutdown_timeout, the queued users are told
// that their request was not run and can be resent (as before the store
// existed; TestRestartAfterTerm has the durable case), a command sent after the signal is left for the
// next start, and run returns nil.
func testShutdown(t *testing.T, b *e2eBot) {
	first := b.tgImagine("a cat finishing during the shutdown --steps 30")
	b.eventually("the first job running", func() bool { return running(b.sd.Sim(), 1) })
	queuedTG := b.tgImagine("a cat that will wait for the restart")
	queuedDC := b.dcImagine("a Discord cat that will wait for the restart")
	b.tgWaitReply("the queued status", queuedTG, func(m telegramtest.Message) bool { return strings.HasPrefix(m.Text, "Queued") })
	b.waitDC("the queued status", func() bool {
		m, ok := queuedDC.Original()
		return ok && strings.HasPrefix(m.Content, "Queued")
	})

	start := time.Now()
	b.cancel()
	late := b.tgCommand(telegramtest.User{ID: 4242, FirstName: "Late", LanguageCode: "en"}, "/imagine a cat sent too late")
	err := b.stop()
	took := time.Since(start)
	if err != nil {
		t.Fatalf("run returned %v after the signal, want nil", err)
	}
	// Once the running job is delivered, run has nothing to wait for.
	if took > shutdownTimeout+2*time.Second {
		t.Errorf("run returned %s after the signal, want soon after the running job (within shutdown_timeout %s)", took.Round(time.Millisecond), shutdownTimeout)
	}

	// Everything below was delivered before run returned: no waiting.
	rs := b.tgReplies(first)
	if len(rs) != 1 || !tgIsImage(rs[0]) {
		t.Fatalf("the running job's messages are %v, want its image", tgTexts(rs))
	}
	if at := rs[0].EditDate; at.Sub(start) > shutdownTimeout {
		t.Errorf("the running job's image came %s after the signal, want within shutdown_timeout (%s)", at.Sub(start).Round(time.Millisecond), shutdownTimeout)
	}
	if rs := b.tgReplies(queuedTG); len(rs) != 1 || tgText(rs[0]) != notRunText {
		t.Errorf("the queued Telegram user sees %v, want %q", tgTexts(rs), notRunText)
	}
	if m, ok := queuedDC.Original(); !ok || m.Content != notRunText {
		t.Errorf("the queued Discord user sees %q, want %q", m.Content, notRunText)
	}
	if rs := b.tgReplies(late); len(rs) != 0 {
		t.Errorf("the late command was answered with %v, want it left for the next start", tgTexts(rs))
	}
	if n := b.tg.PendingUpdates(); n != 1 {
		t.Errorf("%d updates left unconfirmed, want the late command's (so that the restarted bot answers it)", n)
	}
	if b.dc.Connected() {
		t.Error("the Discord gateway is still connected after run returned")
	}
	outcomes := map[string]int{}
	for _, l := range b.jobsEnded() {
		outcomes[fmt.Sprint(l["outcome"])]++
	}
	if outcomes["done"] != 1 || outcomes["failed"] != 2 {
		t.Errorf("\"job ended\" outcomes %v, want 1 done and 2 failed (the queued jobs that never ran)", outcomes)
	}
	if code := opsStatus(b.opsURL + "/healthz"); code != 0 {
		t.Errorf("/healthz answered %d after run returned, want the ops server closed", code)
	}
}

// opsStatus returns the status of a GET of url, or 0 if nothing answers.
func opsStatus(url string) int {
	resp, err := opsClient.Get(url)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// tgTexts lists what messages show, for failure messages.
func tgTexts(ms []telegramtest.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = tgText(m)
	}
	return out
}
