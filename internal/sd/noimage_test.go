package sd_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/imaginebot/imaginebot/internal/sd"
	"github.com/imaginebot/imaginebot/internal/sdsim"
)

// TestNoImage: a txt2img that finishes without a usable image fails with a
// *NoImageError naming what came instead, and the next job works.
func TestNoImage(t *testing.T) {
	req := sd.Txt2ImgRequest{Prompt: "x", Width: 64, Height: 64, Steps: 3, Seed: 1}
	tests := []struct {
		kind       sdsim.FaultKind
		wantIndex  int
		wantReason string
	}{
		{sdsim.FaultNoImages, -1, ""},
		{sdsim.FaultEmptyImage, 0, "an empty string"},
		{sdsim.FaultNullImage, 0, "null"},
		{sdsim.FaultBadBase64, 0, "not valid base64"},
		{sdsim.FaultNotImage, 0, `not a PNG, JPEG or WebP file (it starts with "Internal"…)`},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			srv := fastSim(t, sdsim.Options{})
			srv.SetFault(sdsim.Fault{Kind: tt.kind, Path: "/sdapi/v1/txt2img", Times: 1})
			c := newClient(t, srv, nil)
			resp, err := c.Generate(context.Background(), req, func(sd.Progress) {})
			var ni *sd.NoImageError
			if !errors.Is(err, sd.ErrNoImage) || !errors.As(err, &ni) {
				t.Fatalf("Generate = %+v, %v; want a *NoImageError", resp, err)
			}
			if ni.Index != tt.wantIndex || !strings.HasPrefix(ni.Reason, tt.wantReason) {
				t.Errorf("NoImageError = %+v; want index %d, reason %q", ni, tt.wantIndex, tt.wantReason)
			}
			if errors.Is(err, sd.ErrMalformed) || !strings.HasPrefix(err.Error(), "sd: txt2img finished") {
				t.Errorf("error = %q; want a no-image error, not a malformed answer", err)
			}
			if resp, err := c.Generate(context.Background(), req, nil); err != nil || len(resp.Images) != 1 {
				t.Errorf("Generate after the fault = %v; want one image", err)
			}
		})
	}
}

// TestNoImageOnlyCountsOutputs: a spoiled grid, which the caller never
// gets, does not fail the job; without send_images no image is no error.
func TestNoImageOnlyCountsOutputs(t *testing.T) {
	const png = "iVBORw0KGgoAAAANSUhEUg==" // a PNG header
	c := txt2imgAnswering(t, `{"images":[null,"`+png+`"],"parameters":{},"info":"{\"all_seeds\":[5],\"index_of_first_image\":1}"}`)
	resp, err := c.Txt2Img(context.Background(), sd.Txt2ImgRequest{Prompt: "x"})
	if err != nil || len(resp.Images) != 1 || !strings.HasPrefix(string(resp.Images[0]), "\x89PNG") {
		t.Fatalf("Txt2Img = %v; want the one PNG output, the null grid left out", err)
	}

	c = txt2imgAnswering(t, `{"images":[],"parameters":{},"info":"{\"all_seeds\":[5]}"}`)
	no := false
	if _, err := c.Txt2Img(context.Background(), sd.Txt2ImgRequest{Prompt: "x", SendImages: &no}); err != nil {
		t.Errorf("Txt2Img without send_images = %v; want no error", err)
	}
	if _, err := c.Txt2Img(context.Background(), sd.Txt2ImgRequest{Prompt: "x"}); !errors.Is(err, sd.ErrNoImage) {
		t.Errorf("Txt2Img with send_images = %v; want ErrNoImage", err)
	}
}

// txt2imgAnswering returns a client of a server that answers every request
// 200 with body.
func txt2imgAnswering(t *testing.T, body string) *sd.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	c, err := sd.New(sd.Config{URL: srv.URL, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
