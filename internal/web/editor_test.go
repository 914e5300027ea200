package web

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// TestStalledStreamHoldsNothingUp publishes many views to a stream that
// is never read: publishing never blocks, and the stream holds only the
// newest view of each job.
func TestStalledStreamHoldsNothingUp(t *testing.T) {
	h := newHub()
	stalled, ok := h.subscribe("u", "ip", streamLimits{perUser: 2, perIP: 10, total: 10})
	if !ok {
		t.Fatal("subscribe refused")
	}
	reader, _ := h.subscribe("u", "ip", streamLimits{perUser: 2, perIP: 10, total: 10})
	if _, ok := h.subscribe("u", "ip", streamLimits{perUser: 2, perIP: 10, total: 10}); ok {
		t.Errorf("a third stream of one browser was allowed (max 2)")
	}
	jobs := []*liveJob{h.add(1, "u", "", jobView{id: 1}), h.add(2, "u", "", jobView{id: 2})}
	for i := range 10000 {
		j := jobs[i%2]
		h.publish(j, jobView{id: j.id, Progress: float64(i)}, imagine.Status{State: imagine.Running})
		if i%1000 == 0 {
			reader.take()
		}
	}
	got := stalled.take()
	if len(got) != 2 || got[0].Progress != 9998 || got[1].Progress != 9999 {
		t.Errorf("the stalled stream holds %+v; want the newest view of each of the 2 jobs", got)
	}
	h.unsubscribe("u", "ip", stalled)
	h.unsubscribe("u", "ip", reader)
	if h.streams != 0 {
		t.Errorf("streams = %d after unsubscribing", h.streams)
	}
}

func TestHubKeepsFinishedJobsBounded(t *testing.T) {
	h := newHub()
	for i := range maxFinished + 10 {
		j := h.add(imagine.JobID(i+1), "u", "", jobView{})
		h.publish(j, jobView{id: j.id}, imagine.Status{State: imagine.Done})
	}
	if len(h.jobs) != maxFinished || len(h.finished) != maxFinished {
		t.Errorf("the hub holds %d jobs, %d finished; want %d", len(h.jobs), len(h.finished), maxFinished)
	}
	if got := len(h.views("u")); got != min(maxUserJobs, maxFinished) {
		t.Errorf("views = %d", got)
	}
}

func TestTexts(t *testing.T) {
	if err := catalog.CheckAll(texts); err != nil {
		t.Error(err)
	}
	if got := lang("en").T("NoSuchText"); got != "!(NoSuchText)" {
		t.Errorf("unknown text = %q", got)
	}
}

// TestImports keeps the web front end apart from the chat adapters.
func TestImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skip("go list:", err)
	}
	for _, d := range strings.Fields(string(out)) {
		if strings.HasSuffix(d, "/internal/telegram") || strings.HasSuffix(d, "/internal/discord") {
			t.Errorf("internal/web depends on %s", d)
		}
	}
}
