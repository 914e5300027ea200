package comfysim

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

func newTestSim(t *testing.T, opts Options) (*Sim, *httptest.Server) {
	t.Helper()
	opts.StepDelay = time.Millisecond
	sim := New(opts)
	ts := httptest.NewServer(sim)
	t.Cleanup(func() {
		sim.Close()
		ts.Close()
	})
	return sim, ts
}

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	img.Set(0, 0, color.RGBA{1, 2, 3, 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// upload posts a multipart form: file under fileField (named filename),
// and the given values.
func upload(t *testing.T, url, fileField, filename string, data []byte, values map[string]string) (int, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if fileField != "" {
		fw, err := mw.CreateFormFile(fileField, filename)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	for k, v := range values {
		mw.WriteField(k, v)
	}
	mw.Close()
	resp, err := http.Post(url+"/upload/image", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(out))
}

func TestUploadImage(t *testing.T) {
	sim, ts := newTestSim(t, Options{MaxUploadBytes: 4096})
	a, b := pngOf(t, 8, 8), pngOf(t, 9, 9)
	tests := []struct {
		name      string
		field     string
		filename  string
		data      []byte
		values    map[string]string
		status    int
		want      string
		wantSaved string // the input file the upload is stored as
	}{
		{"stored", "image", "a.png", a, map[string]string{"type": "input", "overwrite": "false"}, 200, `{"name":"a.png","subfolder":"","type":"input"}`, "a.png"},
		{"same bytes again: kept once", "image", "a.png", a, nil, 200, `{"name":"a.png","subfolder":"","type":"input"}`, "a.png"},
		{"name taken by other bytes", "image", "a.png", b, nil, 200, `{"name":"a (1).png","subfolder":"","type":"input"}`, "a (1).png"},
		{"overwrite", "image", "a.png", b, map[string]string{"overwrite": "true"}, 200, `{"name":"a.png","subfolder":"","type":"input"}`, "a.png"},
		{"subfolder", "image", "c.png", a, map[string]string{"subfolder": "bot"}, 200, `{"name":"c.png","subfolder":"bot","type":"input"}`, ""},
		{"wrong field", "file", "a.png", a, nil, 400, "", ""},
		{"no file", "", "", nil, map[string]string{"image": "a.png"}, 400, "", ""},
		{"unknown type", "image", "d.png", a, map[string]string{"type": "models"}, 500, "", ""},
		{"too large", "image", "big.png", make([]byte, 5000), nil, 413, "Maximum request body size 4096 exceeded", ""},
	}
	for _, tt := range tests {
		status, body := upload(t, ts.URL, tt.field, tt.filename, tt.data, tt.values)
		if status != tt.status || !strings.Contains(body, tt.want) {
			t.Errorf("%s: %d %s; want %d %s", tt.name, status, body, tt.status, tt.want)
		}
		if tt.wantSaved != "" && !slices.Contains(sim.inputImages(), tt.wantSaved) {
			t.Errorf("%s: input files %v lack %s", tt.name, sim.inputImages(), tt.wantSaved)
		}
	}
	if got := sim.inputImages(); !slices.Equal(got, []string{"a (1).png", "a.png"}) {
		t.Errorf("LoadImage lists %v, want the top-level uploads", got)
	}
	ups := sim.Uploads()
	if len(ups) != 5 || !bytes.Equal(ups[0].Data, a) || ups[4].Subfolder != "bot" {
		t.Errorf("uploads recorded: %d", len(ups))
	}
	// A non-multipart body is a bare 400.
	resp, err := http.Post(ts.URL+"/upload/image", "application/json", strings.NewReader(`{"image":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("JSON upload: %d", resp.StatusCode)
	}
}

// img2imgGraph loads name, scales it to w×h, encodes it and samples it
// with denoise; upscale graphs are built by the test.
func img2imgGraph(name string, w, h int, denoise float64) map[string]any {
	return map[string]any{
		"3":  map[string]any{"class_type": "KSampler", "inputs": map[string]any{"seed": 5, "steps": 2, "cfg": 7, "sampler_name": "euler", "scheduler": "normal", "denoise": denoise, "model": []any{"4", 0}, "positive": []any{"6", 0}, "negative": []any{"7", 0}, "latent_image": []any{"11", 0}}},
		"4":  map[string]any{"class_type": "CheckpointLoaderSimple", "inputs": map[string]any{"ckpt_name": "v1-5-pruned-emaonly.safetensors"}},
		"6":  map[string]any{"class_type": "CLIPTextEncode", "inputs": map[string]any{"text": "a", "clip": []any{"4", 1}}},
		"7":  map[string]any{"class_type": "CLIPTextEncode", "inputs": map[string]any{"text": "b", "clip": []any{"4", 1}}},
		"8":  map[string]any{"class_type": "VAEDecode", "inputs": map[string]any{"samples": []any{"3", 0}, "vae": []any{"4", 2}}},
		"9":  map[string]any{"class_type": "SaveImage", "inputs": map[string]any{"filename_prefix": "x", "images": []any{"8", 0}}},
		"10": map[string]any{"class_type": "LoadImage", "inputs": map[string]any{"image": name}},
		"11": map[string]any{"class_type": "VAEEncode", "inputs": map[string]any{"pixels": []any{"12", 0}, "vae": []any{"4", 2}}},
		"12": map[string]any{"class_type": "ImageScale", "inputs": map[string]any{"image": []any{"10", 0}, "upscale_method": "lanczos", "width": w, "height": h, "crop": "disabled"}},
	}
}

func upscaleGraph(name, model string, w, h int) map[string]any {
	return map[string]any{
		"1": map[string]any{"class_type": "LoadImage", "inputs": map[string]any{"image": name}},
		"2": map[string]any{"class_type": "UpscaleModelLoader", "inputs": map[string]any{"model_name": model}},
		"3": map[string]any{"class_type": "ImageUpscaleWithModel", "inputs": map[string]any{"upscale_model": []any{"2", 0}, "image": []any{"1", 0}}},
		"4": map[string]any{"class_type": "ImageScale", "inputs": map[string]any{"image": []any{"3", 0}, "upscale_method": "lanczos", "width": w, "height": h, "crop": "disabled"}},
		"5": map[string]any{"class_type": "SaveImage", "inputs": map[string]any{"filename_prefix": "up", "images": []any{"4", 0}}},
	}
}

// queue posts graph and returns the status and answer.
func queue(t *testing.T, url string, graph map[string]any) (int, string, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"prompt": graph, "client_id": "t"})
	resp, err := http.Post(url+"/prompt", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	var ok struct {
		PromptID string `json:"prompt_id"`
	}
	_ = json.Unmarshal(out, &ok)
	return resp.StatusCode, string(out), ok.PromptID
}

func TestImageNodes(t *testing.T) {
	sim, ts := newTestSim(t, Options{UpscaleModels: []string{"RealESRGAN_x4plus.pth", "RealESRGAN_x2.pth"}})
	pic := pngOf(t, 100, 60)
	if st, body := upload(t, ts.URL, "image", "in.png", pic, nil); st != 200 {
		t.Fatalf("upload: %d %s", st, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	// Validation: an unknown file, as LoadImage's VALIDATE_INPUTS says it;
	// an upscale model the server lacks.
	st, body, _ := queue(t, ts.URL, img2imgGraph("nope.png", 64, 64, 0.5))
	if st != 400 || !strings.Contains(body, `"type":"custom_validation_failed"`) || !strings.Contains(body, `"details":"image - Invalid image file: nope.png"`) || !strings.Contains(body, `"class_type":"LoadImage"`) {
		t.Errorf("unknown image: %d %s", st, body)
	}
	st, body, _ = queue(t, ts.URL, upscaleGraph("in.png", "4x-Missing.pth", 200, 120))
	if st != 400 || !strings.Contains(body, `"value_not_in_list"`) || !strings.Contains(body, "model_name: '4x-Missing.pth' not in ['RealESRGAN_x4plus.pth', 'RealESRGAN_x2.pth']") {
		t.Errorf("unknown upscale model: %d %s", st, body)
	}

	// img2img: the output has the scaled size (cropped to multiples of 8
	// by VAEEncode), and the run records the picture and the denoise.
	st, body, id := queue(t, ts.URL, img2imgGraph("in.png", 100, 60, 0.35))
	if st != 200 {
		t.Fatalf("img2img: %d %s", st, body)
	}
	// Upscales: a 4x model then a scale to exactly 2x; a 2x model alone.
	_, _, up := queue(t, ts.URL, upscaleGraph("in.png", "RealESRGAN_x4plus.pth", 200, 120))
	g := upscaleGraph("in.png", "RealESRGAN_x2.pth", 0, 0)
	delete(g, "4")
	g["5"].(map[string]any)["inputs"].(map[string]any)["images"] = []any{"3", 0}
	_, _, up2 := queue(t, ts.URL, g)
	if err := sim.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		id      string
		size    image.Point
		denoise []float64
		models  []string
	}{
		{id, image.Pt(96, 56), []float64{0.35}, nil},
		{up, image.Pt(200, 120), nil, []string{"RealESRGAN_x4plus.pth"}},
		{up2, image.Pt(200, 120), nil, []string{"RealESRGAN_x2.pth"}},
	} {
		run, ok := sim.RunOf(c.id)
		if !ok {
			t.Fatalf("no run of %s", c.id)
		}
		if len(run.Loaded) != 1 || run.Loaded[0].Name != "in.png" || !bytes.Equal(run.Loaded[0].Data, pic) {
			t.Errorf("%s loaded %+v", c.id, run.Loaded)
		}
		if !slices.Equal(run.Saved, []image.Point{c.size}) || !slices.Equal(run.Denoise, c.denoise) || !slices.Equal(run.UpscaleModels, c.models) {
			t.Errorf("%s ran %+v; want size %v, denoise %v, models %v", c.id, run, c.size, c.denoise, c.models)
		}
	}
	// An uploaded file that is no image fails in LoadImage.
	upload(t, ts.URL, "image", "junk.png", []byte("not an image"), nil)
	_, _, bad := queue(t, ts.URL, img2imgGraph("junk.png", 64, 64, 0.5))
	if err := sim.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	if st, _ := sim.Status(bad); st != "error" {
		t.Errorf("a junk picture: status %q", st)
	}
}

func TestObjectInfoImageNodes(t *testing.T) {
	_, ts := newTestSim(t, Options{NoUpscaleModels: true})
	resp, err := http.Get(ts.URL + "/object_info")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var info map[string]struct {
		Input struct {
			Required map[string][]json.RawMessage `json:"required"`
		} `json:"input"`
		Output []string `json:"output"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil {
		t.Fatal(err)
	}
	for class, want := range map[string]string{
		"LoadImage": "image", "VAEEncode": "pixels,vae", "ImageScale": "crop,height,image,upscale_method,width",
		"ImageScaleBy": "image,scale_by,upscale_method", "UpscaleModelLoader": "model_name",
		"ImageUpscaleWithModel": "image,upscale_model", "RepeatLatentBatch": "amount,samples",
	} {
		var names []string
		for n := range info[class].Input.Required {
			names = append(names, n)
		}
		slices.Sort(names)
		if strings.Join(names, ",") != want {
			t.Errorf("%s inputs %v, want %s", class, names, want)
		}
	}
	if m := string(info["UpscaleModelLoader"].Input.Required["model_name"][0]); m != "[]" {
		t.Errorf("model_name list %s, want none", m)
	}
	if up := string(info["LoadImage"].Input.Required["image"][1]); up != `{"image_upload":true}` {
		t.Errorf("LoadImage image options %s", up)
	}
	if out := info["LoadImage"].Output; !slices.Equal(out, []string{"IMAGE", "MASK"}) {
		t.Errorf("LoadImage outputs %v", out)
	}
}
