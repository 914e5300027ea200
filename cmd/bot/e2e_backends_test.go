package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/comfysim"
	"github.com/imaginebot/imaginebot/internal/sdsim"
)

// txt2imgStarted reports whether sim has a txt2img that took the job lock.
func txt2imgStarted(sim *sdsim.Sim) bool {
	return slices.ContainsFunc(sim.Records(), func(r sdsim.Record) bool {
		return r.Path == txt2imgPath && !r.JobStart.IsZero()
	})
}

// TestBackendDiesMidJob runs the bot on two simulated SD servers and
// crashes the one running a job: the job moves at once to the other and
// its image is delivered; the dead server is reported down (metrics,
// /healthz) and takes jobs again once it is back.
func TestBackendDiesMidJob(t *testing.T) {
	b := startBot(t, e2eOptions{moreSD: 1, sim: sdsim.Options{StepDelay: 40 * time.Millisecond}})
	servers := []*sdServer{b.sd, b.moreSD[0]}
	r := b.tgImagine("a cat on a server that dies --steps 20")
	var dying, other int
	b.eventually("the job running on a server", func() bool {
		for i, s := range servers {
			if txt2imgStarted(s.Sim()) {
				dying, other = i, 1-i
				return true
			}
		}
		return false
	})
	servers[dying].crash()
	b.tgWaitImage(r)
	if !txt2imgStarted(servers[other].Sim()) {
		t.Errorf("the other server never ran the job")
	}
	names := []string{"sd0", "sd1"}
	upSeries := func(i int) string { return `imaginebot_backend_up{backend="` + names[i] + `"}` }
	if m := b.metrics(); m[upSeries(dying)] != 0 || m[upSeries(other)] != 1 {
		t.Errorf("backend_up %v and %v, want 0 for the dead server and 1 for the other", m[upSeries(dying)], m[upSeries(other)])
	}
	if code, rep := b.health(); code == 200 || rep.Checks["sd "+names[dying]] == "ok" {
		t.Errorf("/healthz = %d %+v while %s is down, want it named", code, rep, names[dying])
	}
	if !b.logged("backend down; its job moves to another backend") {
		t.Error("no log line says the job moved")
	}
	servers[dying].start()
	b.eventually("the server back in the pool", func() bool { return b.metrics()[upSeries(dying)] == 1 })
	b.requireNothingLost()
}

// sdsimModels are the simulator's default checkpoints.
var sdsimModels = []string{"v1-5-pruned-emaonly.safetensors", "sd_xl_base_1.0.safetensors"}

// rotated returns s rotated left by n.
func rotated(s []string, n int) []string {
	n %= len(s)
	return append(slices.Clone(s[n:]), s[:n]...)
}

// TestModelAffinity runs the bot on two SD servers with different models
// loaded and sends requests that choose either model with --model: each
// runs on the server that has its model, and no server loads another.
func TestModelAffinity(t *testing.T) {
	b := startBot(t, e2eOptions{moreSD: 1, rotateModels: true, sim: sdsim.Options{StepDelay: 10 * time.Millisecond}})
	servers := []*sdServer{b.sd, b.moreSD[0]}
	models := []string{"v1-5-pruned-emaonly", "sd_xl_base_1.0"}
	var reqs []tgRequest
	for i := range 6 {
		m := models[i%2]
		reqs = append(reqs, b.tgImagine(fmt.Sprintf("affinity %d --model %s", i, m)))
	}
	for _, r := range reqs {
		b.tgWaitImage(r)
	}
	for i, s := range servers {
		for _, p := range txt2imgPrompts(t, s.Sim()) {
			var n int
			fmt.Sscanf(p, "affinity %d", &n)
			if n%2 != i {
				t.Errorf("server %d (loaded %s) ran %q, which asked for %s", i, models[i], p, models[n%2])
			}
		}
		if got := s.Sim().CurrentModel(); !strings.HasPrefix(got, models[i]) {
			t.Errorf("server %d has %q loaded, want %s (no switch)", i, got, models[i])
		}
	}
	b.requireNothingLost()
}

// TestMixedKinds runs the bot on a ComfyUI and an A1111 server at once:
// a request for a model only one of them lists runs there, and one that
// both list runs where it is loaded, with no switch on either.
func TestMixedKinds(t *testing.T) {
	b := startBot(t, e2eOptions{comfy: &comfysim.Options{}, moreSD: 1, rotateModels: true})
	a1111 := b.moreSD[0] // sd_xl_base_1.0 loaded; ComfyUI's jobs use v1-5 first
	// One at a time, so that both servers are free for each.
	for _, p := range []string{"both --model v1-5-pruned-emaonly", "only a1111 --model sd_xl_base_1.0", "only comfy --model juggernautXL"} {
		b.tgWaitImage(b.tgImagine(p))
	}
	ranA1111 := txt2imgPrompts(t, a1111.Sim())
	if !slices.Equal(ranA1111, []string{"only a1111"}) {
		t.Errorf("the A1111 server ran %q, want only the request for its own model", ranA1111)
	}
	if got := a1111.Sim().CurrentModel(); !strings.HasPrefix(got, "sd_xl_base_1.0") {
		t.Errorf("the A1111 server has %q loaded, want sd_xl_base_1.0 (no switch)", got)
	}
	if n := len(b.comfy.RecordsTo("POST", "/prompt")); n != 2 {
		t.Errorf("ComfyUI got %d prompts, want 2", n)
	}
	b.requireNothingLost()
}
