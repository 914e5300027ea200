package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/imaginebot/imaginebot/internal/tasks"
)

// Discord JSON error codes the adapter acts on.
const (
	codeUnknownChannel      = 10003
	codeUnknownMessage      = 10008
	codeUnknownWebhook      = 10015
	codeUnknownInteraction  = 10062
	codeOldMessageEdits     = 30046 // too many edits to messages older than an hour
	codeMissingAccess       = 50001
	codeMissingPermissions  = 50013
	codeInvalidWebhookToken = 50027
	codeAlreadyAcknowledged = 40060
	codeEntityTooLarge      = 40005
)

// oldMessageRetry is the wait after Discord refused an edit of a message
// older than an hour for now (30046), which says no more than "later".
const oldMessageRetry = 10 * time.Second

// apiError is an error answer from Discord (or a 429), with nothing that
// could carry a token: no URL, no request.
type apiError struct {
	Status     int
	Code       int
	Message    string
	RetryAfter time.Duration // for 429
}

func (e *apiError) Error() string {
	if e.Status == http.StatusTooManyRequests {
		return fmt.Sprintf("HTTP 429: rate limited, retry after %s", e.RetryAfter)
	}
	if e.Code != 0 {
		return fmt.Sprintf("HTTP %d: %s (code %d)", e.Status, e.Message, e.Code)
	}
	return fmt.Sprintf("HTTP %d: %s", e.Status, e.Message)
}

// requestError wraps an error of one REST call with the call's route (a path
// template, no ids or tokens).
type requestError struct {
	Route string
	Err   error
}

func (e *requestError) Error() string { return "discord: " + e.Route + ": " + e.Err.Error() }
func (e *requestError) Unwrap() error { return e.Err }

// sanitize turns an error from discordgo into one that is safe to log: REST
// and rate-limit errors become *apiError, transport errors lose their URL.
func sanitize(err error) error {
	if err == nil {
		return nil
	}
	var rest *discordgo.RESTError
	var rl *discordgo.RateLimitError
	var ue *url.Error
	switch {
	case errors.As(err, &rest):
		out := &apiError{Status: rest.Response.StatusCode, Message: http.StatusText(rest.Response.StatusCode)}
		if rest.Message != nil {
			out.Code = rest.Message.Code
			if rest.Message.Message != "" {
				out.Message = rest.Message.Message
			}
		}
		if out.Code == codeOldMessageEdits {
			out.RetryAfter = oldMessageRetry
		}
		return out
	case errors.As(err, &rl):
		out := &apiError{Status: http.StatusTooManyRequests, Message: "rate limited"}
		if rl.RateLimit != nil && rl.TooManyRequests != nil {
			out.RetryAfter = rl.TooManyRequests.RetryAfter
		}
		return out
	case errors.As(err, &ue):
		return &url.Error{Op: ue.Op, URL: redactURL(ue.URL), Err: ue.Err}
	}
	return err
}

// redactURL replaces interaction tokens in a Discord URL by "***".
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(url)"
	}
	segs := strings.Split(u.Path, "/")
	for i, s := range segs {
		// .../webhooks/{application id}/{token}/... and
		// .../interactions/{interaction id}/{token}/callback
		if (s == "webhooks" || s == "interactions") && i+2 < len(segs) {
			segs[i+2] = "***"
		}
	}
	u.Path = strings.Join(segs, "/")
	u.RawPath = ""
	u.RawQuery = ""
	return u.String()
}

// errorKind is what the adapter does about a failed request.
type errorKind int

const (
	errNone         errorKind = iota // no error
	errOther                         // a bad request: retrying the same payload will not help
	errTransient                     // a 5xx or a network failure: retry later
	errRateLimited                   // 429: retry after RetryAfter
	errTokenInvalid                  // the interaction token is dead (50027, 10015, 401)
	errGone                          // the message or channel was deleted
	errForbidden                     // the bot may not do this (403)
	errStopped                       // the context ended or the adapter stopped
)

func classify(err error) errorKind {
	var ae *apiError
	switch {
	case err == nil:
		return errNone
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded) && !isNetTimeout(err),
		errors.Is(err, errTransportClosed):
		return errStopped
	case errors.As(err, &ae):
		switch {
		case ae.Status == http.StatusTooManyRequests, ae.Code == codeOldMessageEdits:
			return errRateLimited
		case ae.Code == codeInvalidWebhookToken, ae.Code == codeUnknownWebhook, ae.Code == codeUnknownInteraction,
			ae.Status == http.StatusUnauthorized:
			return errTokenInvalid
		case ae.Code == codeUnknownMessage, ae.Code == codeUnknownChannel:
			return errGone
		case ae.Status == http.StatusForbidden:
			return errForbidden
		case ae.Status >= 500:
			return errTransient
		}
		return errOther
	}
	// Anything else came from the HTTP client: the network or a timeout.
	return errTransient
}

func isNetTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// retryAfter returns the wait a 429 asked for.
func retryAfter(err error) time.Duration {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.RetryAfter
	}
	return 0
}

// uploadRefused reports whether Discord refused a request for its files:
// Missing Permissions (no Attach Files), a file too large, or another 4xx
// that the same request without files may not get.
func uploadRefused(err error) bool {
	var ae *apiError
	if !errors.As(err, &ae) {
		return false
	}
	switch {
	case ae.Code == codeMissingPermissions, ae.Code == codeEntityTooLarge, ae.Status == http.StatusRequestEntityTooLarge:
		return true
	}
	return classify(err) == errOther
}

// retry calls f until it succeeds, fails for good (anything but a 429, a
// 5xx or a network error), has been called tries times or ctx ends. Before
// call n+1 it waits what a 429 asked for, and at least first<<(n-1).
func retry(ctx context.Context, tries int, first time.Duration, f func() error) error {
	for try := 1; ; try++ {
		err := f()
		if kind := classify(err); (kind != errRateLimited && kind != errTransient) || try >= tries ||
			!tasks.Sleep(ctx, max(retryAfter(err), first<<(try-1))) {
			return err
		}
	}
}
