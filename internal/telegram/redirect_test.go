package telegram

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/imaginebot/imaginebot/internal/telegram/telegramtest"
)

// TestDownloadClientRedirects: the file route's client follows a redirect
// on api_url's host without a Referer (which would hold the token), and
// refuses one to any other host before asking it anything.
func TestDownloadClientRedirects(t *testing.T) {
	var away atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { away.Add(1) }))
	defer other.Close()
	var referer atomic.Value
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/file/botTOKEN/here":
			http.Redirect(w, r, "/file/botTOKEN/end", http.StatusFound)
		case "/file/botTOKEN/away":
			http.Redirect(w, r, other.URL+"/steal", http.StatusFound)
		case "/file/botTOKEN/end":
			referer.Store(r.Referer())
			_, _ = w.Write([]byte("picture"))
		}
	}))
	defer api.Close()
	c := downloadClient(api.URL, api.Client())

	resp, err := c.Get(api.URL + "/file/botTOKEN/here")
	if err != nil {
		t.Fatalf("a redirect on api_url's host: %v, want it followed", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("a redirect on api_url's host: HTTP %d, want 200", resp.StatusCode)
	}
	if ref, _ := referer.Load().(string); ref != "" {
		t.Errorf("the redirected request has Referer %q, want none", ref)
	}

	resp, err = c.Get(api.URL + "/file/botTOKEN/away")
	if err == nil {
		resp.Body.Close()
		t.Fatal("a redirect to another host was followed")
	}
	if !strings.Contains(err.Error(), "redirected to another host") {
		t.Errorf("error %q, want it to say the redirect went to another host", err)
	}
	if n := away.Load(); n != 0 {
		t.Errorf("the other host got %d requests, want none", n)
	}
}

// TestImg2ImgRedirectElsewhere: a file route that redirects to another
// host gets a friendly line in the chat; the other host is never asked.
func TestImg2ImgRedirectElsewhere(t *testing.T) {
	var away atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { away.Add(1) }))
	defer other.Close()
	h := newHarness(t, options{})
	h.tg.FailDownloads(telegramtest.DownloadFault{Redirect: other.URL + "/collect"})
	cmd := h.tg.SendMessage(dm, alice, "/imagine a cat", telegramtest.WithDocument("a.png", picturePNG(t, 8, 8, 0)))
	const want = "I could not fetch your picture from Telegram; please try again in a moment."
	if m := h.waitReply(dm.ID, cmd.ID, "could not fetch"); text(m) != want {
		t.Errorf("reply %q, want %q", text(m), want)
	}
	if n := away.Load(); n != 0 {
		t.Errorf("the other host got %d requests, want none", n)
	}
	if ds := h.tg.Downloads(); len(ds) != 1 || ds[0].Status != http.StatusFound {
		t.Errorf("downloads %+v, want the one redirected", ds)
	}
}
