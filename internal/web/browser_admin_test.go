package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

// waitJS waits until the script js is true in the tab.
func waitJS(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	deadline := time.Now().Add(browserTimeout)
	for !eval[bool](t, ctx, js) {
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: timed out; the page says %q", what, eval[string](t, ctx, `document.getElementById('dash-error') ? document.getElementById('dash-error').textContent : ''`))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestBrowserDashboard signs an admin in, in headless Chromium, and drives
// the dashboard: the live queue shows a job running with its preview and
// the jobs waiting, the model is switched, the running job is cancelled,
// a user is blocked from their queue row (and their next request is
// refused) and unblocked from the block list. Screenshots of the dashboard,
// also at a phone's width, are kept as artifacts.
func TestBrowserDashboard(t *testing.T) {
	ctx := newChromium(t)
	h := newHarness(t, options{backend: manual, cfg: Config{DashboardRefresh: 200 * time.Millisecond}})
	// A finished job for the gallery, from a chat user.
	tg := imagine.Requester{Platform: imagine.Telegram, UserID: "42", Name: "Ada"}
	first, err := h.svc.Submit(imagine.Request{Prompt: "a lighthouse at dusk, oil painting", Requester: tg, Steps: 2})
	if err != nil {
		t.Fatal(err)
	}
	h.be.Advance(2)
	waitStatus(t, first.Watch, imagine.Done)

	within(t, ctx, "sign in",
		chromedp.Navigate(h.url+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#password")),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
		chromedp.Click(chromedp.CSS(`#login button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#dash")),
	)

	// A web user's job runs (with a preview), theirs and a chat user's wait.
	user := h.browser()
	user.page("/")
	ev := user.events()
	running := user.imagine(url.Values{"prompt": {"a fox in the snow <b>bold</b>"}, "steps": {"8"}})
	h.be.Advance(2)
	ev.waitJob(running.ID, "a preview", func(v jobView) bool { return v.Preview != "" })
	waiting := user.imagine(url.Values{"prompt": {"a second fox"}})
	if _, err := h.svc.Submit(imagine.Request{Prompt: "a cat on a windowsill", Requester: tg}); err != nil {
		t.Fatal(err)
	}
	row := `#running li[data-job="` + running.ID + `"]`
	waitJS(t, ctx, "the running job and its preview, live", `(() => { const i = document.querySelector('`+row+` img.thumb'); return !!i && i.complete && i.naturalWidth > 0; })()`)
	waitJS(t, ctx, "the waiting jobs, live", `document.querySelectorAll('#waiting li').length === 2`)
	if got := eval[string](t, ctx, `document.querySelector('`+row+` .prompt').textContent`); got != "a fox in the snow <b>bold</b>" {
		t.Errorf("the running job's prompt shows as %q", got)
	}
	waitJS(t, ctx, "the gallery", `document.querySelectorAll('#dash-gallery .shot img').length === 1 && document.querySelector('#dash-gallery .shot img').naturalWidth > 0`)
	if n := eval[int](t, ctx, `document.querySelectorAll('#dash-charts svg polyline').length`); n != 3 {
		t.Errorf("%d charts drawn; want 3", n)
	}
	if eval[string](t, ctx, `document.getElementById('dash').dataset.updates || ''`) == "" {
		t.Errorf("the page got no live update")
	}
	screenshot(t, ctx, "dashboard")

	// Cancel the running job: its user sees it cancelled.
	within(t, ctx, "cancel the running job", chromedp.Click(chromedp.CSS(row+` button[data-kind="cancel"]`)))
	ev.waitJob(running.ID, "the user sees the cancel", func(v jobView) bool { return v.State == "cancelled" })
	waitJS(t, ctx, "the cancel's outcome", `document.getElementById('dash-notice').textContent === 'Job `+running.ID+` is cancelled.'`)

	// Block the web user from their waiting job's row.
	key := "web:" + userIDOfBrowser(t, user)
	within(t, ctx, "block the user",
		chromedp.Click(chromedp.CSS(`#waiting li[data-job="`+waiting.ID+`"] button[data-kind="block"]`)),
	)
	waitJS(t, ctx, "the block listed", `!!document.querySelector('#dash-blocks li[data-user="`+key+`"]')`)
	ev.waitJob(waiting.ID, "the blocked user's job ended", func(v jobView) bool { return v.State == "failed" })
	if r := user.post("/imagine", url.Values{"prompt": {"let me in"}}, true); r.status != http.StatusForbidden || !strings.Contains(r.body, "can't use this bot") {
		t.Errorf("the blocked user's request: %d %s", r.status, r.body)
	}
	screenshot(t, ctx, "dashboard-after-actions")

	// Switch the model: the switch waits for the running job (the chat
	// user's, which started after the cancel) to finish.
	within(t, ctx, "switch the model",
		chromedp.SetValue(chromedp.CSS("#model"), "anime-v3.safetensors [a1b2c3d4e5]"),
		chromedp.Click(chromedp.CSS(`#switch-model button[type="submit"]`)),
	)
	waitJS(t, ctx, "the switch pending", `document.getElementById('dash-notice').textContent === 'Working…'`)
	h.be.Advance(100)
	waitJS(t, ctx, "the switch's outcome", `document.getElementById('dash-notice').textContent.indexOf('Switched to anime-v3') === 0`)
	if sw := h.be.Switches(); len(sw) != 1 || !strings.HasPrefix(sw[0], "anime-v3") {
		t.Errorf("the backend's switches: %v", sw)
	}
	waitJS(t, ctx, "the new default model shown", `document.getElementById('dash-backends').textContent.indexOf('Default model: anime-v3') >= 0`)

	// Unblock from the list.
	within(t, ctx, "unblock the user",
		chromedp.Click(chromedp.CSS(`#dash-blocks li[data-user="`+key+`"] button[data-kind="unblock"]`)),
	)
	waitJS(t, ctx, "the block gone", `!document.querySelector('#dash-blocks li[data-user="`+key+`"]')`)
	user.imagine(url.Values{"prompt": {"back again"}})

	// At a phone's width the dashboard is one column, without sideways
	// scrolling.
	within(t, ctx, "a phone's width", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	waitJS(t, ctx, "the layout", `document.documentElement.scrollWidth <= 390`)
	if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("the dashboard is %dpx wide on a 390px phone", w)
	}
	screenshot(t, ctx, "dashboard-phone")
	t.Logf("the dashboard took %s live updates", eval[string](t, ctx, `document.getElementById('dash').dataset.updates`))
}
