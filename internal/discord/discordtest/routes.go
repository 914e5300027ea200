package discordtest

import (
	"strings"
)

// Route names, as recorded in Call.Route and accepted by FailNext: the method and the path
// template below /api/v{9,10}. They are the routes the bot calls (through discordgo); every other
// request answers 501 Not Implemented.
const (
	RouteGetGateway           = "GET /gateway"
	RouteGetCurrentUser       = "GET /users/@me"
	RouteCreateDM             = "POST /users/@me/channels"
	RouteGetOAuth2Application = "GET /oauth2/applications/@me"
	RoutePutGlobalCommands    = "PUT /applications/{application_id}/commands"
	RoutePutGuildCommands     = "PUT /applications/{application_id}/guilds/{guild_id}/commands"
	RouteInteractionCallback  = "POST /interactions/{interaction_id}/{interaction_token}/callback"
	RouteEditWebhookMessage   = "PATCH /webhooks/{application_id}/{interaction_token}/messages/{message_id}"
	RouteCreateMessage        = "POST /channels/{channel_id}/messages"
	RouteEditMessage          = "PATCH /channels/{channel_id}/messages/{message_id}"
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
		mk(RouteGetCurrentUser, true, groupOther, nil, (*Server).handleCurrentUser),
		mk(RouteCreateDM, true, groupOther, nil, (*Server).handleCreateDM),
		mk(RouteGetOAuth2Application, true, groupOther, nil, (*Server).handleCurrentApplication),
		mk(RoutePutGlobalCommands, true, groupCommands, nil, (*Server).handlePutCommands),
		mk(RoutePutGuildCommands, true, groupCommands, []string{"guild_id"}, (*Server).handlePutCommands),
		mk(RouteInteractionCallback, false, groupNone, nil, (*Server).handleCallback),
		mk(RouteEditWebhookMessage, false, groupWebhooks, webhook, (*Server).handleEditWebhookMessage),
		mk(RouteCreateMessage, true, groupChannelMessages, channel, (*Server).handleCreateMessage),
		mk(RouteEditMessage, true, groupChannelMessages, channel, (*Server).handleEditMessage),
	}
}

// matchRoute finds the route for the method and the path segments below the version.
func matchRoute(routes []*route, method string, segs []string) (*route, map[string]string) {
	for _, r := range routes {
		if p, ok := matchSegs(r.segs, segs); ok && r.method == method {
			return r, p
		}
	}
	return nil, nil
}

// unimplemented is the 501 answer to a request for a route the fake does not serve. It names
// the route with its ids and tokens replaced by {id}, so that no interaction token is echoed.
func unimplemented(method string, segs []string) *apiError {
	named := make([]string, len(segs))
	for i, seg := range segs {
		named[i] = seg
		if strings.Trim(seg, "abcdefghijklmnopqrstuvwxyz_-@") != "" {
			named[i] = "{id}"
		}
	}
	return errNotImplemented(method + " /" + strings.Join(named, "/"))
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
