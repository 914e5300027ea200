package discord

import (
	"context"
	"errors"
	"time"

	"github.com/bwmarrin/discordgo"
)

// The waits between gateway reconnect attempts double from the first to
// the last.
const (
	firstReconnectWait = time.Second
	maxReconnectWait   = time.Minute
)

// keepConnected reopens the gateway whenever the connection is lost, with
// a growing wait between failed attempts (discordgo resumes the session when
// it can). It returns when ctx ends; shutdown aborts an attempt that waits
// for READY, so that it returns promptly.
func (a *Adapter) keepConnected(ctx context.Context, c *connection) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.lost:
		}
		wait := firstReconnectWait
		for {
			err := c.s.Open()
			if err == nil || errors.Is(err, discordgo.ErrWSAlreadyOpen) {
				a.log.Info("reconnected to the gateway")
				break
			}
			if ctx.Err() != nil {
				return
			}
			a.log.Warn("gateway reconnect failed", "err", sanitize(err), "retry_in", wait)
			if !sleepCtx(ctx, wait) {
				return
			}
			wait = min(wait*2, maxReconnectWait)
		}
	}
}
