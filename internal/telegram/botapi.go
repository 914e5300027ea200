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

// tgClient is the Bot API through telegram-bot-api v5: one method call at
// a time. The library has no context support, so every call runs on a
// shallow copy of the BotAPI whose HTTP client carries the call's context.
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
	bot, err := tgbotapi.NewBotAPIWithClient(token, endpointOf(apiURL), c.doer(ctx, &status))
	if err != nil {
		return nil, botUser{}, c.wrap("getMe", err, status)
	}
	c.bot = bot
	me := botUser{ID: bot.Self.ID, Username: bot.Self.UserName, FirstName: bot.Self.FirstName}
	return c, me, nil
}

// endpointOf is tgbotapi's endpoint format for the Bot API at apiURL.
func endpointOf(apiURL string) string { return strings.ReplaceAll(apiURL, "%", "%%") + "/bot%s/%s" }

// newFileClient returns a client of the Bot API for getFile without
// calling the API (tgbotapi's constructor calls getMe): the adapter can
// fetch pictures before Run connected, for the jobs the core restores at
// start (Adapter.Input). Its Self is empty.
func newFileClient(apiURL, token string, hc *http.Client) *tgClient {
	bot := &tgbotapi.BotAPI{Token: token, Client: hc, Buffer: 100}
	bot.SetAPIEndpoint(endpointOf(apiURL))
	return &tgClient{bot: bot, http: hc, token: token}
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

// call makes one Bot API call, with files for uploads (multipart), and
// returns the answer's "result" field. Failures are *apiError values for
// answers of the Bot API, other errors (network, context) otherwise;
// neither contains the token.
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
