package telegramtest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

func TestLongPollDeliversUserMessage(t *testing.T) {
	s := newTestServer(t, Options{})
	bot := newBot(t, s)
	type result struct {
		updates []tgbotapi.Update
		err     error
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		ups, err := bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 30})
		done <- result{ups, err}
	}()
	waitForPoll(t, s)
	sent := s.SendMessage(group, alice, "/imagine@imagine_test_bot a red fox")

	var r result
	select {
	case r = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("long poll did not return after SendMessage")
	}
	if r.err != nil {
		t.Fatalf("GetUpdates: %v", r.err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("long poll returned after %v, want promptly", d)
	}
	if len(r.updates) != 1 || r.updates[0].Message == nil {
		t.Fatalf("updates = %+v, want one message", r.updates)
	}
	m := r.updates[0].Message
	if m.MessageID != sent.ID || m.Chat.ID != group.ID || m.Chat.Type != "supergroup" || m.From.ID != alice.ID {
		t.Errorf("message %d in chat %d (%s) from %d, want %d in %d (supergroup) from %d",
			m.MessageID, m.Chat.ID, m.Chat.Type, m.From.ID, sent.ID, group.ID, alice.ID)
	}
	if !m.IsCommand() || m.Command() != "imagine" || m.CommandWithAt() != "imagine@imagine_test_bot" || m.CommandArguments() != "a red fox" {
		t.Errorf("command %q / %q args %q, want imagine / imagine@imagine_test_bot args \"a red fox\"", m.Command(), m.CommandWithAt(), m.CommandArguments())
	}
	if m.From.LanguageCode != "en" {
		t.Errorf("from.language_code = %q, want en", m.From.LanguageCode)
	}
}

func TestGetUpdatesOffsetAndLimit(t *testing.T) {
	s := newTestServer(t, Options{})
	bot := newBot(t, s)
	for _, text := range []string{"one", "two", "three"} {
		s.SendMessage(private, alice, text)
	}
	texts := func(ups []tgbotapi.Update) []string {
		var out []string
		for _, u := range ups {
			out = append(out, u.Message.Text)
		}
		return out
	}
	ups, err := bot.GetUpdates(tgbotapi.UpdateConfig{Limit: 2})
	if err != nil || len(ups) != 2 || ups[0].Message.Text != "one" {
		t.Fatalf("limit 2: %v %v, want [one two]", texts(ups), err)
	}
	// Not confirmed yet: the same updates come again.
	ups, _ = bot.GetUpdates(tgbotapi.UpdateConfig{})
	if len(ups) != 3 {
		t.Fatalf("unconfirmed: %v, want all three again", texts(ups))
	}
	ups, _ = bot.GetUpdates(tgbotapi.UpdateConfig{Offset: ups[1].UpdateID + 1})
	if len(ups) != 1 || ups[0].Message.Text != "three" {
		t.Fatalf("offset past two: %v, want [three]", texts(ups))
	}
	if _, err := bot.GetUpdates(tgbotapi.UpdateConfig{Offset: ups[0].UpdateID + 1}); err != nil {
		t.Fatal(err)
	}
	if n := s.PendingUpdates(); n != 0 {
		t.Errorf("PendingUpdates() = %d after confirming all, want 0", n)
	}

	for _, text := range []string{"a", "b", "c"} {
		s.SendMessage(private, alice, text)
	}
	ups, _ = bot.GetUpdates(tgbotapi.UpdateConfig{Offset: -1})
	if got := texts(ups); len(got) != 1 || got[0] != "c" {
		t.Errorf("offset -1: %v, want [c]", got)
	}
	if n := s.PendingUpdates(); n != 1 {
		t.Errorf("PendingUpdates() = %d after a negative offset, want 1", n)
	}
}

func TestRedeliver(t *testing.T) {
	s := newTestServer(t, Options{})
	bot := newBot(t, s)
	if s.LastUpdateID() != 0 || s.Redeliver(1) {
		t.Fatal("a fresh server has a last update, or redelivers one never sent")
	}
	s.SendMessage(private, alice, "one")
	first := s.LastUpdateID()
	s.SendMessage(private, alice, "two")
	ups, err := bot.GetUpdates(tgbotapi.UpdateConfig{Offset: first + 1})
	if err != nil || len(ups) != 1 || ups[0].Message.Text != "two" {
		t.Fatalf("offset past one: %v %v", ups, err)
	}
	// Telegram sends "one" again, as to a bot that never confirmed it: the
	// same update_id and message, before "two".
	if !s.Redeliver(first) {
		t.Fatal("Redeliver refused a sent update")
	}
	ups, err = bot.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil || len(ups) != 2 || ups[0].UpdateID != first || ups[0].Message.Text != "one" || ups[1].Message.Text != "two" {
		t.Fatalf("after Redeliver: %+v %v, want one (again, id %d) then two", ups, err, first)
	}
	// An offset past it drops it, as Telegram would.
	s.Redeliver(first)
	ups, _ = bot.GetUpdates(tgbotapi.UpdateConfig{Offset: first + 1})
	if len(ups) != 1 || ups[0].Message.Text != "two" {
		t.Fatalf("offset past the redelivered update: %+v, want only two", ups)
	}
}

func TestAllowedUpdates(t *testing.T) {
	s := newTestServer(t, Options{Limits: Limits{Disabled: true}})
	bot := newBot(t, s)
	s.SendMessage(private, alice, "before")
	if _, err := bot.GetUpdates(tgbotapi.UpdateConfig{AllowedUpdates: []string{"callback_query"}}); err != nil {
		t.Fatal(err)
	}
	s.SendMessage(private, alice, "filtered")
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("Again", "r:1")))
	msg := tgbotapi.NewMessage(private.ID, "done")
	msg.ReplyMarkup = kb
	sent, err := bot.Send(msg)
	if err != nil {
		t.Fatal(err)
	}
	s.Click(private, alice, sent.MessageID, "r:1")

	// allowed_updates=null (the library's default) keeps the previous setting.
	ups, err := bot.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, u := range ups {
		switch {
		case u.Message != nil:
			kinds = append(kinds, "message:"+u.Message.Text)
		case u.CallbackQuery != nil:
			kinds = append(kinds, "callback_query:"+u.CallbackQuery.Data)
		}
	}
	want := []string{"message:before", "callback_query:r:1"}
	if len(kinds) != len(want) || kinds[0] != want[0] || kinds[1] != want[1] {
		t.Errorf("updates %v, want %v (messages queued before the filter stay)", kinds, want)
	}
}

func TestConcurrentPollersConflict(t *testing.T) {
	s := newTestServer(t, Options{})
	first, second := newBot(t, s), newBot(t, s)
	errs := make(chan error, 1)
	go func() {
		_, err := first.GetUpdates(tgbotapi.UpdateConfig{Timeout: 30})
		errs <- err
	}()
	waitForPoll(t, s)
	go func() { _, _ = second.GetUpdates(tgbotapi.UpdateConfig{Timeout: 30}) }()

	var err error
	select {
	case err = <-errs:
	case <-time.After(5 * time.Second):
		t.Fatal("the first poller was not terminated by the second")
	}
	e := apiErr(t, err)
	want := "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
	if e.Code != http.StatusConflict || e.Message != want {
		t.Errorf("first poller got %d %q, want 409 %q", e.Code, e.Message, want)
	}
	s.SendMessage(private, alice, "for the second poller")
	if err := s.WaitFor(t.Context(), func() bool { return s.PendingUpdates() == 1 && len(s.CallsTo("getUpdates")) == 2 }); err != nil {
		t.Fatal(err)
	}
}

func TestWebhookBlocksGetUpdates(t *testing.T) {
	s := newTestServer(t, Options{Webhook: "https://example.invalid/hook"})
	bot := newBot(t, s)
	_, err := bot.GetUpdates(tgbotapi.UpdateConfig{})
	if e := apiErr(t, err); e.Code != http.StatusConflict {
		t.Errorf("getUpdates with a webhook: %d %q, want 409", e.Code, e.Message)
	}
	resp, err := bot.Request(tgbotapi.DeleteWebhookConfig{DropPendingUpdates: true})
	if err != nil || resp.Description != "Webhook was deleted" {
		t.Fatalf("deleteWebhook: %v %+v, want \"Webhook was deleted\"", err, resp)
	}
	if _, err := bot.GetUpdates(tgbotapi.UpdateConfig{}); err != nil {
		t.Errorf("getUpdates after deleteWebhook: %v", err)
	}
	resp, _ = bot.Request(tgbotapi.DeleteWebhookConfig{})
	if resp.Description != "Webhook is already deleted" {
		t.Errorf("second deleteWebhook description %q, want \"Webhook is already deleted\"", resp.Description)
	}
}

// TestGetUpdatesChan runs the library's own polling loop against the fake.
func TestGetUpdatesChan(t *testing.T) {
	s := newTestServer(t, Options{})
	bot := newBot(t, s)
	ch := bot.GetUpdatesChan(tgbotapi.UpdateConfig{Timeout: 1})
	defer bot.StopReceivingUpdates()
	s.SendMessage(private, alice, "first")
	s.SendMessage(private, bob, "second")
	for _, want := range []string{"first", "second"} {
		select {
		case u := <-ch:
			if u.Message == nil || u.Message.Text != want {
				t.Fatalf("update %+v, want message %q", u, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no update %q", want)
		}
	}
	// The library confirms with the next offset; the queue drains.
	if err := s.WaitFor(t.Context(), func() bool { return s.PendingUpdates() == 0 }); err != nil {
		t.Fatal(err)
	}
}

func TestGetUpdatesRawShape(t *testing.T) {
	s := newTestServer(t, Options{})
	s.SendMessage(forum, alice, "/imagine cat", InThread(7))
	got := call(t, s, "getUpdates", url.Values{"timeout": {"0"}})
	var ups []struct {
		Message map[string]any `json:"message"`
	}
	if err := json.Unmarshal(got.Result, &ups); err != nil || len(ups) != 1 {
		t.Fatalf("result %s: %v", got.Result, err)
	}
	m := ups[0].Message
	if m["message_thread_id"] != float64(7) || m["is_topic_message"] != true {
		t.Errorf("message_thread_id %v is_topic_message %v, want 7 true", m["message_thread_id"], m["is_topic_message"])
	}
	chat := m["chat"].(map[string]any)
	if chat["is_forum"] != true || chat["title"] != "Forum" {
		t.Errorf("chat %v, want a forum titled Forum", chat)
	}
}
