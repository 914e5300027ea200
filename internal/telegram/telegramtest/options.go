package telegramtest

import (
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// DefaultToken is the bot token a [Server] accepts when Options.Token is empty.
const DefaultToken = "123456:TEST-TOKEN"

// DefaultBotUsername is the bot's username when Options.BotUsername is empty.
const DefaultBotUsername = "imagine_test_bot"

// Options configures a [Server]. The zero value is usable.
type Options struct {
	// Token is the only bot token the server accepts (default DefaultToken).
	Token string
	// BotUsername is the bot's username without '@' (default DefaultBotUsername).
	BotUsername string
	// BotName is the bot's first_name (default "Imagine Test Bot").
	BotName string
	// BotID is the bot's user id (default: the numeric prefix of Token, else 123456).
	BotID int64
	// Limits configures flood control; the zero value means Telegram's limits.
	Limits Limits
	// Logger receives one debug line per request; nil discards.
	Logger *slog.Logger
	// Now is the clock for message dates, flood control and callback query
	// expiry (default time.Now). Long polling always uses real time.
	Now func() time.Time
	// CallbackTimeout is how long a callback query can be answered (default 15s).
	CallbackTimeout time.Duration
	// NoTextToMedia makes editMessageMedia refuse to turn a text message into
	// a media message, as Bot API servers before 7.11 did ("Bad Request:
	// there is no media in the message to edit").
	NoTextToMedia bool
	// PollHangUpDelay is how long after the bot hangs up an open getUpdates
	// long poll the fake still counts it as open, as a server across a
	// network learns of a closed connection only later. A getUpdates within
	// that time overlaps it: the old one is answered 409 Conflict
	// ("terminated by other getUpdates request"), as Telegram answers
	// concurrent getUpdates. Zero: the fake notices at once.
	PollHangUpDelay time.Duration
	// Webhook, if set, starts the server with a webhook configured, so
	// getUpdates fails with 409 until the bot calls deleteWebhook.
	Webhook string
}

// Limits configures the fake's flood control. The zero value of each field
// means Telegram's documented default; Disabled turns flood control off.
//
// The model: Telegram's Bot FAQ asks for "no more than one message per
// second" per chat but says "we may allow short bursts that go over this
// limit", at most 20 messages a minute per group and about 30 a second in
// all. So each chat is a token bucket of ChatBurst messages refilled at one
// per ChatWindow (by default a burst of 3, then one a second: a first
// reply and two quick edits pass, a steady second message a second does
// not); groups and the global budget are sliding windows (a message is
// allowed when fewer than the maximum were accepted within the window
// before it).
type Limits struct {
	// Disabled turns off all flood control.
	Disabled bool
	// ChatBurst is the size of a chat's token bucket (default 3).
	ChatBurst int
	// ChatWindow is the time one token of a chat's bucket takes to refill
	// (default 1s).
	ChatWindow time.Duration
	// GroupMax is how many messages a group or supergroup accepts per GroupWindow (default 20).
	GroupMax int
	// GroupWindow is the per-group window (default 1 minute).
	GroupWindow time.Duration
	// GlobalMax is how many messages the bot may send per GlobalWindow overall (default 30).
	GlobalMax int
	// GlobalWindow is the global window (default 1s).
	GlobalWindow time.Duration
	// RetryAfterUnit is what one unit of retry_after stands for (default 1s);
	// retry_after is always a whole number of units, at least 1.
	RetryAfterUnit time.Duration
}

// ScaledLimits returns Telegram's default limits with one second replaced by
// unit, so that a test can exercise flood control quickly: ScaledLimits(10*time.Millisecond)
// allows bursts of 3 and then 1 message per 10ms per chat, 20 per 600ms per
// group, 30 per 10ms overall, and retry_after counts in units of 10ms.
func ScaledLimits(unit time.Duration) Limits {
	return Limits{
		ChatBurst:      3,
		ChatWindow:     unit,
		GroupMax:       20,
		GroupWindow:    60 * unit,
		GlobalMax:      30,
		GlobalWindow:   unit,
		RetryAfterUnit: unit,
	}
}

func (l Limits) withDefaults() Limits {
	d := ScaledLimits(time.Second)
	if l.ChatBurst <= 0 {
		l.ChatBurst = d.ChatBurst
	}
	if l.ChatWindow <= 0 {
		l.ChatWindow = d.ChatWindow
	}
	if l.GroupMax <= 0 {
		l.GroupMax = d.GroupMax
	}
	if l.GroupWindow <= 0 {
		l.GroupWindow = d.GroupWindow
	}
	if l.GlobalMax <= 0 {
		l.GlobalMax = d.GlobalMax
	}
	if l.GlobalWindow <= 0 {
		l.GlobalWindow = d.GlobalWindow
	}
	if l.RetryAfterUnit <= 0 {
		l.RetryAfterUnit = d.RetryAfterUnit
	}
	return l
}

func (o Options) withDefaults() Options {
	if o.Token == "" {
		o.Token = DefaultToken
	}
	if o.BotUsername == "" {
		o.BotUsername = DefaultBotUsername
	}
	if o.BotName == "" {
		o.BotName = "Imagine Test Bot"
	}
	if o.BotID == 0 {
		prefix, _, _ := strings.Cut(o.Token, ":")
		if id, err := strconv.ParseInt(prefix, 10, 64); err == nil && id > 0 {
			o.BotID = id
		} else {
			o.BotID = 123456
		}
	}
	o.Limits = o.Limits.withDefaults()
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.CallbackTimeout <= 0 {
		o.CallbackTimeout = 15 * time.Second
	}
	return o
}
