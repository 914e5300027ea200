package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/sdsim"
	"github.com/imaginebot/imaginebot/internal/telegram/telegramtest"
)

// The failure sentences users see, in English.
const (
	failDown      = "Failed: The image server is not reachable right now. Please try again later."
	failOOM       = "Failed: The image server ran out of GPU memory. Try a smaller size or fewer images."
	failRejected  = "Failed: The image server rejected the request: steps"
	failServer    = "Failed: The image server had an error. Please try again."
	failTimeout   = "Failed: The image took too long and was stopped. Try fewer steps or a smaller size."
	txt2imgPath   = "/sdapi/v1/txt2img"
	optionsPath   = "/sdapi/v1/options"
	slowStepDelay = 40 * time.Millisecond // with --steps 30: a job of about 1.2s
)

// telegramFaults is the fault suite with the Telegram adapter: faults of
// the SD server and of Telegram.
func telegramFaults() []scenario {
	return []scenario{
		{"sd down at start", e2eOptions{sdDown: true}, func(t *testing.T, b *e2eBot) {
			if !b.logged("SD server not reachable at start; jobs will fail until it is") {
				t.Error("the log does not warn that the SD server is down")
			}
			if code, body := b.get("/healthz"); code != http.StatusServiceUnavailable || !strings.Contains(body, `"sd default":"sd: cannot reach `+b.sd.URL()) {
				t.Errorf("/healthz with SD down = %d %s, want 503 naming the SD server", code, body)
			}
			b.tgWaitFailure(b.tgImagine("a cat nobody will draw"), failDown)
			b.sd.start()
			b.tgWaitImage(b.tgImagine("a cat once the server is back"))
		}},
		{"sd down mid-job", e2eOptions{sim: sdsim.Options{StepDelay: slowStepDelay}}, func(t *testing.T, b *e2eBot) {
			first := b.tgImagine("a cat when the server dies --steps 30")
			b.eventually("the first job running", func() bool { return running(b.sd.Sim(), 1) })
			next := b.tgImagine("a cat queued behind it")
			b.sd.crash()
			// The core retries an unreachable server (1s, then 2s) before it
			// gives up; the server is back before the queued job gives up.
			b.waitLog("the first job's end", func() bool { return len(b.jobsEnded()) == 1 })
			b.sd.start()
			b.tgWaitFailure(first, failDown)
			b.tgWaitImage(next)
		}},
		{"500 out of memory", e2eOptions{}, func(t *testing.T, b *e2eBot) {
			b.sd.Sim().SetFault(sdsim.Fault{Kind: sdsim.FaultOOM, Path: txt2imgPath, Times: 1})
			b.tgWaitFailure(b.tgImagine("a cat too large for the GPU"), failOOM)
			b.tgWaitImage(b.tgImagine("a small cat"))
		}},
		{"422 validation", e2eOptions{}, func(t *testing.T, b *e2eBot) {
			b.sd.Sim().SetFault(sdsim.Fault{Kind: sdsim.FaultValidation, Path: txt2imgPath, Times: 1})
			b.tgWaitFailure(b.tgImagine("a cat the server refuses"), failRejected)
			b.tgWaitImage(b.tgImagine("a cat the server takes"))
		}},
		{"malformed JSON", e2eOptions{}, func(t *testing.T, b *e2eBot) {
			b.sd.Sim().SetFault(sdsim.Fault{Kind: sdsim.FaultMalformed, Path: txt2imgPath, Times: 1})
			b.tgWaitFailure(b.tgImagine("a cat cut in half"), failServer)
			b.tgWaitImage(b.tgImagine("a whole cat"))
		}},
		{"sd answers without an image", e2eOptions{}, testNoImageTelegram},
		// sd.timeout leaves the quick job after the hang room for the
		// server's recovery from the interrupt on a loaded machine.
		{"hang past sd.timeout", e2eOptions{sdTimeout: 2 * time.Second}, func(t *testing.T, b *e2eBot) {
			b.sd.Sim().SetFault(sdsim.Fault{Kind: sdsim.FaultHang, Path: txt2imgPath, Times: 1})
			start := time.Now()
			b.tgWaitFailure(b.tgImagine("a cat that never comes"), failTimeout)
			if took := time.Since(start); took > 6*time.Second {
				t.Errorf("the timeout was reported after %s, want about sd.timeout (2s)", took)
			}
			b.tgWaitImage(b.tgImagine("a quick cat"))
		}},
		{"slow model load during /model", e2eOptions{sim: sdsim.Options{
			ModelLoadDelay: 1500 * time.Millisecond,
			Models:         []string{"base-v1.safetensors", "dreamy-xl.safetensors"},
		}}, testSlowModelLoad},
		{"fair order across /model", orderDuringSwitch, testOrderAcrossSwitch},
		{"telegram 429 storm", e2eOptions{}, func(t *testing.T, b *e2eBot) {
			// A job whose image is ready before its status message went
			// out is posted as a photo at once, so which send methods a
			// job uses depends on timing: the storm hits all of them.
			injected := injectFailures(b.tg, http.StatusTooManyRequests, "Too Many Requests: retry after 1 (storm)", 2)
			stormed := []tgRequest{b.tgImagine("storm cat 1"), b.tgImagine("storm cat 2"), b.tgImagine("storm cat 3")}
			for _, r := range stormed {
				b.tgWaitImage(r)
			}
			hit := injected()
			if hit < 2 {
				t.Errorf("%d injected 429s were answered, want the storm to hit at least the first replies", hit)
			}
			if own := b.tg.Count429() - hit; own > 2 {
				t.Errorf("the fake answered %d 429s beyond the %d injected, want at most 2 caused by the bot's own pace", own, hit)
			}
			b.tgWaitImage(b.tgImagine("a cat after the storm"))
		}},
		{"telegram 5xx", e2eOptions{}, func(t *testing.T, b *e2eBot) {
			injected := injectFailures(b.tg, http.StatusBadGateway, "Bad Gateway (flaky proxy)", 2)
			b.tgWaitImage(b.tgImagine("a cat through a flaky proxy"))
			hit := injected()
			if hit < 1 {
				t.Error("no injected 5xx was answered: the test did not test anything")
			}
			if n := failedCalls(b.tg, "", 0); n != hit {
				t.Errorf("%d calls failed, want only the %d injected 5xx", n, hit)
			}
			b.tgWaitImage(b.tgImagine("a cat after the errors"))
		}},
		{"telegram getUpdates errors", e2eOptions{}, testGetUpdatesErrors},
	}
}

// testSlowModelLoad switches the model while loading takes 1.5s: the
// admin is told that the switch is under way and then that it is done, and
// an /imagine sent during the load runs after it, on the new model.
func testSlowModelLoad(t *testing.T, b *e2eBot) {
	admin := b.tgCommand(e2eAdminTG, "/model dreamy-xl")
	b.eventually("the model load", func() bool {
		for _, r := range b.sd.Sim().Records() {
			if r.Method == http.MethodPost && r.Path == optionsPath && !r.JobStart.IsZero() {
				return true
			}
		}
		return false
	})
	r := b.tgImagine("a cat on the new model")
	m := b.tgWaitImage(r)
	if !strings.Contains(m.Caption, "dreamy-xl") {
		t.Errorf("caption %q does not name the new model dreamy-xl", m.Caption)
	}
	reply := b.tgWaitReply("the switch's outcome", admin, func(m telegramtest.Message) bool {
		return strings.HasPrefix(m.Text, "Model switched to ")
	})
	if len(reply.History) == 0 || !strings.HasPrefix(reply.Original.Text, "Switching the model to dreamy-xl.") {
		t.Errorf("the admin's reply was first %q, want the switch announced while it loads", reply.Original.Text)
	}
	var loadEnd, jobStart time.Time
	for _, rec := range b.sd.Sim().Records() {
		switch {
		case rec.Method == http.MethodPost && rec.Path == optionsPath:
			loadEnd = rec.JobEnd
		case rec.Path == txt2imgPath:
			jobStart = rec.JobStart
		}
	}
	if jobStart.Before(loadEnd) {
		t.Errorf("the queued job started at %s, before the model load ended at %s", jobStart.Format(time.StampMicro), loadEnd.Format(time.StampMicro))
	}
	if got := b.sd.Sim().CurrentModel(); !strings.HasPrefix(got, "dreamy-xl.safetensors") {
		t.Errorf("the server runs %q, want dreamy-xl", got)
	}
}

// testGetUpdatesErrors fails getUpdates three times: the bot keeps
// polling, /healthz reports Telegram down meanwhile, and a command sent
// during the errors is answered once polling works again.
func testGetUpdatesErrors(t *testing.T, b *e2eBot) {
	b.tg.FailNext("getUpdates", http.StatusBadGateway, "Bad Gateway", 3)
	// The long poll open now is answered normally; the failures hit the
	// polls after it.
	before := b.tgImagine("a cat that wakes the poll")
	b.waitTG("three failed polls", func() bool { return failedCalls(b.tg, "getUpdates", http.StatusBadGateway) == 3 })
	during := b.tgImagine("a cat sent while polling fails")
	// The adapter learns of the third failure a moment after the fake
	// answered it, and polls again 4s later.
	b.eventually("/healthz to report telegram down", func() bool {
		code, body := b.get("/healthz")
		return code == http.StatusServiceUnavailable &&
			strings.Contains(body, `"telegram":"telegram: getUpdates failed 3 times in a row`) &&
			strings.Contains(body, `"sd default":"ok"`)
	})
	b.tgWaitImage(before)
	b.tgWaitImage(during)
	b.eventually("/healthz to recover", func() bool { code, _ := b.get("/healthz"); return code == http.StatusOK })
}

// running reports whether the Sim has n txt2img requests holding the job
// lock now or before.
func running(sim *sdsim.Sim, n int) bool {
	got := 0
	for _, r := range sim.Records() {
		if r.Path == txt2imgPath && !r.JobStart.IsZero() {
			got++
		}
	}
	return got >= n
}

// failedCalls counts the calls of method that the fake answered with status.
func failedCalls(tg *telegramtest.Server, method string, status int) int {
	n := 0
	for _, c := range tg.Calls() {
		if (method == "" || c.Method == method) && c.Status >= 300 && (status == 0 || c.Status == status) {
			n++
		}
	}
	return n
}

// sendMethods are the Bot API methods that show a job to its user.
var sendMethods = []string{"sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup", "editMessageText", "editMessageCaption", "editMessageMedia"}

// injectFailures makes the next n calls of every send method fail with
// status and desc, and returns a func that counts the injected failures
// the fake has answered so far (found by their description).
func injectFailures(tg *telegramtest.Server, status int, desc string, n int) func() int {
	for _, m := range sendMethods {
		tg.FailNext(m, status, desc, n)
	}
	return func() int {
		hit := 0
		for _, c := range tg.Calls() {
			if c.Status == status && c.Error == desc {
				hit++
			}
		}
		return hit
	}
}
