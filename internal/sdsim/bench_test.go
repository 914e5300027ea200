package sdsim_test

import (
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/sdsim"
)

// BenchmarkTxt2Img512 measures a whole 512×512 txt2img (20 instant steps,
// render, PNG, base64, JSON) through the handler.
func BenchmarkTxt2Img512(b *testing.B) {
	sim := sdsim.New(sdsim.Options{StepDelay: time.Nanosecond})
	defer sim.Close()
	c := memClient(b, sim)
	req := map[string]any{"prompt": "bench", "steps": 20, "width": 512, "height": 512, "seed": 1}
	b.ReportAllocs()
	for b.Loop() {
		if status, body := c.post("/sdapi/v1/txt2img", req); status != 200 {
			b.Fatalf("status %d: %.200s", status, body)
		}
	}
}
