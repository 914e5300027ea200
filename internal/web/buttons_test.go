package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/imaginebot/imaginebot/internal/imagine"
	sqlstore "github.com/imaginebot/imaginebot/internal/store"
)

// press posts an action of a view as the page's script does.
func (b *browser) press(v jobView, kind string) response {
	b.t.Helper()
	for _, a := range v.Actions {
		if a.Kind == kind && !a.Download {
			return b.post(a.URL, nil, true)
		}
	}
	if kind == actRetry {
		// Try again is under failures; the action works on any job.
		return b.post("/job/"+v.ID+"/"+kind, nil, true)
	}
	b.t.Fatalf("job %s has no %s button: %+v", v.ID, kind, v.Actions)
	return response{}
}

func decodeView(t *testing.T, r response) jobView {
	t.Helper()
	var v jobView
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		t.Fatalf("%v in %d %s", err, r.status, r.body)
	}
	return v
}

func TestButtons(t *testing.T) {
	h := newHarness(t, options{})
	b := h.browser()
	b.page("/")
	ev := b.events()
	first := b.imagine(url.Values{"prompt": {"two foxes"}, "count": {"2"}, "seed": {"42"}})
	done := ev.waitJob(first.ID, "the result", isDone)
	kinds := map[string]int{}
	for _, a := range done.Actions {
		kinds[a.Kind]++
	}
	if kinds["reroll"] != 1 || kinds["png"] != 2 || kinds["upscale"] != 2 || kinds["vary"] != 2 || kinds["cancel"] != 0 {
		t.Fatalf("buttons under a result of 2 images: %v", kinds)
	}
	// Download: the original, as a file to save.
	for _, a := range done.Actions {
		if a.Kind == "png" {
			r := b.get(a.URL)
			if r.status != 200 || r.header.Get("Content-Type") != "image/png" || !strings.HasPrefix(r.header.Get("Content-Disposition"), `attachment; filename="imagine-`) {
				t.Errorf("GET %s: %d %v", a.URL, r.status, r.header)
			}
			break
		}
	}
	id, _ := imagine.ParseJobID(done.ID)
	rec, err := h.svc.Record(id)
	if err != nil || len(rec.Seeds) != 2 {
		t.Fatalf("record: %+v, %v", rec, err)
	}
	tests := []struct {
		kind  string
		check func(p imagine.Params) bool
	}{
		{"reroll", func(p imagine.Params) bool { return p.UserPrompt == "two foxes" && p.BatchSize == 2 && p.Seed != 42 }},
		{"retry", func(p imagine.Params) bool { return p.Seed == 42 && p.BatchSize == 2 }},
		{"vary", func(p imagine.Params) bool { return p.Kind == imagine.KindVary && p.Seed == rec.Seeds[0] }},
		{"upscale", func(p imagine.Params) bool { return p.Kind == imagine.KindUpscale && p.BatchSize == 1 }},
	}
	for _, tt := range tests {
		r := b.press(done, tt.kind)
		if r.status != http.StatusCreated {
			t.Errorf("%s: %d %s", tt.kind, r.status, r.body)
			continue
		}
		v := ev.waitJob(decodeView(t, r).ID, tt.kind+" done", isDone)
		jobs := h.be.Jobs()
		if p := jobs[len(jobs)-1].Params; !tt.check(p) {
			t.Errorf("%s ran %+v", tt.kind, p)
		}
		if tt.kind == "upscale" {
			for _, a := range v.Actions {
				if a.Kind != "png" {
					t.Errorf("an upscale's result offers %s; it cannot run again without its image", a.Kind)
				}
			}
			if r := b.press(done, "vary"); r.status != http.StatusCreated {
				t.Errorf("vary after upscale: %d", r.status)
			}
		}
	}
	// Another browser can press nothing of this one's.
	other := h.browser()
	other.page("/")
	for _, kind := range []string{"reroll", "retry", "vary", "upscale"} {
		if r := other.press(done, kind); r.status != http.StatusNotFound {
			t.Errorf("another browser's %s: %d %s", kind, r.status, r.body)
		}
	}
	if r := other.post("/job/"+first.ID+"/cancel", nil, true); r.status != http.StatusNotFound {
		t.Errorf("another browser's cancel: %d", r.status)
	}
	if r := b.post("/job/"+first.ID+"/explode", nil, true); r.status != http.StatusNotFound {
		t.Errorf("an unknown action: %d", r.status)
	}
	if r := b.post("/job/"+first.ID+"/vary?i=9", nil, true); r.status != http.StatusNotFound {
		t.Errorf("vary of an image the result does not have: %d", r.status)
	}
}

func TestCancel(t *testing.T) {
	h := newHarness(t, options{backend: manual})
	b := h.browser()
	b.page("/")
	ev := b.events()
	running := b.imagine(url.Values{"prompt": {"running"}})
	waiting := b.imagine(url.Values{"prompt": {"waiting"}})
	for _, v := range []jobView{waiting, running} {
		r := b.press(v, "cancel")
		if r.status != http.StatusOK {
			t.Fatalf("cancel %s: %d %s", v.Prompt, r.status, r.body)
		}
		c := ev.waitJob(v.ID, "cancelled", func(v jobView) bool { return v.State == "cancelled" })
		if c.Line != "Cancelled." || len(c.Actions) != 1 || c.Actions[0].Kind != "retry" {
			t.Errorf("cancelled view: %+v", c)
		}
	}
	if r := b.press(running, "cancel"); r.status != http.StatusNotFound || !strings.Contains(r.body, "already finished") {
		t.Errorf("cancel twice: %d %s", r.status, r.body)
	}
}

// TestResumeAfterRestart stops the bot while a browser's job waits and
// another runs, on the SQLite store: after the restart a reload (or the
// stream reconnecting) shows both, and they end in images.
func TestResumeAfterRestart(t *testing.T) {
	db, err := sqlstore.Open(t.Context(), t.TempDir()+"/bot.db", sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	h := newHarness(t, options{backend: manual, svc: imagine.Config{Store: db}})
	b := h.browser()
	b.page("/")
	running := b.imagine(url.Values{"prompt": {"a slow lighthouse"}})
	waiting := b.imagine(url.Values{"prompt": {"a patient fox"}})
	h.be.Advance(1)
	h.restart()
	page := b.page("/")
	for _, v := range []jobView{running, waiting} {
		if !strings.Contains(page.body, `id="job-`+v.ID+`"`) {
			t.Errorf("after the restart the page lacks job %s", v.Prompt)
		}
	}
	if !strings.Contains(page.body, "The bot restarted") {
		t.Errorf("the page does not say the bot restarted:\n%s", page.body)
	}
	ev := b.events()
	h.be.Advance(1000)
	for _, v := range []jobView{running, waiting} {
		d := ev.waitJob(v.ID, v.Prompt+" done after the restart", isDone)
		if r := b.get(d.Images[0].URL); r.status != http.StatusOK {
			t.Errorf("image after the restart: %d", r.status)
		}
	}
	// And after another restart the results are history on the page.
	h.restart()
	if page := b.page("/"); !strings.Contains(page.body, "/job/"+running.ID+"/image/0.png") {
		t.Errorf("the finished job is not on the page after a restart")
	}
}
