package telegramtest

import (
	"context"
	"net/http"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

func TestFailNextIn(t *testing.T) {
	s := newTestServer(t, Options{Limits: Limits{Disabled: true}})
	bot := newBot(t, s)
	s.AddChat(private)
	s.AddChat(Chat{ID: bob.ID})
	s.FailNextIn(private.ID, "sendMessage", http.StatusBadRequest, "Bad Request: MEDIA_EMPTY", 1)
	if _, err := bot.Send(tgbotapi.NewMessage(bob.ID, "other chat")); err != nil {
		t.Errorf("another chat: %v, want it unaffected", err)
	}
	if e := apiErr(t, sendErr(bot, private.ID)); e.Message != "Bad Request: MEDIA_EMPTY" {
		t.Errorf("the chat's call: %q, want the scripted failure", e.Message)
	}
	if err := sendErr(bot, private.ID); err != nil {
		t.Errorf("the next call: %v, want it to work", err)
	}
}

func sendErr(bot *tgbotapi.BotAPI, chat int64) error {
	_, err := bot.Send(tgbotapi.NewMessage(chat, "hello"))
	return err
}

func TestMigrateChat(t *testing.T) {
	s := newTestServer(t, Options{})
	bot := newBot(t, s)
	old := Chat{ID: -4242, Type: ChatGroup, Title: "Sketchers"}
	s.AddChat(old)
	super := s.MigrateChat(old.ID)
	if super.Type != ChatSupergroup || super.ID == old.ID || super.Title != old.Title {
		t.Fatalf("MigrateChat = %+v, want a new supergroup with the same title", super)
	}
	e := apiErr(t, sendErr(bot, old.ID))
	if e.Code != http.StatusBadRequest || e.MigrateToChatID != super.ID || e.Message != "Bad Request: group chat was upgraded to a supergroup chat" {
		t.Errorf("send to the old group: %d %q migrate_to %d, want 400 with migrate_to_chat_id %d", e.Code, e.Message, e.MigrateToChatID, super.ID)
	}
	if err := sendErr(bot, super.ID); err != nil {
		t.Errorf("send to the supergroup: %v", err)
	}
}

func TestSecondPoller(t *testing.T) {
	s := newTestServer(t, Options{})
	bot := newBot(t, s)
	errs := make(chan error, 1)
	go func() {
		_, err := bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 30})
		errs <- err
	}()
	waitForPoll(t, s)
	s.SetSecondPoller(true)
	want := "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
	select {
	case err := <-errs:
		if e := apiErr(t, err); e.Message != want {
			t.Errorf("open poll: %q, want %q", e.Message, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the open poll was not terminated")
	}
	if _, err := bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 30}); err == nil || apiErr(t, err).Code != http.StatusConflict {
		t.Errorf("poll while the other instance runs: %v, want 409", err)
	}
	s.SetSecondPoller(false)
	s.SendMessage(private, alice, "hi")
	if u, err := bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 30}); err != nil || len(u) != 1 {
		t.Errorf("poll after the other instance stopped: %d updates, %v", len(u), err)
	}
}

func TestPollHangUpDelay(t *testing.T) {
	s := newTestServer(t, Options{PollHangUpDelay: time.Hour})
	bot := newBot(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	client := &http.Client{Transport: ctxTransport{ctx}}
	hungUp, err := tgbotapi.NewBotAPIWithClient(s.Token(), s.URL+"/bot%s/%s", client)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		_, _ = hungUp.GetUpdates(tgbotapi.UpdateConfig{Timeout: 30})
		close(done)
	}()
	waitForPoll(t, s)
	cancel() // the bot hangs up; the server still counts the poll as open
	<-done
	if s.OpenPolls() != 1 {
		t.Fatalf("OpenPolls = %d after the hang-up, want 1 (the delay)", s.OpenPolls())
	}
	if _, err := bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 0}); err != nil {
		t.Fatalf("the overlapping poll: %v", err)
	}
	// Wait for both answers: the overlapping poll's at once, the hung-up
	// one's 409 when it wakes (the poll no longer counts as open before
	// that answer is recorded).
	if err := s.WaitFor(t.Context(), func() bool { return s.OpenPolls() == 0 && len(s.CallsTo("getUpdates")) >= 2 }); err != nil {
		t.Fatal(err)
	}
	var conflicts int
	for _, c := range s.CallsTo("getUpdates") {
		if c.Status == http.StatusConflict {
			conflicts++
		}
	}
	if conflicts != 1 {
		t.Errorf("%d getUpdates answered 409, want the hung-up one", conflicts)
	}
}

// ctxTransport runs every request under ctx.
type ctxTransport struct{ ctx context.Context }

func (c ctxTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return http.DefaultTransport.RoundTrip(r.WithContext(c.ctx))
}
