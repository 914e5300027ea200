package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// botAPI is the Bot API as the adapter uses it: one method call, with files
// for uploads (multipart). The result is the answer's "result" field.
// Failures are *apiError values for answers of the Bot API, other errors
// (network, context) otherwise; neither contains the token.
type botAPI interface {
	call(ctx context.Context, method string, params tgbotapi.Params, files []tgbotapi.RequestFile) (json.RawMessage, error)
}

// tgClient implements botAPI with telegram-bot-api v5. The library has no
// context support, so every call runs on a shallow copy of the BotAPI whose
// HTTP client carries the call's context.
type tgClient struct {
	bot   *tgbotapi.BotAPI
	http  *http.Client
	token string
}

// doerFunc adapts a function to tgbotapi.HTTPClient.
type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

// dial makes the first call, getMe (tgbotapi's constructor insists on it),
// and returns the client and the bot's own user.
func dial(ctx context.Context, apiURL, token string, hc *http.Client) (*tgClient, botUser, error) {
	c := &tgClient{http: hc, token: token}
	var status int
	endpoint := strings.ReplaceAll(apiURL, "%", "%%") + "/bot%s/%s"
	bot, err := tgbotapi.NewBotAPIWithClient(token, endpoint, c.doer(ctx, &status))
	if err != nil {
		return nil, botUser{}, c.wrap("getMe", err, status)
	}
	c.bot = bot
	me := botUser{ID: bot.Self.ID, Username: bot.Self.UserName, FirstName: bot.Self.FirstName}
	return c, me, nil
}

// doer returns an HTTP client for one call that runs under ctx and records
// the HTTP status (tgbotapi drops error_code on uploads).
func (c *tgClient) doer(ctx context.Context, status *int) tgbotapi.HTTPClient {
	return doerFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := c.http.Do(r.WithContext(ctx))
		if resp != nil {
			*status = resp.StatusCode
		}
		return resp, err
	})
}

func (c *tgClient) call(ctx context.Context, method string, params tgbotapi.Params, files []tgbotapi.RequestFile) (json.RawMessage, error) {
	var status int
	b := *c.bot
	b.Client = c.doer(ctx, &status)
	var resp *tgbotapi.APIResponse
	var err error
	if len(files) > 0 {
		resp, err = b.UploadFiles(method, params, files)
	} else {
		resp, err = b.MakeRequest(method, params)
	}
	if err != nil {
		return nil, c.wrap(method, err, status)
	}
	return resp.Result, nil
}

// wrap turns a tgbotapi error into an *apiError, or redacts the token from
// a transport error (whose text holds the request URL).
func (c *tgClient) wrap(method string, err error, status int) error {
	var te *tgbotapi.Error
	if errors.As(err, &te) {
		code := te.Code
		if code == 0 {
			code = status
		}
		if code == 0 {
			code = codeFromDescription(te.Message)
		}
		return &apiError{Method: method, Code: code, Description: te.Message, RetryAfter: te.RetryAfter, MigrateTo: te.MigrateToChatID}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = redact(ue.URL, c.token)
	}
	if status >= 400 {
		// An answer that is not the Bot API's JSON, e.g. a proxy's error page.
		return &apiError{Method: method, Code: status, Description: http.StatusText(status)}
	}
	return &redactedError{msg: fmt.Sprintf("telegram: %s: %s", method, redact(err.Error(), c.token)), err: err}
}

// apiError is an error answer of the Bot API.
type apiError struct {
	Method      string
	Code        int // error_code, which equals the HTTP status
	Description string
	RetryAfter  int   // parameters.retry_after of a 429, in Limits.RetryAfterUnit
	MigrateTo   int64 // parameters.migrate_to_chat_id
}

func (e *apiError) Error() string {
	return fmt.Sprintf("telegram: %s: %d %s", e.Method, e.Code, e.Description)
}

// redactedError is a transport error whose text has the token removed.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func redact(s, token string) string {
	if token == "" {
		return s
	}
	return strings.ReplaceAll(s, token, "<token>")
}

// codeFromDescription recovers the error code from a description such as
// "Bad Request: ...", for answers whose code was lost.
func codeFromDescription(d string) int {
	for prefix, code := range map[string]int{
		"Bad Request": 400, "Unauthorized": 401, "Forbidden": 403, "Not Found": 404,
		"Conflict": 409, "Too Many Requests": 429, "Internal Server Error": 500,
		"Bad Gateway": 502, "Service Unavailable": 503, "Gateway Timeout": 504,
	} {
		if strings.HasPrefix(d, prefix) {
			return code
		}
	}
	return 0
}

// asAPIError returns err's *apiError, or nil.
func asAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	return nil
}

// descHas reports whether err is an API error whose description contains s
// (case-insensitive, as Telegram's texts vary in case).
func descHas(err error, s ...string) bool {
	ae := asAPIError(err)
	if ae == nil {
		return false
	}
	d := strings.ToLower(ae.Description)
	for _, x := range s {
		if strings.Contains(d, strings.ToLower(x)) {
			return true
		}
	}
	return false
}

// isNotModified reports the harmless "message is not modified" answer.
func isNotModified(err error) bool { return descHas(err, "message is not modified") }

// isGone reports that a message or its chat can no longer be reached: the
// user deleted the message, blocked the bot or removed it from the group.
func isGone(err error) bool { return isMessageGone(err) || isChatGone(err) }

// isMessageGone reports that one message can no longer be edited or
// deleted, typically because someone deleted it; its chat still works.
func isMessageGone(err error) bool {
	return descHas(err, "message to edit not found", "message_id_invalid", "message to delete not found",
		"message can't be edited")
}

// isChatGone reports that the bot can no longer post in the chat: it was
// blocked or removed, the chat is gone, or it lacks the rights. A group
// that became a supergroup is not gone (see migratedTo).
func isChatGone(err error) bool {
	ae := asAPIError(err)
	if ae == nil || ae.MigrateTo != 0 {
		return false
	}
	if ae.Code == http.StatusForbidden {
		return true
	}
	if descHas(err, "not enough rights to send photos", "not enough rights to send documents", "not enough rights to send media") {
		// Only pictures are forbidden: the chat still takes text, so the
		// job goes on and its result ends in a text message.
		return false
	}
	return descHas(err, "chat not found", "group chat was upgraded", "not enough rights", "bot was kicked")
}

// migratedTo returns the supergroup a group became, from a 400 with
// parameters.migrate_to_chat_id, or 0.
func migratedTo(err error) int64 {
	if ae := asAPIError(err); ae != nil {
		return ae.MigrateTo
	}
	return 0
}

// isRefused reports an answer that refuses this one request for good: a
// client error other than a flood wait or a moved group. Retrying the same
// request cannot help.
func isRefused(err error) bool {
	ae := asAPIError(err)
	return ae != nil && ae.Code >= 400 && ae.Code < 500 && ae.Code != http.StatusTooManyRequests &&
		ae.RetryAfter == 0 && ae.MigrateTo == 0
}

// isTransient reports a failure worth retrying: the network, or a server
// error on Telegram's side.
func isTransient(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	ae := asAPIError(err)
	return ae == nil || ae.Code >= 500
}

// retryAfter returns a 429's retry_after in units, or 0.
func retryAfter(err error) int {
	if ae := asAPIError(err); ae != nil && (ae.Code == http.StatusTooManyRequests || ae.RetryAfter > 0) {
		return max(ae.RetryAfter, 1)
	}
	return 0
}

// isPhotoRejected reports that Telegram refused an image as a photo (too
// large, bad dimensions, unreadable), so it should go as a document.
func isPhotoRejected(err error) bool {
	return descHas(err, "PHOTO_INVALID_DIMENSIONS", "PHOTO_SAVE_FILE_INVALID", "IMAGE_PROCESS_FAILED",
		"PHOTO_EXT_INVALID", "wrong type of the web page content", "too big")
}
