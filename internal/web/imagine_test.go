package web

import (
	"bytes"
	"context"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/imaginebot/imaginebot/internal/imagine/imaginetest"
)

// manual is a backend whose steps wait for Advance.
var manual = imaginetest.Options{Manual: true}

func TestPageHasTheForm(t *testing.T) {
	h := newHarness(t, options{})
	r := h.browser().page("/")
	if r.status != http.StatusOK {
		t.Fatalf("GET /: %d", r.status)
	}
	for _, want := range []string{`<form id="imagine" method="post" action="/imagine">`, `<textarea id="prompt" name="prompt"`, `<button type="submit">Generate</button>`,
		`<script src="/static/app.js" defer></script>`, `name="csrf" value="`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if strings.Contains(r.body, "!(") {
		t.Errorf("the page names a text that does not exist: %s", r.body)
	}
}

func TestSubmitShowsPreviewsThenTheImage(t *testing.T) {
	h := newHarness(t, options{backend: manual})
	b := h.browser()
	b.page("/")
	ev := b.events()
	first := b.imagine(url.Values{"prompt": {"a lighthouse at dusk"}, "steps": {"4"}})
	// The worker may have taken the job already.
	if !(first.State == "queued" && strings.Contains(first.Line, "Queued") || first.State == "running" && first.Line == "Starting…") || first.Prompt != "a lighthouse at dusk" {
		t.Errorf("first view = %+v; want the job queued with its place, or starting", first)
	}
	previews := map[string]bool{}
	for step := 1; step <= 4; step++ {
		h.be.Advance(1)
		v := ev.waitJob(first.ID, "a preview", func(v jobView) bool { return v.Preview != "" && !previews[v.Preview] || isDone(v) })
		if isDone(v) {
			break
		}
		previews[v.Preview] = true
		r := b.get(v.Preview)
		if r.status != http.StatusOK || r.header.Get("Content-Type") != "image/png" {
			t.Fatalf("GET %s: %d %s", v.Preview, r.status, r.header.Get("Content-Type"))
		}
	}
	if len(previews) < 2 {
		t.Errorf("saw %d previews; want the <img> to change as steps progress", len(previews))
	}
	done := ev.waitJob(first.ID, "the result", isDone)
	if len(done.Images) != 1 || done.Images[0].Width != 64 || !strings.Contains(done.Caption, "Seed") {
		t.Fatalf("done = %+v", done)
	}
	r := b.get(done.Images[0].URL)
	cfg, err := png.DecodeConfig(bytes.NewReader([]byte(r.body)))
	if r.status != http.StatusOK || err != nil || cfg.Width != 64 || cfg.Height != 64 {
		t.Fatalf("GET %s: %d, %v, %dx%d; want a 64x64 PNG", done.Images[0].URL, r.status, err, cfg.Width, cfg.Height)
	}
	// Another browser sees neither the preview nor the image.
	other := h.browser()
	other.page("/")
	if r := other.get(done.Images[0].URL); r.status != http.StatusNotFound {
		t.Errorf("another browser got the image: %d", r.status)
	}
}

func TestPlainFormPostRedirects(t *testing.T) {
	h := newHarness(t, options{})
	b := h.browser()
	b.page("/")
	r := b.post("/imagine", url.Values{"prompt": {"a red fox"}}, false)
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/#job-") {
		t.Fatalf("plain POST: %d %v; want a redirect to the job", r.status, r.header)
	}
	poll(t, "the job done", func() bool { return strings.Contains(b.page("/").body, "/image/0.png") })
	// The same form sent again makes no second job.
	page := b.page("/")
	nonce := regexpNonce.FindStringSubmatch(page.body)[1]
	for range 2 {
		if r := b.post("/imagine", url.Values{"prompt": {"a blue fox"}, "nonce": {nonce}}, false); r.status != http.StatusSeeOther {
			t.Fatalf("POST: %d %s", r.status, r.body)
		}
	}
	poll(t, "two jobs in all", func() bool { return len(h.be.Jobs()) == 2 })
	if n := strings.Count(b.page("/").body, `class="job"`); n != 3 { // and the template's
		t.Errorf("the page shows %d job cards; want 2 and the template", n-1)
	}
}

func TestRefusalsNextToTheForm(t *testing.T) {
	h := newHarness(t, options{backend: manual, svc: imagineConfig(1)})
	b := h.browser()
	b.page("/")
	running := b.imagine(url.Values{"prompt": {"holds the only place"}})
	tests := []struct {
		name   string
		form   url.Values
		status int
		want   string
	}{
		{"empty prompt", url.Values{"prompt": {"  "}}, 422, "Please describe the image you want"},
		{"long prompt", url.Values{"prompt": {strings.Repeat("x", 301)}}, 422, "301 characters long; the limit is 300"},
		{"bad steps", url.Values{"prompt": {"x"}, "steps": {"many"}}, 422, `--steps needs a whole number, got "many"`},
		{"too many steps", url.Values{"prompt": {"x"}, "steps": {"500"}}, 422, "--steps must be between"},
		{"bad seed", url.Values{"prompt": {"x"}, "seed": {"1e9"}}, 422, `--seed needs a whole number`},
		{"bad shape", url.Values{"prompt": {"x"}, "shape": {"wide"}}, 422, "--ar needs a ratio"},
		{"bad size", url.Values{"prompt": {"x"}, "shape": {"100xbig"}}, 422, "--size needs WIDTHxHEIGHT"},
		{"unknown style", url.Values{"prompt": {"x"}, "style": {"cubist"}}, 422, `no style called "cubist"`},
		{"bad inline option", url.Values{"prompt": {"x --bogus 1"}}, 422, "Unknown option --bogus"},
		{"per-user limit", url.Values{"prompt": {"one more"}}, 429, "You already have 1 requests queued or running"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := b.post("/imagine", tt.form, true)
			if r.status != tt.status || !strings.Contains(r.body, `"error":`) || !strings.Contains(r.body, jsonEscape(tt.want)) {
				t.Errorf("POST: %d %s; want %d with %q", r.status, r.body, tt.status, tt.want)
			}
			// Without script: the page again, the reason next to the form,
			// and what was typed kept.
			r = b.post("/imagine", tt.form, false)
			if r.status != tt.status || !strings.Contains(r.body, `<p id="form-error" class="error" role="alert">`) || !strings.Contains(r.body, htmlEscape(tt.want)) {
				t.Errorf("plain POST: %d; want %d with %q next to the form:\n%s", r.status, tt.status, tt.want, r.body)
			}
		})
	}
	h.be.Advance(100)
	_ = running
}

func TestPromptIsEscaped(t *testing.T) {
	h := newHarness(t, options{})
	b := h.browser()
	b.page("/")
	attack := `<script>alert("x")</script><img src=x onerror=alert(1)>`
	v := b.imagine(url.Values{"prompt": {attack}})
	poll(t, "the job listed", func() bool { return strings.Contains(b.page("/").body, "job-"+v.ID) })
	body := b.page("/").body
	if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") {
		t.Fatalf("the prompt reached the page unescaped:\n%s", body)
	}
	if !strings.Contains(body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
		t.Errorf("the escaped prompt is not on the page:\n%s", body)
	}
	// A refusal that quotes the input is escaped too.
	r := b.post("/imagine", url.Values{"prompt": {"x"}, "steps": {"<b>"}}, false)
	if strings.Contains(r.body, "<b>") || !strings.Contains(r.body, "&lt;b&gt;") {
		t.Errorf("the refusal quotes the input unescaped:\n%s", r.body)
	}
}

func TestBrowsersShareTheFairQueue(t *testing.T) {
	h := newHarness(t, options{backend: manual})
	alice, bob := h.browser(), h.browser()
	alice.page("/")
	bob.page("/")
	tab1, tab2 := alice.events(), alice.events()
	a1 := alice.imagine(url.Values{"prompt": {"alice one"}})
	h.be.WaitFor(context.Background(), func() bool { return len(h.be.Jobs()) == 1 })
	a2 := alice.imagine(url.Values{"prompt": {"alice two"}})
	alice.imagine(url.Values{"prompt": {"alice three"}})
	b1 := bob.imagine(url.Values{"prompt": {"bob one"}})
	if b1.Line != "Queued: you are next." {
		t.Errorf("bob's first view: %q; want him next, before alice's second (fair turns)", b1.Line)
	}
	// Both tabs of alice's browser follow her jobs; bob's never show there.
	for _, tab := range []*events{tab1, tab2} {
		tab.waitJob(a2.ID, "alice's second job in each of her tabs", func(v jobView) bool { return v.State == "queued" })
		for _, v := range tab.all() {
			if v.ID == b1.ID {
				t.Errorf("alice's tab shows bob's job")
			}
		}
	}
	h.be.Advance(1000)
	tab1.waitJob(a1.ID, "alice's first job done", isDone)
	poll(t, "four jobs run", func() bool { return len(h.be.Jobs()) == 4 })
	order := []string{}
	for _, j := range h.be.Jobs() {
		order = append(order, j.Params.UserPrompt)
	}
	if want := "alice one,bob one,alice two,alice three"; strings.Join(order, ",") != want {
		t.Errorf("the jobs ran in the order %v; want %s", order, want)
	}
}

func TestDisconnectLeavesTheJobRunning(t *testing.T) {
	h := newHarness(t, options{backend: manual})
	b := h.browser()
	b.page("/")
	ev := b.events()
	v := b.imagine(url.Values{"prompt": {"a patient fox"}, "steps": {"3"}})
	h.be.Advance(1)
	ev.waitJob(v.ID, "running", func(v jobView) bool { return v.State == "running" })
	ev.close()
	h.be.Advance(10)
	poll(t, "the job done and shown on reload", func() bool { return strings.Contains(b.page("/").body, "/job/"+v.ID+"/image/0.png") })
	// A new stream starts with the browser's jobs.
	again := b.events()
	again.waitJob(v.ID, "the job in a new stream", isDone)
}

func TestChinese(t *testing.T) {
	h := newHarness(t, options{})
	b := h.browser()
	b.lang = "zh-CN,zh;q=0.9,en;q=0.8"
	r := b.page("/")
	if !strings.Contains(r.body, `<html lang="zh">`) || !strings.Contains(r.body, "提示词") || !strings.Contains(r.body, ">生成</button>") || strings.Contains(r.body, "!(") {
		t.Errorf("the page is not in Chinese:\n%s", r.body)
	}
	if r := b.post("/imagine", url.Values{"prompt": {""}}, true); !strings.Contains(r.body, jsonEscape("请描述你想要的图片")) {
		t.Errorf("refusal: %s", r.body)
	}
	v := b.imagine(url.Values{"prompt": {"灯塔"}})
	if !strings.Contains(v.Line, "排队中") && !strings.Contains(v.Line, "开始") && !strings.Contains(v.Line, "步") {
		t.Errorf("first view in Chinese: %q", v.Line)
	}
}

func TestLangOf(t *testing.T) {
	for accept, want := range map[string]lang{
		"": "en", "zh-CN,zh;q=0.9": "zh", "en-US,zh;q=0.5": "en", "de-DE,zh-TW;q=0.7": "zh", "ZH-hans": "zh", "fr": "en", "*": "en",
	} {
		if got := langOf(accept); got != want {
			t.Errorf("langOf(%q) = %q, want %q", accept, got, want)
		}
	}
}

// TestBodyTooLong: a form over the size limit, as a plain form or as the
// script's multipart one, is refused with 413 and a sentence that says
// so, not with a misleading token or prompt refusal.
func TestBodyTooLong(t *testing.T) {
	h := newHarness(t, options{})
	b := h.browser()
	b.page("/")
	long := strings.Repeat("a lighthouse ", 6000) // ~78 KiB
	r := b.post("/imagine", url.Values{"prompt": {long}}, true)
	if r.status != http.StatusRequestEntityTooLarge || r.body != `{"error":"This request is too long (more than 64 KiB). Please shorten the prompt."}` {
		t.Errorf("a long form: %d %s; want 413 saying it is too long", r.status, r.body)
	}
	if r := b.post("/imagine", url.Values{"prompt": {long}}, false); r.status != http.StatusRequestEntityTooLarge || !strings.Contains(r.body, "too long") {
		t.Errorf("a long plain form: %d; want 413 saying it is too long:\n%s", r.status, r.body)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField(csrfField, b.csrf)
	_ = mw.WriteField("prompt", long)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, h.url+"/imagine", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept", "application/json")
	req.Header.Set(csrfHeader, b.csrf)
	if r := b.do(req); r.status != http.StatusRequestEntityTooLarge || !strings.Contains(r.body, "too long") {
		t.Errorf("a long multipart form: %d %s; want 413", r.status, r.body)
	}
	if n := len(h.be.Jobs()); n != 0 {
		t.Errorf("%d jobs from refused forms", n)
	}
	// Just under the limit is read as usual (here: the prompt is too long
	// for the core, which says so).
	r = b.post("/imagine", url.Values{"prompt": {strings.Repeat("a", 40<<10)}}, true)
	if r.status != http.StatusUnprocessableEntity {
		t.Errorf("a 40 KiB prompt: %d %s; want the core's refusal", r.status, r.body)
	}
}
