package sdsim

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// Server is a Sim served over HTTP on a loopback port.
type Server struct {
	*Sim
	// URL is the base URL, e.g. "http://127.0.0.1:41234", without a trailing
	// slash.
	URL string

	srv    *http.Server
	client *http.Client
	served chan struct{} // closed when Serve has returned
}

// NewServer starts a Sim configured by opts on a loopback port. The caller
// must Close it. It panics if no loopback port can be opened, as a program
// that cannot listen on loopback cannot use the simulator at all.
func NewServer(opts Options) *Server {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		if ln, err = net.Listen("tcp6", "[::1]:0"); err != nil {
			panic("sdsim: failed to listen on a loopback port: " + err.Error())
		}
	}
	sim := New(opts)
	s := &Server{
		Sim:    sim,
		URL:    "http://" + ln.Addr().String(),
		srv:    &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second},
		client: &http.Client{Transport: &http.Transport{}},
		served: make(chan struct{}),
	}
	go func() {
		defer close(s.served)
		// Serve returns http.ErrServerClosed after Close; any other error
		// means the listener broke, and requests then fail to connect.
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			sim.log.Error("sdsim: serve", "err", err)
		}
	}()
	return s
}

// Client returns an http.Client for the server; Close closes its idle
// connections.
func (s *Server) Client() *http.Client { return s.client }

// Close closes the Sim first, so that hanging handlers and running jobs
// return, then the HTTP server, which waits for its handlers.
func (s *Server) Close() {
	s.Sim.Close()
	// Without a deadline, like httptest.Server.Close: the handlers return
	// once the Sim is closed.
	_ = s.srv.Shutdown(context.Background())
	<-s.served
	s.client.CloseIdleConnections()
}
