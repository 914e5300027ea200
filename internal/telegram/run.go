package telegram

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Run connects (getMe), takes back the jobs of the last run (see resume),
// registers the command lists, long-polls and handles
// updates until ctx ends. It then stops polling, lets in-flight message
// work (status edits, results) finish for up to Config.ShutdownGrace,
// abandons what is left and returns nil. A token Telegram refuses, or an
// api_url that is not a Bot API server, is an error at once; Run may be
// called only once.
func (a *Adapter) Run(ctx context.Context) error {
	if !a.running.CompareAndSwap(false, true) {
		return errors.New("telegram: Run called twice")
	}
	me, err := a.client.connect(ctx, connectAttempts)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	a.me = me
	a.log.Info("connected", "bot", "@"+me.Username, "api_url", a.cfg.APIURL)
	a.health.set(func(h *health) { h.connected, h.lastPoll = true, time.Now() })
	defer a.health.set(func(h *health) { h.stopped = true })

	// Message work runs on its own context: it outlives ctx by the grace.
	work, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	stopQuit := context.AfterFunc(ctx, func() { close(a.quit) })
	defer stopQuit()

	a.resume(work)
	a.client.registerCommands(ctx)
	err = a.receive(ctx, work)
	if err != nil {
		stopWork()
	}
	a.tasks.Stop(a.cfg.ShutdownGrace, func() {
		a.log.Warn("shutdown grace over, abandoning unfinished messages", "grace", a.cfg.ShutdownGrace)
		stopWork()
	})
	a.log.Info("stopped")
	return err
}

// Check verifies the token and that api_url reaches a Bot API server
// (getMe), for `bot check`. It returns the bot's @username.
func Check(ctx context.Context, cfg Config) (string, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return "", err
	}
	me, err := newClient(cfg, cfg.Logger).connect(ctx, 1)
	if err != nil {
		return "", err
	}
	return "@" + me.Username, nil
}

// connectError explains a failed getMe in terms of the config.
func connectError(apiURL string, err error) error {
	ae := asAPIError(err)
	switch {
	case ae != nil && ae.Code == http.StatusUnauthorized:
		return fmt.Errorf("telegram: the bot token was refused (401): check telegram.token (%w)", err)
	case ae != nil && ae.Code == http.StatusNotFound:
		return fmt.Errorf("telegram: %s answered 404 Not Found to getMe: check telegram.api_url and telegram.token (%w)", apiURL, err)
	case ae != nil:
		return fmt.Errorf("telegram: getMe failed: %w", err)
	default:
		return fmt.Errorf("telegram: cannot reach the Bot API at %s: %w", apiURL, err)
	}
}

// maxHandlers bounds the goroutines doing the network work of updates
// (replies, callback answers); the poll loop waits when all are busy.
const maxHandlers = 64

// goHandle runs f in a goroutine of the adapter's group, for the network
// part of handling an update. At most maxHandlers run at once; while all
// are busy goHandle waits, which holds back polling. After Run's ctx ended
// it drops f and reports false.
func (a *Adapter) goHandle(ctx context.Context, f func(ctx context.Context)) bool {
	select {
	case a.handlers <- struct{}{}:
	case <-a.quit:
		return false
	}
	if !a.tasks.Go(func() {
		defer func() { <-a.handlers }()
		f(ctx)
	}) {
		<-a.handlers
		return false
	}
	return true
}

// goChat is goHandle for work that sends to chat and may wait for its
// turn there: a chat with maxPendingPerChat such jobs already gets no more
// (f is dropped and goChat reports false).
func (a *Adapter) goChat(ctx context.Context, chat int64, f func(ctx context.Context)) bool {
	if !a.gate.enter(chat) {
		a.log.Debug("too many replies pending in this chat; dropping one", "chat", chat)
		return false
	}
	if !a.goHandle(ctx, func(ctx context.Context) {
		defer a.gate.leave(chat)
		f(ctx)
	}) {
		a.gate.leave(chat)
		return false
	}
	return true
}

// goReply replies with plain text at p, see goChat.
func (a *Adapter) goReply(ctx context.Context, p place, text string) {
	a.goChat(ctx, p.chat.id, func(ctx context.Context) { a.client.reply(ctx, p, 0, text, nil) })
}

// maxPendingPerChat is how many replies one chat may have waiting for their
// turn; more are dropped. One user flooding a chat with commands then
// cannot hold up the adapter's handlers, and so everyone else's commands.
const maxPendingPerChat = 3

// chatGate counts the replies pending in each chat. It is safe for
// concurrent use.
type chatGate struct {
	mu      sync.Mutex    // guards pending
	pending map[int64]int // made by New
}

// enter takes a place for a reply in chat, or reports false if the chat
// already has maxPendingPerChat.
func (g *chatGate) enter(chat int64) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.pending[chat] >= maxPendingPerChat {
		return false
	}
	g.pending[chat]++
	return true
}

// leave gives back a place taken by enter.
func (g *chatGate) leave(chat int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.pending[chat]--; g.pending[chat] <= 0 {
		delete(g.pending, chat)
	}
}
