package discordtest

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"time"
)

// Call is one REST request the fake received.
type Call struct {
	Method string
	// Route is the route name (one of the Route constants), or "" for an unknown path.
	Route string
	// Path is the request path as sent; interaction routes contain the token.
	Path string
	// Status is the HTTP status the fake answered.
	Status int
	// Code is the Discord error code of an error answer, 0 otherwise.
	Code int
	// Bucket is the rate-limit bucket key, "" for routes that are not limited.
	Bucket string
	// Payload is the JSON body, or the payload_json part of a multipart body.
	Payload json.RawMessage
	// Files lists the names of the uploaded files, in part order.
	Files []string
	// At is the arrival time on the fake's clock.
	At time.Time
}

// Calls returns every REST request received so far, in the order they were answered.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.calls))
	for i, c := range s.calls {
		out[i] = c.clone()
	}
	return out
}

func (c Call) clone() Call {
	c.Payload = slices.Clone(c.Payload)
	c.Files = slices.Clone(c.Files)
	return c
}

// CallsTo returns the recorded requests to one route.
func (s *Server) CallsTo(route string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if c.Route == route {
			out = append(out, c.clone())
		}
	}
	return out
}

// Count429 returns how many 429 Too Many Requests answers the fake has served.
func (s *Server) Count429() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count429
}

// fault is an injected failure of the next calls to a route.
type fault struct {
	remaining int
	status    int
}

// FailNext makes the next n requests to route (a Route constant) fail with the HTTP status, for
// example 500 or 502, with Discord's generic error body and no rate-limit headers. A later call
// for the same route replaces the earlier one; n = 0 cancels it.
func (s *Server) FailNext(route string, n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n <= 0 {
		delete(s.faults, route)
		return
	}
	s.faults[route] = &fault{remaining: n, status: status}
}

// takeFault consumes one injected failure of route, if any.
func (s *Server) takeFault(route string) (status int, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults[route]
	if f == nil {
		return 0, false
	}
	f.remaining--
	if f.remaining <= 0 {
		delete(s.faults, route)
	}
	return f.status, true
}

// notifier broadcasts "something changed" to any number of waiters.
type notifier struct {
	mu sync.Mutex    // guards ch
	ch chan struct{} // closed and cleared by broadcast
}

func (n *notifier) wait() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ch == nil {
		n.ch = make(chan struct{})
	}
	return n.ch
}

func (n *notifier) broadcast() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ch != nil {
		close(n.ch)
		n.ch = nil
	}
}

// Changed returns a channel that is closed at the next change of the fake's state: a REST
// request served, a gateway connection opened, identified, resumed or closed, an interaction
// dispatched or a message changed.
func (s *Server) Changed() <-chan struct{} { return s.changed.wait() }

// WaitFor calls cond now and after every change until it returns true, and returns nil then, or
// ctx.Err() when ctx ends first. cond may call the Server's methods.
func (s *Server) WaitFor(ctx context.Context, cond func() bool) error {
	for {
		ch := s.changed.wait()
		if cond() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
