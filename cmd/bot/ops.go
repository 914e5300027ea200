package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/imaginebot/imaginebot/internal/health"
	"github.com/imaginebot/imaginebot/internal/metrics"
)

// opsServer serves /healthz and /metrics on http.listen.
type opsServer struct {
	ln  net.Listener
	srv *http.Server
	log *slog.Logger
}

// newOpsServer listens on addr (so a taken port fails the start) and
// routes the health checks and metrics.
func newOpsServer(addr string, checks []health.Check, m *metrics.Metrics, log *slog.Logger) (*opsServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("http.listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", health.New(5*time.Second, checks...))
	mux.Handle("GET /metrics", m.Handler())
	return &opsServer{
		ln:  ln,
		srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second},
		log: log,
	}, nil
}

// Run serves until ctx ends, then shuts down within 5 seconds.
func (o *opsServer) Run(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- o.srv.Serve(o.ln) }()
	o.log.Info("serving /healthz and /metrics", "addr", o.ln.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	err := o.srv.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}
