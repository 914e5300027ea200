package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDemo runs bot demo as a newcomer would, and drives the playground
// as the outside checks do (without a browser; internal/web has those):
// the page has the prompt form, a submitted prompt shows its place, then
// previews, then the 512×512 image; Ctrl-C stops it.
func TestDemo(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	stdout := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"demo", "-addr", "127.0.0.1:0"}, func(string) string { return "" }, stdout, io.Discard)
	}()
	var base string
	urlRE := regexp.MustCompile(`open (http://127\.0\.0\.1:\d+/) in your browser`)
	for deadline := time.Now().Add(15 * time.Second); base == ""; time.Sleep(10 * time.Millisecond) {
		if m := urlRE.FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo printed no URL: %q", stdout.String())
		}
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	page := get(t, c, base)
	m := regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`).FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, `name="prompt"`) || !strings.Contains(page, `<button type="submit">`) {
		t.Fatalf("the page lacks the form:\n%s", page)
	}
	events, err := c.Get(base + "events")
	if err != nil {
		t.Fatal(err)
	}
	defer events.Body.Close()
	first := demoSubmit(t, c, base, m[1], "a lighthouse at dusk")
	previews := map[string]bool{}
	var final string
	sc := bufio.NewScanner(events.Body)
	sc.Buffer(nil, 1<<20)
	for final == "" && sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var v struct {
			ID, State, Preview string
			Images             []struct{ URL string }
		}
		if err := json.Unmarshal([]byte(data), &v); err != nil || v.ID != first.ID {
			continue
		}
		if v.Preview != "" {
			previews[v.Preview] = true
		}
		if v.State == "failed" {
			t.Fatalf("the job failed: %s", data)
		}
		if v.State == "done" && len(v.Images) > 0 {
			final = v.Images[0].URL
		}
	}
	if len(previews) < 2 {
		t.Errorf("saw %d previews; want the image to sharpen step by step", len(previews))
	}
	img := get(t, c, strings.TrimSuffix(base, "/")+final)
	cfg, err := png.DecodeConfig(bytes.NewReader([]byte(img)))
	if err != nil || cfg.Width != 512 || cfg.Height != 512 {
		t.Errorf("the final image: %v, %dx%d; want a 512x512 PNG", err, cfg.Width, cfg.Height)
	}
	// Several tabs of one browser are one user: more requests than the
	// usual per-user cap of 3 are all taken.
	for i := range 5 {
		demoSubmit(t, c, base, m[1], fmt.Sprintf("tab %d", i+2))
	}
	// Many browsers on one machine (as a checker opening fresh browser
	// contexts) each get a session: no per-address bound in the demo.
	for i := range 25 {
		jar, _ := cookiejar.New(nil)
		if p := get(t, &http.Client{Jar: jar, Timeout: 30 * time.Second}, base); !strings.Contains(p, `name="prompt"`) {
			t.Fatalf("browser %d: no form", i+2)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("demo: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("demo did not stop")
	}
}

// demoSubmit posts prompt to the playground as its script does and returns
// the job's first view; anything but 201 Created fails the test.
func demoSubmit(t *testing.T, c *http.Client, base, csrf, prompt string) struct{ ID, State, Line string } {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"imagine", strings.NewReader(url.Values{"prompt": {prompt}, "csrf": {csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct{ ID, State, Line string }
	json.NewDecoder(resp.Body).Decode(&v)
	if resp.StatusCode != http.StatusCreated || v.Line == "" {
		t.Fatalf("POST /imagine %q: %d %+v", prompt, resp.StatusCode, v)
	}
	return v
}

func get(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", u, resp.StatusCode, body)
	}
	return string(body)
}
