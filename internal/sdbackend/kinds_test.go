package sdbackend

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/sdsim"
)

func pngPicture(t testing.TB, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func lastBody(t testing.TB, srv *sdsim.Server, path string) (sdsim.Record, map[string]any) {
	t.Helper()
	var rec *sdsim.Record
	for _, r := range srv.Records() {
		if r.Path == path {
			rec = &r
		}
	}
	if rec == nil {
		t.Fatalf("no call to %s", path)
	}
	var body map[string]any
	if err := json.Unmarshal(rec.Body, &body); err != nil {
		t.Fatal(err)
	}
	return *rec, body
}

// TestGenerateKinds: each kind goes to its endpoint with its fields.
func TestGenerateKinds(t *testing.T) {
	b, srv := newBackend(t, sdsim.Options{StepDelay: time.Millisecond})
	ctx := context.Background()
	pic := pngPicture(t, 120, 80)

	p := params()
	p.Kind, p.Init, p.Strength = imagine.KindImg2Img, &imagine.InputImage{Data: pic, Format: "png", Width: 120, Height: 80}, 0.35
	res, err := b.Generate(ctx, p, nil)
	if err != nil || len(res.Images) != 2 || res.Seeds[1] != 43 {
		t.Fatalf("img2img: %v, %+v", err, res)
	}
	rec, body := lastBody(t, srv, "/sdapi/v1/img2img")
	if !bytes.Equal(rec.InitImage, pic) || body["denoising_strength"] != 0.35 || body["resize_mode"] != 1.0 || body["width"] != 64.0 {
		t.Errorf("img2img body %v", body)
	}
	if _, ok := body["subseed_strength"]; ok {
		t.Error("a plain img2img sends a subseed strength")
	}

	p = params()
	p.Kind, p.Subseed, p.SubseedStrength = imagine.KindVary, -1, 0.15
	res, err = b.Generate(ctx, p, nil)
	if err != nil || len(res.Seeds) != 2 || res.Seeds[0] != 42 || res.Seeds[1] != 42 {
		t.Fatalf("variation: %v, %+v; want both images with seed 42", err, res)
	}
	_, body = lastBody(t, srv, "/sdapi/v1/txt2img")
	if body["subseed"] != -1.0 || body["subseed_strength"] != 0.15 {
		t.Errorf("variation body %v", body)
	}

	p = imagine.Params{Kind: imagine.KindUpscale, Init: &imagine.InputImage{Data: pic}, Seed: 9, BatchSize: 1, UpscaleBy: 2, Upscaler: "R-ESRGAN 4x+"}
	res, err = b.Generate(ctx, p, nil)
	if err != nil || len(res.Images) != 1 || res.Seeds[0] != 9 {
		t.Fatalf("upscale: %v, %+v", err, res)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(res.Images[0]))
	if err != nil || cfg.Width != 240 || cfg.Height != 160 {
		t.Errorf("upscaled image %dx%d (%v), want 240x160", cfg.Width, cfg.Height, err)
	}
	p.Upscaler = "No Such Upscaler"
	if _, err := b.Generate(ctx, p, nil); !errors.Is(err, imagine.ErrBackend) {
		t.Errorf("unknown upscaler: %v, want ErrBackend", err)
	}
	p.Init = nil
	if _, err := b.Generate(ctx, p, nil); err == nil {
		t.Error("an upscale without a picture succeeded")
	}
	if srv.Txt2ImgCount() != 1 || srv.Img2ImgCount() != 1 || srv.UpscaleCount() != 1 {
		t.Errorf("counts txt2img %d img2img %d upscale %d; want 1 each", srv.Txt2ImgCount(), srv.Img2ImgCount(), srv.UpscaleCount())
	}
}
