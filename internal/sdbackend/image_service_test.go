package sdbackend

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/imagefile"
	"github.com/imaginebot/imaginebot/internal/imagine"
	"github.com/imaginebot/imaginebot/internal/sdsim"
)

// TestServiceImg2Img: a picture submitted to the core reaches the server's
// img2img unchanged; a refused one never reaches the server.
func TestServiceImg2Img(t *testing.T) {
	srv := sdsim.NewServer(sdsim.Options{StepDelay: time.Millisecond})
	t.Cleanup(srv.Close)
	s := startServiceWith(t, srv)
	who := imagine.Requester{Platform: imagine.Telegram, UserID: "1"}
	pic := pngPicture(t, 300, 150)

	req := imagine.NewRequest("a cat", who)
	req.Init = &imagine.InputImage{Data: pic}
	tk, err := s.Submit(req)
	if err != nil {
		t.Fatal(err)
	}
	if st := waitEnd(t, tk); st.State != imagine.Done {
		t.Fatalf("img2img ended %v: %v", st.State, st.Err)
	}
	if tk.Params.Width != 88 || tk.Params.Height != 64 {
		t.Errorf("size %dx%d; want the picture's 2:1 at about 64x64, the short side raised to the 64 minimum: 88x64", tk.Params.Width, tk.Params.Height)
	}
	rec, body := lastBody(t, srv, "/sdapi/v1/img2img")
	if !bytes.Equal(rec.InitImage, pic) || body["denoising_strength"] != imagine.DefaultStrength {
		t.Errorf("the server got strength %v and a picture equal: %v", body["denoising_strength"], bytes.Equal(rec.InitImage, pic))
	}

	before := len(srv.Records())
	req.Init = &imagine.InputImage{Data: []byte("GIF89a not really")}
	if _, err := s.Submit(req); !errors.Is(err, imagine.ErrBadImage) {
		t.Errorf("Submit of a GIF: %v, want ErrBadImage", err)
	}
	if n := len(srv.Records()); n != before {
		t.Errorf("a refused picture made %d calls to the server", n-before)
	}
}

// startServiceWith is startService with imagefile's checker.
func startServiceWith(t testing.TB, srv *sdsim.Server) *imagine.Service {
	return startService(t, srv, imagine.Config{Settings: imagine.Settings{CheckInput: imagefile.InputChecker(imagine.InputLimits{})}})
}

// photo5MB is a noisy 2100×1600 JPEG of about 5 MB, like a phone photo.
func photo5MB(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 2100, 1600))
	r := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = uint8(r.IntN(256))
	}
	img.Set(0, 0, color.Black)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 98}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkSubmitToImg2Img measures the time from Submit of a 5 MB photo
// to the simulated server's start of the img2img request: the header check,
// the queue, base64 and the JSON body on loopback.
func BenchmarkSubmitToImg2Img(b *testing.B) {
	srv := sdsim.NewServer(sdsim.Options{StepDelay: time.Microsecond})
	defer srv.Close()
	s := startServiceWith(b, srv)
	photo := photo5MB(b)
	b.Logf("photo: %d bytes", len(photo))
	who := imagine.Requester{Platform: imagine.Telegram, UserID: "1"}
	var total time.Duration
	for b.Loop() {
		srv.Reset()
		req := imagine.NewRequest("a cat", who)
		req.Init, req.Steps = &imagine.InputImage{Data: photo}, 1
		start := time.Now()
		tk, err := s.Submit(req)
		if err != nil {
			b.Fatal(err)
		}
		waitEnd(b, tk)
		rec, _ := lastBody(b, srv, "/sdapi/v1/img2img")
		total += rec.Start.Sub(start)
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/submit-to-request")
}
