package sd_test

import (
	"bytes"
	"image/png"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/sd"
	"github.com/imaginebot/imaginebot/internal/sdsim"
)

// fastSim starts a simulated server whose jobs take a few milliseconds.
func fastSim(t *testing.T, opts sdsim.Options) *sdsim.Server {
	t.Helper()
	if opts.StepDelay == 0 {
		opts.StepDelay = 2 * time.Millisecond
	}
	srv := sdsim.NewServer(opts)
	t.Cleanup(srv.Close)
	return srv
}

// newClient returns a client for srv that polls every 5ms; edit adjusts cfg.
func newClient(t *testing.T, srv *sdsim.Server, edit func(*sd.Config)) *sd.Client {
	t.Helper()
	cfg := sd.Config{URL: srv.URL, PollInterval: 5 * time.Millisecond, Timeout: 10 * time.Second, Logger: testLogger(t)}
	if edit != nil {
		edit(&cfg)
	}
	c, err := sd.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// testLogger logs through t, so that a failing test shows the client's debug
// lines.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// pngSize decodes img's PNG header.
func pngSize(t *testing.T, img []byte) (w, h int) {
	t.Helper()
	cfg, err := png.DecodeConfig(bytes.NewReader(img))
	if err != nil {
		t.Fatalf("image is not a PNG: %v", err)
	}
	return cfg.Width, cfg.Height
}

// records returns the simulated server's requests to path.
func records(srv *sdsim.Server, method, path string) []sdsim.Record {
	var out []sdsim.Record
	for _, r := range srv.Records() {
		if r.Method == method && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}
