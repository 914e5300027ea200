package sdbackend

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/sd"
	"github.com/imaginebot/imaginebot/internal/sdsim"
)

func newBackend(t *testing.T, opts sdsim.Options) (*Backend, *sdsim.Server) {
	t.Helper()
	srv := sdsim.NewServer(opts)
	t.Cleanup(srv.Close)
	c, err := sd.New(sd.Config{URL: srv.URL, PollInterval: 5 * time.Millisecond, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return New(c), srv
}

func params() imagine.Params {
	return imagine.Params{Prompt: "a cat", UserPrompt: "a cat", Width: 64, Height: 96, Steps: 8, Seed: 42, BatchSize: 2, CFGScale: 7}
}

func TestGenerate(t *testing.T) {
	for _, flavor := range []sdsim.Flavor{sdsim.FlavorSeed, sdsim.FlavorA1111, sdsim.FlavorGlobal} {
		t.Run(flavor.String(), func(t *testing.T) {
			b, _ := newBackend(t, sdsim.Options{Flavor: flavor, StepDelay: 10 * time.Millisecond})
			var samples []imagine.Progress
			res, err := b.Generate(context.Background(), params(), func(p imagine.Progress) { samples = append(samples, p) })
			if err != nil {
				t.Fatalf("Generate: %v", err)
			}
			if len(res.Images) != 2 || len(res.Seeds) != 2 || res.Seeds[0] != 42 || res.Seeds[1] != 43 || res.Model == "" {
				t.Fatalf("result = %d images, seeds %v, model %q; want 2 images, seeds [42 43] and a model", len(res.Images), res.Seeds, res.Model)
			}
			img, err := png.Decode(bytes.NewReader(res.Images[0]))
			if err != nil || img.Bounds().Dx() != 64 || img.Bounds().Dy() != 96 {
				t.Errorf("image: %v, bounds %v, want a 64x96 PNG", err, img.Bounds())
			}
			previews := 0
			for _, p := range samples {
				if p.Preview != nil {
					previews++
				}
			}
			if len(samples) == 0 || previews == 0 {
				t.Errorf("got %d progress samples with %d previews, want some of each", len(samples), previews)
			}
		})
	}
}

func TestGenerateHiresSendsDenoising(t *testing.T) {
	b, srv := newBackend(t, sdsim.Options{StepDelay: time.Millisecond})
	p := params()
	p.BatchSize, p.EnableHR, p.HRUpscaler, p.HRScale, p.DenoisingStrength = 1, true, "ESRGAN_4x", 2, 0.5
	res, err := b.Generate(context.Background(), p, nil)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	img, _ := png.Decode(bytes.NewReader(res.Images[0]))
	if img.Bounds().Dx() != 128 || img.Bounds().Dy() != 192 {
		t.Errorf("hires image is %v, want 128x192", img.Bounds())
	}
	var body string
	for _, r := range srv.Records() {
		if r.Path == "/sdapi/v1/txt2img" {
			body = string(r.Body)
		}
	}
	for _, want := range []string{`"enable_hr":true`, `"denoising_strength":0.5`, `"hr_upscaler":"ESRGAN_4x"`} {
		if !bytes.Contains([]byte(body), []byte(want)) {
			t.Errorf("txt2img body %s lacks %s", body, want)
		}
	}
}

func TestErrorsAreClassified(t *testing.T) {
	tests := []struct {
		fault sdsim.FaultKind
		want  error
		words string
	}{
		{sdsim.FaultDown, imagine.ErrBackendDown, "not reachable"},
		{sdsim.FaultOOM, imagine.ErrOutOfMemory, "GPU memory"},
		{sdsim.FaultValidation, imagine.ErrRejected, "steps"},
		{sdsim.FaultMalformed, imagine.ErrBackend, "had an error"},
		{sdsim.FaultHang, imagine.ErrTimeout, "took too long"},
		{sdsim.FaultNoImages, imagine.ErrNoImage, "The image server returned no image. Please try again."},
		{sdsim.FaultEmptyImage, imagine.ErrNoImage, "The image server returned no image. Please try again."},
		{sdsim.FaultNullImage, imagine.ErrNoImage, "The image server returned no image. Please try again."},
		{sdsim.FaultBadBase64, imagine.ErrNoImage, "The image server returned no image. Please try again."},
		{sdsim.FaultNotImage, imagine.ErrNoImage, "The image server returned no image. Please try again."},
	}
	for _, tt := range tests {
		t.Run(tt.fault.String(), func(t *testing.T) {
			srv := sdsim.NewServer(sdsim.Options{StepDelay: time.Millisecond})
			defer srv.Close()
			c, _ := sd.New(sd.Config{URL: srv.URL, PollInterval: 5 * time.Millisecond, Timeout: 300 * time.Millisecond})
			srv.SetFault(sdsim.Fault{Kind: tt.fault, Path: "/sdapi/v1/txt2img"})
			_, err := New(c).Generate(context.Background(), params(), nil)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Generate error = %v, want %v", err, tt.want)
			}
			if got := imagine.Describe(err, "en"); !bytes.Contains([]byte(got), []byte(tt.words)) {
				t.Errorf("Describe = %q, want it to contain %q", got, tt.words)
			}
			if tt.want == imagine.ErrNoImage {
				if got, want := imagine.Describe(err, "zh-CN"), "图片服务器没有返回图片，请重试。"; got != want {
					t.Errorf("Describe in Chinese = %q, want %q", got, want)
				}
				if !errors.Is(err, sd.ErrNoImage) {
					t.Errorf("error %v does not keep the client's *sd.NoImageError for the log", err)
				}
			}
		})
	}
}

func TestModels(t *testing.T) {
	b, srv := newBackend(t, sdsim.Options{ModelLoadDelay: 10 * time.Millisecond})
	models, err := b.Models(context.Background())
	if err != nil || len(models) < 2 || models[1].Name == "" {
		t.Fatalf("Models = %+v, %v", models, err)
	}
	title, err := b.SwitchModel(context.Background(), models[1].Name)
	if err != nil || title != models[1].Title || srv.CurrentModel() != title {
		t.Fatalf("SwitchModel = %q, %v; server has %q", title, err, srv.CurrentModel())
	}
	if cur, err := b.CurrentModel(context.Background()); err != nil || cur != title {
		t.Errorf("CurrentModel = %q, %v, want %q", cur, err, title)
	}
	if _, err := b.SwitchModel(context.Background(), "nope"); !errors.Is(err, imagine.ErrModelNotFound) {
		t.Errorf("SwitchModel(nope) = %v, want ErrModelNotFound", err)
	}
	srv.SetFault(sdsim.Fault{Kind: sdsim.FaultLoadFails})
	if _, err := b.SwitchModel(context.Background(), models[0].Title); !errors.Is(err, imagine.ErrModelLoad) {
		t.Errorf("SwitchModel with a failing load = %v, want ErrModelLoad", err)
	}
}
