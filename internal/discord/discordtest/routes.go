package discordtest

import (
	"strings"
)

// Route names, as recorded in Call.Route and accepted by FailNext: the method and the path
// template below /api/v{9,10}.
const (
	RouteGetGateway            = "GET /gateway"
	RouteGetGatewayBot         = "GET /gateway/bot"
	RouteGetCurrentUser        = "GET /users/@me"
	RouteCreateDM              = "POST /users/@me/channels"
	RouteGetCurrentApplication = "GET /applications/@me"
	RouteGetOAuth2Application  = "GET /oauth2/applications/@me"
	RouteGetGlobalCommands     = "GET /applications/{application_id}/commands"
	RoutePutGlobalCommands     = "PUT /applications/{application_id}/commands"
	RouteGetGuildCommands      = "GET /applications/{application_id}/guilds/{guild_id}/commands"
	RoutePutGuildCommands      = "PUT /applications/{application_id}/guilds/{guild_id}/commands"
	RouteInteractionCallback   = "POST /interactions/{interaction_id}/{interaction_token}/callback"
	RouteExecuteWebhook        = "POST /webhooks/{application_id}/{interaction_token}"
	RouteGetWebhookMessage     = "GET /webhooks/{application_id}/{interaction_token}/messages/{message_id}"
	RouteEditWebhookMessage    = "PATCH /webhooks/{application_id}/{interaction_token}/messages/{message_id}"
	RouteDeleteWebhookMessage  = "DELETE /webhooks/{application_id}/{interaction_token}/messages/{message_id}"
	RouteGetChannel            = "GET /channels/{channel_id}"
	RouteGetChannelMessages    = "GET /channels/{channel_id}/messages"
	RouteCreateMessage         = "POST /channels/{channel_id}/messages"
	RouteGetMessage            = "GET /channels/{channel_id}/messages/{message_id}"
	RouteEditMessage           = "PATCH /channels/{channel_id}/messages/{message_id}"
	RouteDeleteMessage         = "DELETE /channels/{channel_id}/messages/{message_id}"
)

// limitGroup selects which RateLimits field applies to a route.
type limitGroup int

const (
	groupNone limitGroup = iota // interaction callbacks: not limited
	groupOther
	groupChannelMessages
	groupWebhooks
	groupCommands
)

// route is one REST endpoint of the fake.
type route struct {
	name   string
	method string
	segs   []string // path template segments; "{x}" matches any segment
	// botAuth routes require "Authorization: Bot <token>" and count against the global limit.
	botAuth bool
	group   limitGroup
	// major lists the parameters that key the rate-limit bucket besides the route itself.
	major  []string
	handle func(s *Server, rq *request) (status int, body any, err error)
}

func apiRoutes() []*route {
	mk := func(name string, botAuth bool, group limitGroup, major []string,
		h func(*Server, *request) (int, any, error)) *route {
		method, path, _ := strings.Cut(name, " ")
		return &route{name: name, method: method, segs: strings.Split(strings.Trim(path, "/"), "/"),
			botAuth: botAuth, group: group, major: major, handle: h}
	}
	webhook := []string{"application_id", "interaction_token"}
	channel := []string{"channel_id"}
	return []*route{
		mk(RouteGetGateway, false, groupOther, nil, (*Server).handleGateway),
		mk(RouteGetGatewayBot, true, groupOther, nil, (*Server).handleGatewayBot),
		mk(RouteGetCurrentUser, true, groupOther, nil, (*Server).handleCurrentUser),
		mk(RouteCreateDM, true, groupOther, nil, (*Server).handleCreateDM),
		mk(RouteGetCurrentApplication, true, groupOther, nil, (*Server).handleCurrentApplication),
		mk(RouteGetOAuth2Application, true, groupOther, nil, (*Server).handleCurrentApplication),
		mk(RouteGetGlobalCommands, true, groupCommands, nil, (*Server).handleGetCommands),
		mk(RoutePutGlobalCommands, true, groupCommands, nil, (*Server).handlePutCommands),
		mk(RouteGetGuildCommands, true, groupCommands, []string{"guild_id"}, (*Server).handleGetCommands),
		mk(RoutePutGuildCommands, true, groupCommands, []string{"guild_id"}, (*Server).handlePutCommands),
		mk(RouteInteractionCallback, false, groupNone, nil, (*Server).handleCallback),
		mk(RouteExecuteWebhook, false, groupWebhooks, webhook, (*Server).handleFollowup),
		mk(RouteGetWebhookMessage, false, groupWebhooks, webhook, (*Server).handleGetWebhookMessage),
		mk(RouteEditWebhookMessage, false, groupWebhooks, webhook, (*Server).handleEditWebhookMessage),
		mk(RouteDeleteWebhookMessage, false, groupWebhooks, webhook, (*Server).handleDeleteWebhookMessage),
		mk(RouteGetChannel, true, groupOther, channel, (*Server).handleGetChannel),
		mk(RouteGetChannelMessages, true, groupChannelMessages, channel, (*Server).handleListMessages),
		mk(RouteCreateMessage, true, groupChannelMessages, channel, (*Server).handleCreateMessage),
		mk(RouteGetMessage, true, groupChannelMessages, channel, (*Server).handleGetMessage),
		mk(RouteEditMessage, true, groupChannelMessages, channel, (*Server).handleEditMessage),
		mk(RouteDeleteMessage, true, groupChannelMessages, channel, (*Server).handleDeleteMessage),
	}
}

// match finds the route for the path segments (below the version) and method. pathFound reports
// whether some route has this path with another method, for 405 answers.
func matchRoute(routes []*route, method string, segs []string) (rt *route, params map[string]string, pathFound bool) {
	for _, r := range routes {
		p, ok := matchSegs(r.segs, segs)
		if !ok {
			continue
		}
		if r.method != method {
			pathFound = true
			continue
		}
		return r, p, true
	}
	return nil, nil, pathFound
}

func matchSegs(tmpl, segs []string) (map[string]string, bool) {
	if len(tmpl) != len(segs) {
		return nil, false
	}
	params := map[string]string{}
	for i, t := range tmpl {
		if strings.HasPrefix(t, "{") {
			if segs[i] == "" {
				return nil, false
			}
			params[t[1:len(t)-1]] = segs[i]
			continue
		}
		if t != segs[i] {
			return nil, false
		}
	}
	return params, true
}

// bucketKey is the rate-limit bucket of a request: the route plus its major parameters.
func (r *route) bucketKey(params map[string]string) string {
	key := r.name
	for _, m := range r.major {
		key += " " + m + "=" + params[m]
	}
	return key
}

func (s *Server) limitFor(g limitGroup) RateLimit {
	switch g {
	case groupChannelMessages:
		return s.opts.RateLimits.ChannelMessages
	case groupWebhooks:
		return s.opts.RateLimits.Webhooks
	case groupCommands:
		return s.opts.RateLimits.Commands
	default:
		return s.opts.RateLimits.Other
	}
}
