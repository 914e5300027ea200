package telegramtest

import (
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

func TestCallbackQueries(t *testing.T) {
	const tooOld = "Bad Request: query is too old and response timeout expired or query ID is invalid"
	clock := newFakeClock()
	s := newTestServer(t, Options{Now: clock.Now, CallbackTimeout: 15 * time.Second})
	bot := newBot(t, s)
	s.AddChat(group)
	m := tgbotapi.NewMessage(group.ID, "Done")
	m.ReplyMarkup = keyboard("r:1", "up:1")
	sent, err := bot.Send(m)
	if err != nil {
		t.Fatal(err)
	}

	if id := s.Click(group, bob, sent.MessageID, "nope"); id != "" {
		t.Errorf("Click on a missing button = %q, want \"\"", id)
	}
	if id := s.Click(group, bob, 999, "r:1"); id != "" {
		t.Errorf("Click on a missing message = %q, want \"\"", id)
	}
	id := s.Click(group, bob, sent.MessageID, "r:1")
	if id == "" {
		t.Fatal("Click returned no query id")
	}
	ups, err := bot.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil || len(ups) != 1 || ups[0].CallbackQuery == nil {
		t.Fatalf("updates %+v %v, want one callback query", ups, err)
	}
	q := ups[0].CallbackQuery
	if q.ID != id || q.Data != "r:1" || q.From.ID != bob.ID || q.Message == nil || q.Message.MessageID != sent.MessageID || q.Message.Chat.ID != group.ID {
		t.Errorf("callback query %+v, want id %s data r:1 from Bob on message %d", q, id, sent.MessageID)
	}

	if _, err := bot.Request(tgbotapi.NewCallback(id, "Rerolling")); err != nil {
		t.Fatalf("first answer: %v", err)
	}
	_, err = bot.Request(tgbotapi.NewCallback(id, "again"))
	if e := apiErr(t, err); e.Message != tooOld {
		t.Errorf("second answer: %q, want %q", e.Message, tooOld)
	}
	_, err = bot.Request(tgbotapi.NewCallback("123", ""))
	if e := apiErr(t, err); e.Message != tooOld {
		t.Errorf("unknown query: %q, want %q", e.Message, tooOld)
	}
	answers := s.CallbackAnswers(id)
	if len(answers) != 2 || answers[0].Text != "Rerolling" || answers[0].Error != "" || answers[1].Error != tooOld {
		t.Errorf("answers %+v, want the accepted one then the refused one", answers)
	}

	late := s.Click(group, alice, sent.MessageID, "up:1")
	clock.Advance(16 * time.Second)
	_, err = bot.Request(tgbotapi.NewCallback(late, ""))
	if e := apiErr(t, err); e.Message != tooOld {
		t.Errorf("answer after 16s: %q, want %q", e.Message, tooOld)
	}
	inTime := s.Click(group, alice, sent.MessageID, "up:1")
	clock.Advance(14 * time.Second)
	if _, err := bot.Request(tgbotapi.NewCallback(inTime, "")); err != nil {
		t.Errorf("answer after 14s: %v", err)
	}
}
