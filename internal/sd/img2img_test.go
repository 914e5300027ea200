package sd_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/imaginebot/imaginebot/internal/sd"
	"github.com/imaginebot/imaginebot/internal/sdsim"
)

func picture(t testing.TB, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestImg2ImgAgainstSim sends a picture over real HTTP: the server records
// exactly the picture sent, answers images of the requested size, and the
// progress is followed as for txt2img.
func TestImg2ImgAgainstSim(t *testing.T) {
	for _, flavor := range []sdsim.Flavor{sdsim.FlavorSeed, sdsim.FlavorA1111, sdsim.FlavorGlobal} {
		t.Run(flavor.String(), func(t *testing.T) {
			srv := fastSim(t, sdsim.Options{Flavor: flavor})
			c := newClient(t, srv, nil)
			pic := picture(t, 300, 200)
			var samples int
			sub := int64(7)
			resp, err := c.Img2Img(context.Background(), sd.Img2ImgRequest{
				InitImage: pic, DenoisingStrength: 0.45, ResizeMode: 1, Prompt: "a cat",
				Width: 96, Height: 64, BatchSize: 2, Steps: 6, Seed: 42, Subseed: &sub, SubseedStrength: 0.2,
			}, func(sd.Progress) { samples++ })
			if err != nil {
				t.Fatalf("Img2Img: %v", err)
			}
			if len(resp.Images) != 2 {
				t.Fatalf("%d images, want 2", len(resp.Images))
			}
			for _, img := range resp.Images {
				if w, h := pngSize(t, img); w != 96 || h != 64 {
					t.Errorf("image is %dx%d, want 96x64", w, h)
				}
			}
			if resp.Info.Seed != 42 || len(resp.Info.AllSeeds) != 2 || resp.Info.AllSeeds[1] != 42 {
				t.Errorf("info seeds %d %v; want 42 for both images of a variation", resp.Info.Seed, resp.Info.AllSeeds)
			}
			recs := records(srv, "POST", "/sdapi/v1/img2img")
			if len(recs) != 1 || !bytes.Equal(recs[0].InitImage, pic) || recs[0].Status != 200 {
				t.Fatalf("the server got %d img2img calls; want one with the picture sent", len(recs))
			}
			var body map[string]any
			if err := json.Unmarshal(recs[0].Body, &body); err != nil {
				t.Fatal(err)
			}
			for k, want := range map[string]any{"denoising_strength": 0.45, "resize_mode": 1.0, "subseed": 7.0, "subseed_strength": 0.2, "include_init_images": false} {
				if body[k] != want {
					t.Errorf("body %s = %v, want %v", k, body[k], want)
				}
			}
			if _, ok := body["enable_hr"]; ok {
				t.Error("an img2img body carries enable_hr")
			}
			if srv.Img2ImgCount() != 1 || srv.Txt2ImgCount() != 0 {
				t.Errorf("img2img count %d, txt2img %d; want 1, 0", srv.Img2ImgCount(), srv.Txt2ImgCount())
			}
		})
	}
}

func TestImg2ImgRefusals(t *testing.T) {
	srv := fastSim(t, sdsim.Options{})
	c := newClient(t, srv, nil)
	if _, err := c.Img2Img(context.Background(), sd.Img2ImgRequest{Prompt: "x", Steps: 2}, nil); err == nil {
		t.Error("Img2Img without a picture succeeded")
	}
	// Not an image: the server answers 500 Invalid encoded image.
	_, err := c.Img2Img(context.Background(), sd.Img2ImgRequest{InitImage: []byte("not a picture"), Prompt: "x", Steps: 2, Width: 64, Height: 64}, nil)
	var api *sd.APIError
	if !errors.As(err, &api) || api.StatusCode != 500 {
		t.Errorf("Img2Img of text: %v; want a 500 APIError", err)
	}
	// A bad strength is refused by the server.
	_, err = c.Img2Img(context.Background(), sd.Img2ImgRequest{InitImage: picture(t, 8, 8), DenoisingStrength: 3, Prompt: "x", Steps: 2, Width: 64, Height: 64}, nil)
	if !errors.As(err, &api) {
		t.Errorf("Img2Img with strength 3: %v; want an APIError", err)
	}
}

// TestExtraSingleImageAgainstSim enlarges a picture by 2 and by 1.5 and
// checks the answer's size and the picture the server got.
func TestExtraSingleImageAgainstSim(t *testing.T) {
	srv := fastSim(t, sdsim.Options{})
	c := newClient(t, srv, nil)
	var jbuf bytes.Buffer
	if err := jpeg.Encode(&jbuf, image.NewRGBA(image.Rect(0, 0, 120, 80)), nil); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		pic        []byte
		by         float64
		wantW, wan int
	}{{picture(t, 96, 64), 2, 192, 128}, {jbuf.Bytes(), 1.5, 180, 120}} {
		img, err := c.ExtraSingleImage(context.Background(), sd.UpscaleRequest{Image: tt.pic, UpscalingResize: tt.by, Upscaler1: "R-ESRGAN 4x+"})
		if err != nil {
			t.Fatalf("ExtraSingleImage: %v", err)
		}
		if w, h := pngSize(t, img); w != tt.wantW || h != tt.wan {
			t.Errorf("upscaled to %dx%d, want %dx%d", w, h, tt.wantW, tt.wan)
		}
	}
	recs := records(srv, "POST", "/sdapi/v1/extra-single-image")
	if len(recs) != 2 || recs[0].InitImage == nil || recs[1].Status != 200 {
		t.Fatalf("records: %+v", recs)
	}
	var body map[string]any
	_ = json.Unmarshal(recs[0].Body, &body)
	if body["upscaler_1"] != "R-ESRGAN 4x+" || body["upscaling_resize"] != 2.0 || body["show_extras_results"] != true {
		t.Errorf("body = %v", body)
	}
	_, err := c.ExtraSingleImage(context.Background(), sd.UpscaleRequest{Image: picture(t, 8, 8), UpscalingResize: 2, Upscaler1: "Nope"})
	var api *sd.APIError
	if !errors.As(err, &api) || api.StatusCode != 500 {
		t.Errorf("unknown upscaler: %v; want the server's 500", err)
	}
	srv.SetFault(sdsim.Fault{Kind: sdsim.FaultNoImages, Path: "/sdapi/v1/extra-single-image"})
	if _, err := c.ExtraSingleImage(context.Background(), sd.UpscaleRequest{Image: picture(t, 8, 8), UpscalingResize: 2, Upscaler1: "Lanczos"}); !errors.Is(err, sd.ErrNoImage) {
		t.Errorf("an answer without an image: %v; want ErrNoImage", err)
	}
}

// BenchmarkImg2ImgRequest measures the client's side of a 5 MB photo's
// img2img: base64 and the JSON body, up to the server's answer (a 1-step
// job on the simulator).
func BenchmarkImg2ImgRequest(b *testing.B) {
	srv := sdsim.NewServer(sdsim.Options{})
	defer srv.Close()
	c, err := sd.New(sd.Config{URL: srv.URL})
	if err != nil {
		b.Fatal(err)
	}
	photo := append(picture(b, 64, 64), make([]byte, 5<<20)...)
	b.SetBytes(int64(len(photo)))
	for b.Loop() {
		if _, err := c.Img2Img(context.Background(), sd.Img2ImgRequest{InitImage: photo, DenoisingStrength: 0.5, Prompt: "x", Steps: 1, Width: 64, Height: 64}, nil); err != nil {
			b.Fatal(err)
		}
	}
}
