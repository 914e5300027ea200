package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Route names, for errors and logs: path templates without ids or tokens.
const (
	routeCallback    = "POST /interactions/{id}/{token}/callback"
	routeEditWebhook = "PATCH /webhooks/{application}/{token}/messages/@original"
	routeEditMessage = "PATCH /channels/{channel}/messages/{message}"
	routePostMessage = "POST /channels/{channel}/messages"
	routeOpenDM      = "POST /users/@me/channels"
)

// messageAPI is what the editor needs from Discord to deliver a message.
type messageAPI interface {
	editOriginal(ctx context.Context, bucket, appID, token string, m *outMessage, files []file) (*discordgo.Message, error)
	editMessage(ctx context.Context, channelID, messageID string, m *outMessage, files []file) (*discordgo.Message, error)
	postMessage(ctx context.Context, channelID string, m *outMessage, files []file) (*discordgo.Message, error)
	openDM(ctx context.Context, userID string) (channelID string, err error)
}

// rest makes REST calls through discordgo sessions. Every call honours ctx
// (except discordgo's own waits for a rate-limit bucket, which are short),
// never retries a 429 by itself and returns sanitized errors.
//
// Interaction endpoints (callbacks and webhook edits with the interaction
// token) go through a session of their own that never opens a gateway:
// Discord does not count them against the bot's global rate limit, and a
// global 429 on a bot-token route, which locks every bucket of discordgo's
// limiter, must not delay the acknowledgement of an interaction.
type rest struct {
	bot       *discordgo.Session // bot-token routes; also holds the gateway
	hooks     *discordgo.Session // interaction endpoints
	callbacks slotPool           // bucket keys for interaction callbacks
	webhooks  slotPool           // bucket keys for job messages' webhook edits
}

var _ messageAPI = (*rest)(nil)

func newREST(bot, hooks *discordgo.Session) *rest {
	return &rest{bot: bot, hooks: hooks,
		callbacks: slotPool{prefix: "imaginebot/callback/"}, webhooks: slotPool{prefix: "imaginebot/webhook/"}}
}

// do sends one request with session s. bucket is the key of discordgo's
// rate-limit bucket.
func (r *rest) do(ctx context.Context, s *discordgo.Session, route, method, url, bucket string, body any, files []file) ([]byte, error) {
	var ctype string
	var data []byte
	var err error
	switch {
	case len(files) > 0:
		dg := make([]*discordgo.File, len(files))
		for i, f := range files {
			dg[i] = &discordgo.File{Name: f.Name, ContentType: f.ContentType, Reader: bytes.NewReader(f.Data)}
		}
		ctype, data, err = discordgo.MultipartBodyWithJSON(body, dg)
	case body != nil:
		ctype = "application/json"
		data, err = json.Marshal(body)
	}
	if err != nil {
		return nil, &requestError{Route: route, Err: err}
	}
	resp, err := s.RequestRaw(method, url, ctype, data, bucket, 0,
		discordgo.WithContext(ctx), discordgo.WithRetryOnRatelimit(false), discordgo.WithRestRetries(1))
	if err != nil {
		return nil, &requestError{Route: route, Err: sanitize(err)}
	}
	return resp, nil
}

// message sends a request whose answer is a message; an empty answer gives
// nil.
func (r *rest) message(ctx context.Context, s *discordgo.Session, route, method, url, bucket string, m *outMessage, files []file) (*discordgo.Message, error) {
	body, err := r.do(ctx, s, route, method, url, bucket, m, files)
	if err != nil || len(bytes.TrimSpace(body)) == 0 {
		return nil, err
	}
	var msg discordgo.Message
	if err := json.Unmarshal(body, &msg); err != nil {
		return nil, &requestError{Route: route, Err: err}
	}
	return &msg, nil
}

// respond sends the interaction callback (without files). With withMessage
// it asks for the created message (?with_response=true), which a deferred
// response needs so that it can later be edited with the bot token; the
// message is nil if Discord (or a proxy) answers 204.
func (r *rest) respond(ctx context.Context, i *discordgo.Interaction, resp *discordgo.InteractionResponse, withMessage bool) (*discordgo.Message, error) {
	url := discordgo.EndpointInteractionResponse(i.ID, i.Token)
	if withMessage {
		url += "?with_response=true"
	}
	bucket := r.callbacks.get()
	defer r.callbacks.put(bucket)
	body, err := r.do(ctx, r.hooks, routeCallback, http.MethodPost, url, bucket, resp, nil)
	if err != nil || !withMessage || len(bytes.TrimSpace(body)) == 0 {
		return nil, err
	}
	var out callbackResponse
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, &requestError{Route: routeCallback, Err: err}
	}
	return out.Resource.Message, nil
}

func (r *rest) editOriginal(ctx context.Context, bucket, appID, token string, m *outMessage, files []file) (*discordgo.Message, error) {
	url := discordgo.EndpointWebhookMessage(appID, token, "@original")
	return r.message(ctx, r.hooks, routeEditWebhook, http.MethodPatch, url, bucket, m, files)
}

// editMessage and postMessage use one bucket per channel and method, as
// Discord limits them.
func (r *rest) editMessage(ctx context.Context, channelID, messageID string, m *outMessage, files []file) (*discordgo.Message, error) {
	url := discordgo.EndpointChannelMessage(channelID, messageID)
	return r.message(ctx, r.bot, routeEditMessage, http.MethodPatch, url, "imaginebot/edit/"+channelID, m, files)
}

func (r *rest) postMessage(ctx context.Context, channelID string, m *outMessage, files []file) (*discordgo.Message, error) {
	url := discordgo.EndpointChannelMessages(channelID)
	return r.message(ctx, r.bot, routePostMessage, http.MethodPost, url, "imaginebot/post/"+channelID, m, files)
}

// openDM opens (or finds) the DM channel with a user.
func (r *rest) openDM(ctx context.Context, userID string) (string, error) {
	body, err := r.do(ctx, r.bot, routeOpenDM, http.MethodPost, discordgo.EndpointUserChannels("@me"), "imaginebot/dm",
		map[string]string{"recipient_id": userID}, nil)
	if err != nil {
		return "", err
	}
	var ch discordgo.Channel
	if err := json.Unmarshal(body, &ch); err != nil || ch.ID == "" {
		return "", &requestError{Route: routeOpenDM, Err: fmt.Errorf("no channel in the answer: %v", err)}
	}
	return ch.ID, nil
}

// restSession returns a session for REST calls through client.
func restSession(cfg Config, client *http.Client) *discordgo.Session {
	s, _ := discordgo.New(botToken(cfg.Token)) // only fails for email logins
	s.Client = client
	s.ShouldRetryOnRateLimit = false // 429s are the adapter's to honour, never retried blindly
	s.MaxRestRetries = 1
	return s
}

// apiTarget is where requests for https://discord.com go: scheme, host and a
// path prefix (for a REST proxy mounted below a path).
type apiTarget struct {
	scheme, host, prefix string
}

// parseAPIURL reads discord.api_url: "https://discord.com",
// "http://127.0.0.1:8080/", "https://proxy.example/discord" or a URL that
// already ends in /api or /api/v9. Everything from "/api" on is dropped: the
// paths discordgo builds keep their /api/v9.
func parseAPIURL(raw string) (apiTarget, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return apiTarget{}, fmt.Errorf("api url %q: %w", raw, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return apiTarget{}, fmt.Errorf("api url %q: want http(s)://host[/prefix]", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return apiTarget{}, fmt.Errorf("api url %q: credentials, queries and fragments are not supported", raw)
	}
	prefix := strings.TrimRight(u.Path, "/")
	if i := strings.Index(prefix+"/", "/api/"); i >= 0 {
		prefix = prefix[:i]
	}
	return apiTarget{scheme: u.Scheme, host: u.Host, prefix: prefix}, nil
}

func (t apiTarget) String() string { return t.scheme + "://" + t.host + t.prefix }

// errTransportClosed is returned for requests after the adapter stopped, so
// that nothing (discordgo's reconnect loop in particular) reaches Discord
// after Run returned.
var errTransportClosed = errors.New("discord: the adapter has stopped")

// rewriteTransport sends requests for discord.com to the configured API URL
// and refuses every other host. close ends the requests in flight too, even
// those discordgo sends without a context (GET /gateway inside Open). It is
// safe for concurrent use.
type rewriteTransport struct {
	target apiTarget
	base   http.RoundTripper
	closed atomic.Bool
	life   context.Context // cancelled by close
	end    context.CancelFunc
}

// discordHosts are the hosts discordgo's endpoints use.
var discordHosts = map[string]bool{"discord.com": true, "discordapp.com": true}

// RoundTrip implements http.RoundTripper.
func (t *rewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.closed.Load() {
		closeBody(req)
		return nil, errTransportClosed
	}
	if !discordHosts[req.URL.Host] {
		closeBody(req)
		return nil, fmt.Errorf("discord: refusing a request to %s: only discord.com is served", req.URL.Host)
	}
	ctx, cancel := context.WithCancel(req.Context())
	stop := context.AfterFunc(t.life, cancel)
	release := func() {
		stop()
		cancel()
	}
	out := req.Clone(ctx)
	out.URL.Scheme = t.target.scheme
	out.URL.Host = t.target.host
	out.Host = t.target.host
	if t.target.prefix != "" {
		out.URL.Path = t.target.prefix + out.URL.Path
		if out.URL.RawPath != "" {
			out.URL.RawPath = t.target.prefix + out.URL.RawPath
		}
	}
	resp, err := t.base.RoundTrip(out)
	if err != nil {
		release()
		if t.closed.Load() {
			return nil, errTransportClosed
		}
		return nil, err
	}
	resp.Body = &releasingBody{ReadCloser: resp.Body, release: release}
	return resp, nil
}

// close makes every later request fail with errTransportClosed and cancels
// those in flight.
func (t *rewriteTransport) close() {
	t.closed.Store(true)
	t.end()
}

// releasingBody releases a request's context once its body is closed.
type releasingBody struct {
	io.ReadCloser
	release func()
	once    sync.Once
}

func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.release)
	return err
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// defaultTransport is the transport used when Config.HTTPClient has none:
// Go's defaults, which speak HTTP/2 to https://discord.com (negotiated with
// TLS, so that a burst of interaction callbacks shares one connection), and
// enough idle connections for a burst through an HTTP/1.1 proxy instead of
// the default two.
func defaultTransport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	return tr
}

// newHTTPClient returns the client for the session: base's settings (or
// defaults) with its transport wrapped by the rewriting one.
func newHTTPClient(base *http.Client, target apiTarget) (*http.Client, *rewriteTransport) {
	var c http.Client
	if base != nil {
		c = *base
	}
	rt := c.Transport
	if rt == nil {
		rt = defaultTransport()
	}
	if c.Timeout == 0 {
		c.Timeout = 60 * time.Second
	}
	life, end := context.WithCancel(context.Background())
	wrapped := &rewriteTransport{target: target, base: rt, life: life, end: end}
	c.Transport = wrapped
	return &c, wrapped
}
