package telegram

import (
	"context"
	"fmt"
	"net/http"
)

// connectAttempts bounds the tries to reach the Bot API at start-up, where
// the network may not be up yet.
const connectAttempts = 5

// connect calls getMe, again after network and server errors (with
// backoff, connectAttempts times), not after a refused token.
func (a *Adapter) connect(ctx context.Context) (*tgClient, botUser, error) {
	backoff := a.cfg.Limits.RetryAfterUnit
	for attempt := 1; ; attempt++ {
		dctx, cancel := context.WithTimeout(ctx, callTimeout)
		api, me, err := dial(dctx, a.cfg.APIURL, a.cfg.Token, a.cfg.HTTPClient)
		cancel()
		if err == nil || ctx.Err() != nil || !isTransient(err) || attempt == connectAttempts {
			if err != nil {
				err = connectError(a.cfg.APIURL, err)
			}
			return api, me, err
		}
		a.log.Warn("cannot reach the Bot API yet, retrying", "err", err, "in", backoff)
		if !sleep(ctx, backoff) {
			return nil, botUser{}, ctx.Err()
		}
		backoff *= 2
	}
}

// Check verifies the token and that api_url reaches a Bot API server
// (getMe), for `bot check`. It returns the bot's @username.
func Check(ctx context.Context, cfg Config) (string, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	_, me, err := dial(ctx, cfg.APIURL, cfg.Token, cfg.HTTPClient)
	if err != nil {
		return "", connectError(cfg.APIURL, err)
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
