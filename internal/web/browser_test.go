package web

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/imaginebot/imaginebot/internal/imagine/imaginetest"
)

// The browser tests drive the playground in a real headless Chromium
// (Debian's chromium package; .ci/run installs it). Without one they skip.
// Screenshots of each page go to the test's artifact directory: run with
// -artifacts -outputdir DIR to keep them.

// browserTimeout bounds each browser test.
const browserTimeout = 90 * time.Second

// chromiumPath finds Chromium: $IMAGINEBOT_CHROMIUM, or the usual names.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("IMAGINEBOT_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium found (install Debian's chromium package, or set IMAGINEBOT_CHROMIUM): skipping the browser test")
	return ""
}

// newChromium starts a headless Chromium with a fresh profile and no
// network of its own (no QUIC, updates, sync or background requests: the
// internet is closed to the tests), and returns a tab's context.
func newChromium(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1000, 1000),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		cancelAlloc()
		t.Fatalf("starting Chromium: %v", err)
	}
	t.Cleanup(func() { cancel(); cancelAlloc() })
	return ctx
}

// within runs actions with the test's time bound.
func within(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, browserTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// screenshot saves the tab's page as name.png in the artifact directory.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	p := filepath.Join(t.ArtifactDir(), name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
}

// firstImg is the script that reads the first job's <img>: its src,
// whether it has loaded, and its natural width.
const firstImg = `(() => { const i = document.querySelector('#jobs .job img'); return i ? [i.getAttribute('src') || '', String(i.complete && i.naturalWidth)] : ['', '0']; })()`

// watchImage records the distinct srcs of the first job's <img> until it
// shows the loaded result, and returns them with its natural width.
func watchImage(t *testing.T, ctx context.Context) (srcs []string, width int) {
	t.Helper()
	deadline := time.Now().Add(browserTimeout)
	for {
		v := eval[[]string](t, ctx, firstImg)
		if v[0] != "" && (len(srcs) == 0 || srcs[len(srcs)-1] != v[0]) {
			srcs = append(srcs, v[0])
		}
		if strings.Contains(v[0], "/image/0.png") && v[1] != "0" && v[1] != "false" {
			w, _ := strconv.Atoi(v[1])
			return srcs, w
		}
		if time.Now().After(deadline) {
			t.Fatalf("the result never showed; srcs so far %v", srcs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// submit types a prompt, picks 512x512 and sends the form.
func submit(t *testing.T, ctx context.Context, base, prompt string) {
	t.Helper()
	within(t, ctx, "submit a prompt",
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS("#prompt")),
		chromedp.SetValue(chromedp.CSS("#prompt"), prompt),
		chromedp.SetValue(chromedp.CSS(`select[name="shape"]`), "512x512"),
		chromedp.SetValue(chromedp.CSS(`input[name="steps"]`), "12"),
		chromedp.Click(chromedp.CSS(`#imagine button[type="submit"]`)),
	)
}

func TestBrowserPlayground(t *testing.T) {
	ctx := newChromium(t)
	h := newHarness(t, options{backend: imaginetest.Options{StepDelay: 40 * time.Millisecond}})
	within(t, ctx, "open the playground", chromedp.Navigate(h.url+"/"), chromedp.WaitVisible(chromedp.CSS("#prompt")))
	screenshot(t, ctx, "playground")
	submit(t, ctx, h.url, "a lighthouse at dusk")
	srcs, width := watchImage(t, ctx)
	previews := 0
	for _, s := range srcs {
		if strings.Contains(s, "/preview?v=") {
			previews++
		}
	}
	if previews < 2 || width != 512 {
		t.Errorf("the <img> showed %v, then a result %dpx wide; want several previews, then 512px", srcs, width)
	}
	t.Logf("the <img> showed %d previews, then the result", previews)
	if ms := eval[string](t, ctx, `document.body.dataset.submitToShownMs || ''`); ms != "" {
		t.Logf("figure: from submit to the place in the queue shown: %s ms", ms)
	} else {
		t.Errorf("the page did not note when it showed the job")
	}
	if line := eval[string](t, ctx, `document.querySelector('#jobs .job .caption').textContent`); !strings.Contains(line, "Seed") || !strings.Contains(line, "512x512") {
		t.Errorf("caption %q; want the seed and the size", line)
	}
	screenshot(t, ctx, "playground-result")

	// A refusal shows next to the form.
	within(t, ctx, "submit an empty prompt",
		chromedp.SetValue(chromedp.CSS("#prompt"), "   "),
		chromedp.Click(chromedp.CSS(`#imagine button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#form-error")),
	)
	deadline := time.Now().Add(browserTimeout)
	for eval[string](t, ctx, `document.getElementById('form-error').textContent`) == "" {
		if time.Now().After(deadline) {
			t.Fatal("no refusal next to the form")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := eval[string](t, ctx, `document.getElementById('form-error').textContent`); !strings.Contains(got, "Please describe the image") {
		t.Errorf("refusal next to the form: %q", got)
	}
	screenshot(t, ctx, "playground-refusal")
}

func TestBrowserTwoUsers(t *testing.T) {
	// Two browsers (two profiles) are two users.
	ctx, ctx2 := newChromium(t), newChromium(t)
	h := newHarness(t, options{backend: imaginetest.Options{StepDelay: 25 * time.Millisecond}})
	submit(t, ctx, h.url, "alice's lighthouse")
	submit(t, ctx2, h.url, "bob's fox")
	if _, w := watchImage(t, ctx); w != 512 {
		t.Errorf("alice's result is %dpx wide", w)
	}
	if _, w := watchImage(t, ctx2); w != 512 {
		t.Errorf("bob's result is %dpx wide", w)
	}
	if n := len(h.be.Jobs()); n != 2 || h.be.MaxConcurrent() != 1 {
		t.Errorf("%d jobs, %d at once on one backend; want 2 taking turns", n, h.be.MaxConcurrent())
	}
	for _, c := range []context.Context{ctx, ctx2} {
		if n := eval[int](t, c, `document.querySelectorAll('#jobs .job').length`); n != 1 {
			t.Errorf("a browser shows %d jobs; want only its own", n)
		}
	}
	screenshot(t, ctx2, "playground-second-user")
}

func TestBrowserLogin(t *testing.T) {
	ctx := newChromium(t)
	h := newHarness(t, options{})
	within(t, ctx, "a wrong password",
		chromedp.Navigate(h.url+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#password")),
		chromedp.SendKeys(chromedp.CSS("#password"), "wrong"),
		chromedp.Click(chromedp.CSS(`#login button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".error")),
	)
	if got := eval[string](t, ctx, `document.querySelector('.error').textContent`); got != "Sign-in failed." {
		t.Errorf("after a wrong password: %q", got)
	}
	screenshot(t, ctx, "login-failed")
	within(t, ctx, "sign in",
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
		chromedp.Click(chromedp.CSS(`#login button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#signed-in")),
	)
	screenshot(t, ctx, "admin")
	// The cookies are out of the script's reach.
	if c := eval[string](t, ctx, `document.cookie`); c != "" {
		t.Errorf("document.cookie = %q; want the cookies HttpOnly", c)
	}
}

// TestBrowserStreamReconnects: a page whose live-update stream was
// refused (too many from its address) opens a new one once there is room
// (the browser does not retry a refused EventSource by itself).
func TestBrowserStreamReconnects(t *testing.T) {
	ctx := newChromium(t)
	h := newHarness(t, options{cfg: Config{MaxStreamsPerAddress: 1}})
	c := clientFrom(t, "127.0.0.1")
	hog := openStream(t, c, h.url)
	if hog.StatusCode != http.StatusOK {
		t.Fatalf("the first stream: %d", hog.StatusCode)
	}
	within(t, ctx, "open the playground", chromedp.Navigate(h.url+"/"), chromedp.WaitVisible(chromedp.CSS("#connection")))
	hog.Body.Close() // room again: the page's next try gets it
	poll(t, "the page reopening its stream", func() bool {
		h.a.hub.mu.Lock()
		defer h.a.hub.mu.Unlock()
		return h.a.hub.byIP["127.0.0.1"] == 1 && h.a.hub.streams == 1
	})
	poll(t, "the page hiding its connection notice", func() bool {
		return eval[bool](t, ctx, `document.getElementById('connection').hidden`)
	})
}
