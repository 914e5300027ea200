package comfyui

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"math/rand/v2"
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

// BenchmarkImg2ImgToPrompt measures the time from Generate of an img2img
// from a 5 MB photo to the simulated server's receipt of POST /prompt:
// checkpoint lookup, the multipart upload on loopback and the graph.
func BenchmarkImg2ImgToPrompt(b *testing.B) {
	sim := comfysim.New(comfysim.Options{StepDelay: time.Microsecond})
	defer sim.Close()
	ts := newBenchServer(sim)
	defer ts.Close()
	be, err := New(Config{URL: ts.URL})
	if err != nil {
		b.Fatal(err)
	}
	defer be.Close()
	photo := noisyJPEG(b, 2100, 1600)
	b.Logf("photo: %d bytes", len(photo))
	p := imagine.Params{Kind: imagine.KindImg2Img, Init: &imagine.InputImage{Data: photo, Format: "jpeg", Width: 2100, Height: 1600},
		Strength: 0.6, Prompt: "bench", Width: 584, Height: 448, Steps: 1, Seed: 1, BatchSize: 1, CFGScale: 7}
	var total time.Duration
	n := 0
	for b.Loop() {
		start := time.Now()
		if _, err := be.Generate(context.Background(), p, nil); err != nil {
			b.Fatal(err)
		}
		recs := sim.RecordsTo("POST", "/prompt")
		total += recs[len(recs)-1].Start.Sub(start)
		n++
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(n), "ms/generate-to-prompt")
}

// noisyJPEG is a w×h JPEG of noise, about 5 MB at 2100×1600, like a
// phone photo.
func noisyJPEG(b *testing.B, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = uint8(r.IntN(256))
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 98}); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}
