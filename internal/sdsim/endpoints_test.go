package sdsim_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/sdsim"
)

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func jsonReader(v any) io.Reader {
	b, _ := json.Marshal(v)
	return bytes.NewReader(b)
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestListings(t *testing.T) {
	sim := sdsim.New(sdsim.Options{LoRAs: []string{"add_detail", "film"}})
	defer sim.Close()
	c := memClient(t, sim)
	names := func(path string) []string {
		var items []map[string]any
		c.getJSON(path, &items)
		var out []string
		for _, it := range items {
			n, _ := it["name"].(string)
			out = append(out, n)
		}
		return out
	}
	tests := []struct {
		path string
		want []string
	}{
		{"/sdapi/v1/upscalers", []string{"ESRGAN_4x", "Latent", "R-ESRGAN 4x+", "None"}},
		{"/sdapi/v1/samplers", []string{"DPM++ 2M", "Euler a", "Euler", "DDIM"}},
		{"/sdapi/v1/schedulers", []string{"automatic", "karras"}},
		{"/sdapi/v1/latent-upscale-modes", []string{"Latent", "Latent (nearest-exact)"}},
		{"/sdapi/v1/loras", []string{"add_detail", "film"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got := names(tt.path)
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("got %v, want it to contain %q", got, w)
				}
			}
		})
	}
	var loras []struct {
		Name, Alias, Path string
		Metadata          map[string]any
	}
	c.getJSON("/sdapi/v1/loras", &loras)
	if loras[0].Alias != "add_detail" || loras[0].Path == "" || len(loras[0].Metadata) == 0 {
		t.Errorf("lora: got %+v, want name, alias, path and metadata", loras[0])
	}
}

func TestRouting(t *testing.T) {
	sim := sdsim.New(sdsim.Options{})
	defer sim.Close()
	c := memClient(t, sim)
	tests := []struct {
		method, path string
		wantStatus   int
		wantBody     string
	}{
		{"GET", "/sdapi/v1/nope", 404, `{"detail":"Not Found"}`},
		{"GET", "/internal/progress", 404, `{"detail":"Not Found"}`}, // seed flavour: no UI routes
		{"GET", "/sdapi/v1/txt2img", 405, `{"detail":"Method Not Allowed"}`},
		{"POST", "/sdapi/v1/refresh-checkpoints", 200, `null`},
		{"POST", "/sdapi/v1/refresh-loras", 200, `null`},
		{"POST", "/sdapi/v1/interrupt", 200, `{}`},
		{"GET", "/sdapi/v1/progress?skip_current_image=maybe", 422,
			`{"detail":[{"loc":["query","skip_current_image"],"msg":"value could not be parsed to a boolean","type":"type_error.bool"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			status, body := c.mustDo(tt.method, tt.path, nil)
			if status != tt.wantStatus || string(body) != tt.wantBody {
				t.Errorf("got %d %s, want %d %s", status, body, tt.wantStatus, tt.wantBody)
			}
		})
	}
}

func TestRecords(t *testing.T) {
	sim := sdsim.New(sdsim.Options{Flavor: sdsim.FlavorA1111, StepDelay: time.Nanosecond})
	defer sim.Close()
	c := memClient(t, sim)
	c.txt2img(map[string]any{"force_task_id": "f1", "steps": 1, "width": 8, "height": 8})
	c.get("/sdapi/v1/progress?task_id=q1&skip_current_image=true")
	c.post("/internal/progress", map[string]any{"id_task": "p1"})
	recs := sim.Records()
	want := []struct{ method, path, query, task string }{
		{"POST", "/sdapi/v1/txt2img", "", "f1"},
		{"GET", "/sdapi/v1/progress", "task_id=q1&skip_current_image=true", "q1"},
		{"POST", "/internal/progress", "", "p1"},
	}
	if len(recs) != len(want) {
		t.Fatalf("got %d records, want %d", len(recs), len(want))
	}
	for i, w := range want {
		r := recs[i]
		if r.Method != w.method || r.Path != w.path || r.Query != w.query || r.TaskID != w.task || r.Status != 200 || r.End.Before(r.Start) {
			t.Errorf("record %d: got %+v, want %v", i, r, w)
		}
	}
	if recs[0].Body == nil || recs[1].Body != nil || recs[0].JobStart.IsZero() || !recs[1].JobStart.IsZero() {
		t.Errorf("bodies/job times: got %q %q %v %v", recs[0].Body, recs[1].Body, recs[0].JobStart, recs[1].JobStart)
	}
	if sim.Txt2ImgCount() != 1 {
		t.Errorf("Txt2ImgCount: got %d, want 1", sim.Txt2ImgCount())
	}
	sim.Reset()
	if len(sim.Records()) != 0 || sim.Txt2ImgCount() != 0 {
		t.Errorf("after Reset: %d records, count %d", len(sim.Records()), sim.Txt2ImgCount())
	}
}

func TestServer(t *testing.T) {
	srv := sdsim.NewServer(sdsim.Options{StepDelay: time.Nanosecond})
	defer srv.Close()
	c := &apiClient{t: t, base: srv.URL, hc: srv.Client()}
	resp, info := c.txt2img(map[string]any{"prompt": "over the wire", "steps": 2, "width": 64, "height": 64, "seed": 5})
	img, chunks := decodePNG(t, resp.Images[0])
	if _, text := parametersText(t, chunks); img.Bounds().Dx() != 64 || text != info.Infotexts[0] {
		t.Errorf("got %v %q", img.Bounds(), text)
	}
	if len(srv.URL) == 0 || srv.URL[len(srv.URL)-1] == '/' {
		t.Errorf("URL %q: want a base URL without a trailing slash", srv.URL)
	}
}
