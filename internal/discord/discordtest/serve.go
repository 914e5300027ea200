package discordtest

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"
)

// request is one REST request being served.
type request struct {
	r       *http.Request
	route   *route
	params  map[string]string
	version int // 9 or 10
	now     time.Time
	call    *Call
	events  []msgEvent // gateway events to dispatch once the handler has returned
}

// msgEvent is a MESSAGE_CREATE, MESSAGE_UPDATE or MESSAGE_DELETE to dispatch.
type msgEvent struct {
	t string
	m *message
}

// emit queues a message event for dispatch after the handler (which holds Server.mu) returns.
func (rq *request) emit(t string, m *message) {
	rq.events = append(rq.events, msgEvent{t: t, m: m})
}

// asAPIError returns err as an *apiError, or a generic 400.
func asAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	return formError("", "BASE_TYPE_BAD_REQUEST", err.Error())
}

func (rq *request) param(name string) string { return rq.params[name] }

// serveAPI serves every /api/ request: it matches the route, checks authentication, injected
// faults and rate limits, runs the handler and records the call.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	now := s.now()
	call := &Call{Method: r.Method, Path: r.URL.Path, At: now}
	status, body := s.serveRoute(w, r, call, now)
	call.Status = status
	if e, ok := body.(*apiError); ok {
		call.Code = e.Code
		body = e.body()
	}
	s.mu.Lock()
	s.calls = append(s.calls, *call)
	if status == http.StatusTooManyRequests {
		s.count429++
	}
	s.mu.Unlock()
	s.log.Debug("rest", "route", call.Route, "status", status, "code", call.Code)
	writeJSON(w, status, body)
	s.changed.broadcast()
}

func (s *Server) serveRoute(w http.ResponseWriter, r *http.Request, call *Call, now time.Time) (int, any) {
	segs := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, "/api/"), "/"), "/")
	version := 0
	switch segs[0] {
	case "v9":
		version = 9
	case "v10":
		version = 10
	default:
		return http.StatusNotFound, errStatus(http.StatusNotFound)
	}
	rt, params := matchRoute(s.routes, r.Method, segs[1:])
	if rt == nil {
		e := unimplemented(r.Method, segs[1:])
		s.log.Warn(e.Message)
		return e.Status, e
	}
	call.Route = rt.name
	if rt.botAuth && r.Header.Get("Authorization") != "Bot "+s.opts.BotToken {
		return http.StatusUnauthorized, errStatus(http.StatusUnauthorized)
	}
	if status, ok := s.takeFault(rt.name); ok {
		return status, errStatus(status)
	}
	if rt.botAuth && s.opts.RateLimits.Global.Limit > 0 {
		if v := s.limits.take("global", s.opts.RateLimits.Global, time.Now()); !v.ok {
			return http.StatusTooManyRequests, rateLimited(w.Header(), v.after, true)
		}
	}
	if rt.group != groupNone {
		if rl := s.limitFor(rt.group); rl.Limit > 0 {
			call.Bucket = rt.bucketKey(params)
			v := s.limits.take(call.Bucket, rl, time.Now())
			setLimitHeaders(w.Header(), v, bucketHash(rt.name))
			if !v.ok {
				return http.StatusTooManyRequests, rateLimited(w.Header(), v.after, false)
			}
		}
	}
	rq := &request{r: r, route: rt, params: params, version: version, now: now, call: call}
	status, body, err := rt.handle(s, rq)
	s.flushEvents(rq.events)
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) {
			return ae.Status, ae
		}
		s.log.Error("handler failed", "route", rt.name, "err", err)
		return http.StatusInternalServerError, errStatus(http.StatusInternalServerError)
	}
	return status, body
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	if status == http.StatusNoContent || body == nil {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(body)
}
