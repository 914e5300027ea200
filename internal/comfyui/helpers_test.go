package comfyui

import (
	"bytes"
	"context"
	"image"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/comfysim"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// testWait bounds every wait in these tests; nothing should come close.
const testWait = 20 * time.Second

// newSim serves a comfysim on loopback; Cleanup closes it.
func newSim(t *testing.T, opts comfysim.Options) (*comfysim.Sim, *httptest.Server) {
	t.Helper()
	if opts.StepDelay == 0 {
		opts.StepDelay = time.Millisecond
	}
	sim := comfysim.New(opts)
	ts := httptest.NewServer(sim)
	t.Cleanup(func() {
		sim.Close()
		ts.Close()
	})
	return sim, ts
}

// newBackend returns a Backend for url; Cleanup closes it.
func newBackend(t *testing.T, cfg Config) *Backend {
	t.Helper()
	b, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	t.Cleanup(cancel)
	return ctx
}

func params(prompt string) imagine.Params {
	return imagine.Params{Prompt: prompt, NegativePrompt: "blurry", Width: 64, Height: 48, Steps: 6, Seed: 42, BatchSize: 1, CFGScale: 7}
}

// progressLog collects what Generate reports.
type progressLog struct {
	mu       sync.Mutex
	steps    []int
	previews [][]byte
}

func (l *progressLog) add(p imagine.Progress) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if p.Preview != nil {
		l.previews = append(l.previews, p.Preview)
	} else {
		l.steps = append(l.steps, p.Step)
	}
}

func decode(t *testing.T, data []byte) (image.Image, string) {
	t.Helper()
	img, format, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("image does not decode: %v", err)
	}
	return img, format
}

func newBenchServer(sim *comfysim.Sim) *httptest.Server { return httptest.NewServer(sim) }
