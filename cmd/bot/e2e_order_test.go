package main

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/sdsim"
	"github.com/imaginebot/imaginebot/internal/telegram/telegramtest"
)

// orderDuringSwitch are the options of testOrderAcrossSwitch: a model load
// long enough for the commands to arrive while it runs.
var orderDuringSwitch = e2eOptions{sim: sdsim.Options{
	ModelLoadDelay: 3 * time.Second,
	Models:         []string{"base-v1.safetensors", "dreamy-xl.safetensors"},
}}

// testOrderAcrossSwitch sends 5 /imagine from 3 users while /model loads a
// checkpoint: the SD server must receive them in the fair order (each
// user's first request before anyone's second, each user's in the order
// sent), as without the switch.
func testOrderAcrossSwitch(t *testing.T, b *e2eBot) {
	b.tgCommand(e2eAdminTG, "/model dreamy-xl")
	b.eventually("the model load", func() bool { return b.loadState() == loading })
	users := map[string]telegramtest.User{}
	for _, name := range []string{"A", "B", "C"} {
		id := b.newUserID()
		users[name] = telegramtest.User{ID: id, FirstName: "user" + name, LanguageCode: "en"}
	}
	var reqs []tgRequest
	for _, r := range []struct{ user, prompt string }{
		{"A", "order A1"}, {"A", "order A2"}, {"B", "order B1"}, {"C", "order C1"}, {"B", "order B2"},
	} {
		reqs = append(reqs, b.tgImagineAs(users[r.user], r.prompt))
	}
	b.waitLog("the 5 jobs queued", func() bool { return b.loggedCount("job submitted") >= 5 })
	if b.loadState() != loading {
		t.Fatal("the model load ended before the 5 jobs were queued; the test needs them to wait for it")
	}
	for _, r := range reqs {
		b.tgWaitImage(r)
	}
	var got []string
	for _, rec := range b.sd.Sim().Records() {
		if rec.Path != txt2imgPath {
			continue
		}
		var body struct {
			Prompt string `json:"prompt"`
		}
		if err := json.Unmarshal(rec.Body, &body); err != nil {
			t.Fatalf("txt2img body %s: %v", rec.Body, err)
		}
		got = append(got, body.Prompt)
	}
	if want := []string{"order A1", "order B1", "order C1", "order A2", "order B2"}; !slices.Equal(got, want) {
		t.Errorf("the SD server received the jobs in the order %q, want the fair order %q", got, want)
	}
}

// tgImagineAs sends "/imagine prompt" from u in u's private chat and
// tracks it.
func (b *e2eBot) tgImagineAs(u telegramtest.User, prompt string) tgRequest {
	b.t.Helper()
	r := b.tgCommand(u, "/imagine "+prompt)
	b.mu.Lock()
	b.requests = append(b.requests, request{tg: r})
	b.mu.Unlock()
	return r
}

// loggedCount counts the log's lines with message msg.
func (b *e2eBot) loggedCount(msg string) int {
	n := 0
	for _, l := range b.logLines() {
		if l["msg"] == msg {
			n++
		}
	}
	return n
}

// A checkpoint load's state on the SD server.
const (
	notLoading = iota
	loading
	loaded
)

// loadState tells whether the SD server has a checkpoint load (a POST
// /sdapi/v1/options holding the job lock) running or finished.
func (b *e2eBot) loadState() int {
	state := notLoading
	for _, r := range b.sd.Sim().Records() {
		if r.Method != http.MethodPost || r.Path != optionsPath || r.JobStart.IsZero() {
			continue
		}
		if r.JobEnd.IsZero() {
			return loading
		}
		state = loaded
	}
	return state
}
