package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"

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

// outMessage is the body of a message create or edit. Nil pointers leave a
// field unchanged on edits; Attachments = &[] (with Files) replaces every
// file of the message instead of appending to them.
type outMessage struct {
	Content         *string                           `json:"content,omitempty"`
	Embeds          *[]*discordgo.MessageEmbed        `json:"embeds,omitempty"`
	Components      *[]discordgo.MessageComponent     `json:"components,omitempty"`
	Attachments     *[]*discordgo.MessageAttachment   `json:"attachments,omitempty"`
	AllowedMentions *discordgo.MessageAllowedMentions `json:"allowed_mentions,omitempty"`
	Flags           discordgo.MessageFlags            `json:"flags,omitempty"`
}

// file is an upload; it is kept as bytes so that a retry can send it again.
type file struct {
	Name        string
	ContentType string
	Data        []byte
}

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

// decodeMessage reads a message answer; an empty body gives nil.
func decodeMessage(route string, body []byte) (*discordgo.Message, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	var m discordgo.Message
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, &requestError{Route: route, Err: err}
	}
	return &m, nil
}

// respond sends the interaction callback (without files). With withMessage it asks for the
// created message (?with_response=true), which a deferred response needs so
// that it can later be edited with the bot token; the message is nil if
// Discord (or a proxy) answers 204.
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
	var out struct {
		Resource struct {
			Message *discordgo.Message `json:"message"`
		} `json:"resource"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, &requestError{Route: routeCallback, Err: err}
	}
	return out.Resource.Message, nil
}

func (r *rest) editOriginal(ctx context.Context, bucket, appID, token string, m *outMessage, files []file) (*discordgo.Message, error) {
	url := discordgo.EndpointWebhookMessage(appID, token, "@original")
	body, err := r.do(ctx, r.hooks, routeEditWebhook, http.MethodPatch, url, bucket, m, files)
	if err != nil {
		return nil, err
	}
	return decodeMessage(routeEditWebhook, body)
}

func (r *rest) editMessage(ctx context.Context, channelID, messageID string, m *outMessage, files []file) (*discordgo.Message, error) {
	url := discordgo.EndpointChannelMessage(channelID, messageID)
	// One bucket per channel and method, as Discord limits them.
	body, err := r.do(ctx, r.bot, routeEditMessage, http.MethodPatch, url, "imaginebot/edit/"+channelID, m, files)
	if err != nil {
		return nil, err
	}
	return decodeMessage(routeEditMessage, body)
}

func (r *rest) postMessage(ctx context.Context, channelID string, m *outMessage, files []file) (*discordgo.Message, error) {
	url := discordgo.EndpointChannelMessages(channelID)
	body, err := r.do(ctx, r.bot, routePostMessage, http.MethodPost, url, "imaginebot/post/"+channelID, m, files)
	if err != nil {
		return nil, err
	}
	return decodeMessage(routePostMessage, body)
}

// openDM opens (or finds) the DM channel with a user.
func (r *rest) openDM(ctx context.Context, userID string) (string, error) {
	body, err := r.do(ctx, r.bot, routeOpenDM, http.MethodPost, discordgo.EndpointUserChannels("@me"), "imaginebot/dm",
		map[string]string{"recipient_id": userID}, nil)
	if err != nil {
		return "", err
	}
	var ch struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &ch); err != nil || ch.ID == "" {
		return "", &requestError{Route: routeOpenDM, Err: fmt.Errorf("no channel in the answer: %v", err)}
	}
	return ch.ID, nil
}
