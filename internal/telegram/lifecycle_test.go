package telegram

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/telegram/telegramtest"
)

func TestShutdownWithJobInFlight(t *testing.T) {
	h := newHarness(t, options{backend: held, cfg: Config{ShutdownGrace: 2 * time.Second}})
	cmd := h.tg.SendMessage(dm, alice, "/imagine an unfinished symphony --steps 80")
	h.running(dm.ID, cmd.ID)
	took, err := h.stop()
	if err != nil {
		t.Errorf("Run = %v, want nil", err)
	}
	if took > 2*time.Second {
		t.Errorf("Run took %v to return, want it within the grace", took)
	}
	m, _ := h.status(dm.ID, cmd.ID)
	if !strings.Contains(text(m), "restarted") {
		t.Errorf("status after shutdown = %q, want the restart notice", text(m))
	}
}

func TestShutdownAbandonsAfterGrace(t *testing.T) {
	// The service keeps running, so the job does not end: its editor is
	// abandoned when the grace is over.
	h := newHarness(t, options{backend: held, cfg: Config{ShutdownGrace: 100 * time.Millisecond}})
	cmd := h.tg.SendMessage(dm, alice, "/imagine forever --steps 80")
	h.running(dm.ID, cmd.ID)
	took, err := h.stopAdapter()
	if err != nil {
		t.Errorf("Run = %v, want nil", err)
	}
	if took > time.Second {
		t.Errorf("Run took %v to return with a grace of 100ms", took)
	}
	if !strings.Contains(h.logs.String(), "abandoning") {
		t.Error("the log does not say that messages were abandoned")
	}
}

func TestConnectErrors(t *testing.T) {
	tg := telegramtest.NewServer(telegramtest.Options{})
	defer tg.Close()
	svc := imagine.New(imagine.Config{Settings: testSettings()}, nil)
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"wrong token", Config{Token: "999:WRONG-TOKEN", APIURL: tg.URL}, "the bot token was refused (401)"},
		{"not a bot api", Config{Token: tg.Token(), APIURL: tg.URL + "/nope"}, "404"},
		{"unreachable", Config{Token: tg.Token(), APIURL: "http://127.0.0.1:1", Limits: Limits{RetryAfterUnit: time.Millisecond}}, "cannot reach"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := New(tt.cfg, svc)
			if err != nil {
				t.Fatal(err)
			}
			err = a.Run(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Run = %v, want an error with %q", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), tt.cfg.Token) {
				t.Errorf("the error %q contains the token", err)
			}
			if _, err := Check(context.Background(), tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Check = %v, want an error with %q", err, tt.want)
			}
		})
	}
	name, err := Check(context.Background(), Config{Token: tg.Token(), APIURL: tg.URL + "/"})
	if err != nil || name != "@"+telegramtest.DefaultBotUsername {
		t.Errorf("Check = %q, %v; want the bot's username", name, err)
	}
}

func TestConfigValidation(t *testing.T) {
	svc := imagine.New(imagine.Config{Settings: testSettings()}, nil)
	tests := []struct {
		name string
		cfg  Config
		want string // "" = valid
	}{
		{"minimal", Config{Token: "1:a"}, ""},
		{"no token", Config{}, "token is empty"},
		{"token with a slash", Config{Token: "1:a/b"}, "URL characters"},
		{"bad url", Config{Token: "1:a", APIURL: "ftp://x"}, "not an http(s) URL"},
		{"url with query", Config{Token: "1:a", APIURL: "http://x/?q"}, "not an http(s) URL"},
		{"negative interval", Config{Token: "1:a", EditInterval: -1}, "edit_interval"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := New(tt.cfg, svc)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("New = %v, want it valid", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("New = %v, want an error with %q", err, tt.want)
			case tt.want == "" && (a.cfg.APIURL != DefaultAPIURL || a.cfg.EditInterval != time.Second):
				t.Errorf("defaults = %q, %v", a.cfg.APIURL, a.cfg.EditInterval)
			}
		})
	}
	if _, err := New(Config{Token: "1:a"}, nil); err == nil {
		t.Error("New without a service succeeded")
	}
}

func TestHealthy(t *testing.T) {
	h := newHarness(t, options{})
	ctx := context.Background()
	if err := h.a.Healthy(ctx); err != nil {
		t.Errorf("Healthy while polling = %v, want nil", err)
	}
	// One failure more than it takes: when the fake has answered it, the
	// adapter has handled the one before.
	h.tg.FailNext("getUpdates", http.StatusBadGateway, "", unhealthyPollFailures+1)
	h.tg.SendMessage(dm, alice, "/help") // ends the open long poll
	h.waitFor("failing polls", func() bool {
		n := 0
		for _, c := range h.tg.CallsTo("getUpdates") {
			if c.Status == http.StatusBadGateway {
				n++
			}
		}
		return n == unhealthyPollFailures+1
	})
	err := h.a.Healthy(ctx)
	if err == nil || !strings.Contains(err.Error(), "502") {
		t.Errorf("Healthy after failing polls = %v, want the 502", err)
	}
	if err != nil && strings.Contains(err.Error(), h.tg.Token()) {
		t.Errorf("Healthy's error %q contains the token", err)
	}
	h.stop()
	if err := h.a.Healthy(ctx); err == nil {
		t.Error("Healthy after Run returned = nil, want an error")
	}
}

func TestConnectRetriesServerErrors(t *testing.T) {
	tg := telegramtest.NewServer(telegramtest.Options{})
	defer tg.Close()
	tg.FailNext("getMe", http.StatusBadGateway, "", 2)
	svc := imagine.New(imagine.Config{Settings: testSettings()}, nil)
	a, err := New(Config{Token: tg.Token(), APIURL: tg.URL, Limits: Limits{RetryAfterUnit: time.Millisecond}}, svc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	if err := tg.WaitFor(wctx, func() bool { return len(tg.CallsTo("setMyCommands")) > 0 }); err != nil {
		t.Errorf("not connected after two failed getMe: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v, want nil", err)
	}
	if n := len(tg.CallsTo("getMe")); n != 3 {
		t.Errorf("%d getMe calls, want 3", n)
	}
}
