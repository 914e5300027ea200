package main

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
	"github.com/imaginebot/imaginebot/internal/sdsim"
)

// logScenarios check the log.
func logScenarios() []scenario {
	return []scenario{{"no secrets and one line per job", e2eOptions{discord: true, proxies: true}, testLog}}
}

// testLog runs a scenario with faults on both platforms and on the SD
// server at debug level, then searches the log for the secrets in every
// form they travel in, and checks the "job ended" lines.
func testLog(t *testing.T, b *e2eBot) {
	// Transport errors (their text holds the request URL, token included),
	// 429s and 5xx on Telegram.
	b.tgProxy.dropNext("/getUpdates", 1)
	b.tgProxy.dropNext("/sendMessage", 1)
	b.tg.FailNext("sendMessage", http.StatusTooManyRequests, "", 1)
	b.tg.FailNext("editMessageMedia", http.StatusBadGateway, "Bad Gateway", 1)
	tg1 := b.tgImagine("a cat behind a broken network")
	// The same on Discord, where webhook URLs hold the interaction token.
	b.dcProxy.dropNext("/messages/@original", 1)
	b.dc.FailNext(discordtest.RouteEditWebhookMessage, 1, http.StatusBadGateway)
	dc1 := b.dcImagine("a Discord cat behind a broken network")
	b.tgWaitImage(tg1)
	b.dcWaitImage(dc1)
	if n := b.tgProxy.dropsLeft() + b.dcProxy.dropsLeft(); n != 0 {
		t.Errorf("%d requests were to be dropped but never came", n)
	}

	// SD faults, each logged with its error: unreachable (then retried),
	// out of memory, malformed.
	sim := b.sd.Sim()
	sim.SetFault(sdsim.Fault{Kind: sdsim.FaultDown, Path: txt2imgPath, Times: 1})
	b.tgWaitImage(b.tgImagine("a cat after a dropped connection"))
	sim.SetFault(sdsim.Fault{Kind: sdsim.FaultOOM, Path: txt2imgPath, Times: 1})
	b.tgWaitFailure(b.tgImagine("a cat too large"), failOOM)
	sim.SetFault(sdsim.Fault{Kind: sdsim.FaultMalformed, Path: txt2imgPath, Times: 1})
	if m := b.dcWaitEnd(b.dcImagine("a Discord cat cut in half")); m.Content != failServer {
		t.Errorf("the Discord user sees %q, want %q", m.Content, failServer)
	}
	b.requireNothingLost()
	if err := b.stop(); err != nil {
		t.Fatalf("run: %v", err)
	}

	log := b.logs.String()
	for name, secret := range secretForms(b) {
		if strings.Contains(log, secret) {
			t.Errorf("the log contains the %s (%q)", name, secret)
		}
	}
	b.checkLogLines()
	checkJobLines(t, b)
}

// secretForms returns every secret of the run, as sent and in the encodings
// it travels in, by a description.
func secretForms(b *e2eBot) map[string]string {
	forms := map[string]string{}
	for name, s := range map[string]string{
		"Telegram token":        e2eTelegramToken,
		"Telegram token secret": e2eTelegramToken[strings.IndexByte(e2eTelegramToken, ':')+1:],
		"Discord token":         e2eDiscordToken,
		"SD password":           e2eSDPassword,
	} {
		forms[name] = s
		forms[name+", query-escaped"] = url.QueryEscape(s)
		forms[name+", path-escaped"] = url.PathEscape(s)
		forms[name+" in base64"] = base64.StdEncoding.EncodeToString([]byte(s))
	}
	auth := e2eSDUser + ":" + e2eSDPassword
	forms["SD basic auth"] = base64.StdEncoding.EncodeToString([]byte(auth))
	forms["SD basic auth, URL base64"] = base64.URLEncoding.EncodeToString([]byte(auth))
	forms["SD credentials in a URL"] = url.UserPassword(e2eSDUser, e2eSDPassword).String()
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, r := range b.requests {
		if r.dc != nil {
			forms[fmt.Sprintf("interaction token %d", i)] = r.dc.Token
		}
	}
	return forms
}

// checkJobLines checks that the log has one "job ended" line per request,
// each naming the user, platform, size, steps, wait, run time and outcome.
func checkJobLines(t *testing.T, b *e2eBot) {
	t.Helper()
	lines := b.jobsEnded()
	want := map[string]int{}
	b.mu.Lock()
	for _, r := range b.requests {
		if r.dc != nil {
			want["dc:"+r.dc.UserID]++
		} else {
			want[fmt.Sprint("tg:", r.tg.user.ID)]++
		}
	}
	b.mu.Unlock()
	if len(lines) != len(want) {
		t.Errorf("%d \"job ended\" lines for %d jobs", len(lines), len(want))
	}
	outcomes := map[string]int{}
	for _, l := range lines {
		user, _ := l["user"].(string)
		if want[user] != 1 {
			t.Errorf("a \"job ended\" line names user %q, want one of the requesters, once each: %v", user, l)
		}
		want[user]--
		platform, _ := l["platform"].(string)
		if !strings.HasPrefix(user, platform+":") {
			t.Errorf("job of %s ended on platform %q", user, platform)
		}
		if l["size"] != "64x64" || l["steps"] != 8.0 {
			t.Errorf("job of %s: size %v, steps %v; want 64x64 and 8", user, l["size"], l["steps"])
		}
		for _, k := range []string{"wait", "run"} {
			if v, ok := l[k].(float64); !ok || v < 0 {
				t.Errorf("job of %s: %s = %v, want a duration", user, k, l[k])
			}
		}
		outcome, _ := l["outcome"].(string)
		outcomes[outcome]++
	}
	if outcomes["done"] != 3 || outcomes["failed"] != 2 || len(outcomes) != 2 {
		t.Errorf("outcomes %v, want 3 done and 2 failed", outcomes)
	}
}
