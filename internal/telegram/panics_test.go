package telegram

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/frontend"
	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/telegram/telegramtest"
)

// panicCore is the core, except that some prompts make it misbehave.
type panicCore struct{ frontend.Core }

func (c panicCore) Submit(req imagine.Request) (*imagine.Ticket, error) {
	switch req.Prompt {
	case "explode":
		panic("submit exploded") // on the poll loop
	case "no watch":
		return &imagine.Ticket{ID: 7}, nil // the editor's goroutine panics on the missing Watch
	}
	return c.Core.Submit(req)
}

// TestHandlerPanicsAreRecovered: a panic while handling an update, on the
// poll loop or in a goroutine, is logged and the bot goes on.
func TestHandlerPanicsAreRecovered(t *testing.T) {
	tg := telegramtest.NewServer(telegramtest.Options{Limits: telegramtest.Limits{Disabled: true}})
	defer tg.Close()
	logs := &syncBuffer{}
	svc := imagine.New(imagine.Config{Settings: testSettings(), PerUser: 1, MaxQueue: 1}, nil)
	a, err := New(Config{Token: tg.Token(), APIURL: tg.URL, AllowPrivate: true, Logger: slog.New(slog.NewTextHandler(logs, nil))},
		panicCore{svc})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	tg.SendMessage(dm, alice, "/imagine explode")
	tg.SendMessage(dm, alice, "/imagine no watch")
	cmd := tg.SendMessage(dm, alice, "/help")
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	err = tg.WaitFor(wctx, func() bool {
		for _, m := range tg.Messages(dm.ID) {
			if m.ReplyTo == cmd.ID && strings.Contains(m.Text, "Stable Diffusion") {
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("no help after two panics: %v", err)
	}
	cancel()
	if err := <-done; err != nil { // Run waits for every goroutine it started
		t.Errorf("Run = %v, want nil", err)
	}
	if got := a.tasks.Panics(); got != 2 {
		t.Errorf("%d panics recovered, want 2 (the poll loop's and the editor's)", got)
	}
	for _, want := range []string{"recovered from a panic", "submit exploded", "nil pointer"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log lacks %q", want)
		}
	}
}
