package sdtest

import (
	"net/http"
	"net/http/httptest"
)

// Server is a Sim behind an httptest.Server on loopback, like
// httptest.NewServer.
type Server struct {
	*Sim
	// URL is the base URL, e.g. "http://127.0.0.1:41234", without a trailing
	// slash.
	URL string

	ts *httptest.Server
}

// NewServer starts a Sim configured by opts on a loopback port. The caller
// must Close it.
func NewServer(opts Options) *Server {
	sim := New(opts)
	ts := httptest.NewServer(sim)
	return &Server{Sim: sim, URL: ts.URL, ts: ts}
}

// Client returns an http.Client configured for the server.
func (s *Server) Client() *http.Client { return s.ts.Client() }

// Close closes the Sim first, so that hanging handlers and running jobs
// return, then the httptest server, which waits for its handlers.
func (s *Server) Close() {
	s.Sim.Close()
	s.ts.Close()
}
