package comfyui

import (
	"context"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/comfysim"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// BenchmarkFirstPreview measures the time from Generate to the first
// preview on comfysim (512x512, JPEG previews, 1ms steps): checkpoint
// lookup, POST /prompt, execution start and the first step's frame,
// decoded. The websocket stays open between jobs, as in a backlog.
func BenchmarkFirstPreview(b *testing.B) {
	sim := comfysim.New(comfysim.Options{StepDelay: time.Millisecond})
	defer sim.Close()
	ts := newBenchServer(sim)
	defer ts.Close()
	be, err := New(Config{URL: ts.URL})
	if err != nil {
		b.Fatal(err)
	}
	defer be.Close()
	p := imagine.Params{Prompt: "bench", Width: 512, Height: 512, Steps: 2, Seed: 1, BatchSize: 1, CFGScale: 7}
	var total time.Duration
	for b.Loop() {
		ctx, cancel := context.WithCancel(context.Background())
		start := time.Now()
		var first time.Duration
		_, err := be.Generate(ctx, p, func(pr imagine.Progress) {
			if pr.Preview != nil && first == 0 {
				first = time.Since(start)
			}
		})
		cancel()
		if err != nil || first == 0 {
			b.Fatalf("err %v, first preview %v", err, first)
		}
		total += first
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N)/1000, "ms/first-preview")
}
