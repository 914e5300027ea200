package comfyui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/comfysim"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// picture is a w×h PNG with some structure.
func picture(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), uint8(x ^ y), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// img2imgParams asks for an img2img of a w×h picture at 88×64 (the
// picture's aspect at the default area, as the core sizes it).
func img2imgParams(t testing.TB, w, h int, strength float64) imagine.Params {
	p := params("a watercolour of it")
	p.Kind, p.Strength = imagine.KindImg2Img, strength
	p.Init = &imagine.InputImage{Data: picture(t, w, h), Format: "png", Width: w, Height: h}
	p.Width, p.Height = 88, 64
	return p
}

// classes returns the ids of graph's nodes of class.
func classes(t *testing.T, g map[string]json.RawMessage, class string) []string {
	t.Helper()
	var ids []string
	for id, raw := range g {
		var n struct {
			ClassType string `json:"class_type"`
		}
		if err := json.Unmarshal(raw, &n); err != nil {
			t.Fatal(err)
		}
		if n.ClassType == class {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// checkUpload checks the job uploaded the picture once, as a unique input
// file, and that LoadImage node load of graph reads it.
func checkUpload(t *testing.T, sim *comfysim.Sim, pic []byte, g map[string]json.RawMessage, load string) comfysim.Upload {
	t.Helper()
	ups := sim.Uploads()
	if len(ups) != 1 {
		t.Fatalf("%d uploads, want 1", len(ups))
	}
	up := ups[0]
	if !bytes.Equal(up.Data, pic) || up.Type != "input" || !strings.HasPrefix(up.Name, "imaginebot_") || !strings.HasSuffix(up.Name, ".png") {
		t.Errorf("upload %s (%s), bytes equal %v; want the user's picture as a unique input png", up.Name, up.Type, bytes.Equal(up.Data, pic))
	}
	rec := sim.RecordsTo("POST", "/upload/image")[0]
	if !bytes.Contains(rec.Body, []byte("name=\"overwrite\"\r\n\r\nfalse")) || !bytes.Contains(rec.Body, []byte("name=\"type\"\r\n\r\ninput")) {
		t.Errorf("upload form lacks overwrite false and type input")
	}
	if in := inputsOf(t, g[load]); in["image"] != up.Name {
		t.Errorf("LoadImage %s reads %v, want the upload %s", load, in["image"], up.Name)
	}
	return up
}

func TestImg2ImgBuiltinGraph(t *testing.T) {
	sim, ts := newSim(t, comfysim.Options{})
	b := newBackend(t, Config{URL: ts.URL}) // the built-in txt2img workflow: no img2img path
	if b.Workflow().Img2Img != nil {
		t.Fatal("the built-in workflow claims an img2img path")
	}
	var log progressLog
	p := img2imgParams(t, 300, 150, 0.35)
	res, err := b.Generate(ctxT(t), p, log.add)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Images) != 1 || !slices.Equal(res.Seeds, []int64{42}) || res.Model != "v1-5-pruned-emaonly.safetensors" {
		t.Fatalf("result: %d images, seeds %v, model %q", len(res.Images), res.Seeds, res.Model)
	}
	if img, _ := decode(t, res.Images[0]); img.Bounds().Dx() != 88 || img.Bounds().Dy() != 64 {
		t.Errorf("image %v, want the 88x64 the caption reports", img.Bounds())
	}
	if len(log.steps) != 6 {
		t.Errorf("progress steps %v", log.steps)
	}
	g := submitted(t, sim, 0)
	up := checkUpload(t, sim, p.Init.Data, g, classes(t, g, "LoadImage")[0])
	ks := inputsOf(t, g[classes(t, g, "KSampler")[0]])
	if ks["denoise"] != 0.35 || ks["seed"] != 42.0 || ks["steps"] != 6.0 {
		t.Errorf("KSampler %v, want denoise 0.35", ks)
	}
	sc := inputsOf(t, g[classes(t, g, "ImageScale")[0]])
	if sc["width"] != 88.0 || sc["height"] != 64.0 || sc["crop"] != "center" || sc["upscale_method"] != "lanczos" {
		t.Errorf("ImageScale %v", sc)
	}
	if n := len(classes(t, g, "EmptyLatentImage")); n != 0 {
		t.Errorf("%d EmptyLatentImage nodes in an img2img graph", n)
	}
	run, ok := sim.RunOf(promptIDOf(t, sim.RecordsTo("POST", "/prompt")[0].Body))
	if !ok || !slices.Equal(run.Denoise, []float64{0.35}) || !slices.Equal(run.Saved, []image.Point{{88, 64}}) ||
		len(run.Loaded) != 1 || run.Loaded[0].Name != up.Name || !bytes.Equal(run.Loaded[0].Data, p.Init.Data) {
		t.Errorf("the server ran %+v", run)
	}

	// A batch is the picture repeated; each job uploads under its own name.
	p.BatchSize = 3
	res, err = b.Generate(ctxT(t), p, nil)
	if err != nil || len(res.Images) != 3 {
		t.Fatalf("batch: %v, %+v", err, res)
	}
	if ups := sim.Uploads(); len(ups) != 2 || ups[1].Name == ups[0].Name {
		t.Errorf("uploads %d, names %q; want one per job, unique", len(ups), []string{ups[0].Name, ups[len(ups)-1].Name})
	}
	if rep := classes(t, submitted(t, sim, 1), "RepeatLatentBatch"); len(rep) != 1 || inputsOf(t, submitted(t, sim, 1)[rep[0]])["amount"] != 3.0 {
		t.Errorf("RepeatLatentBatch nodes %v", rep)
	}
}

func TestImg2ImgWorkflowPath(t *testing.T) {
	sim, ts := newSim(t, comfysim.Options{})
	w, err := LoadWorkflow("testdata/img2img_workflow.json")
	if err != nil {
		t.Fatal(err)
	}
	want := Img2ImgPath{Sampler: "62", Positive: "20", Negative: "21", Checkpoint: "1", Load: "60", Encode: "61"}
	if w.Img2Img == nil || *w.Img2Img != want || w.Sampler != "10" || w.Latent != "30" {
		t.Fatalf("mapped %s", w.Describe())
	}
	if d := w.Describe(); !strings.Contains(d, "img2img: LoadImage 60 → an ImageScale the bot adds → VAEEncode 61 → KSampler 62") {
		t.Errorf("Describe: %s", d)
	}
	b := newBackend(t, Config{URL: ts.URL, Workflow: w})
	p := img2imgParams(t, 120, 90, 0.45)
	p.Sampler, p.CFGScale = "", 0 // keep the workflow's
	res, err := b.Generate(ctxT(t), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if img, _ := decode(t, res.Images[0]); len(res.Images) != 1 || img.Bounds().Dx() != 88 || img.Bounds().Dy() != 64 {
		t.Fatalf("%d images, first %v; want one of 88x64", len(res.Images), img.Bounds())
	}
	g := submitted(t, sim, 0)
	checkUpload(t, sim, p.Init.Data, g, "60")
	var file map[string]json.RawMessage
	if err := json.Unmarshal(mustRead(t, "testdata/img2img_workflow.json"), &file); err != nil {
		t.Fatal(err)
	}
	// Every node the bot does not fill is sent as in the file; the
	// txt2img path's SaveImage is left out; one ImageScale is added
	// before the VAEEncode.
	scale := classes(t, g, "ImageScale")
	if len(scale) != 1 || len(g) != len(file) {
		t.Fatalf("%d nodes sent (ImageScale %v), the file has %d", len(g), scale, len(file))
	}
	for id, raw := range file {
		switch id {
		case "1", "20", "21", "60", "61", "62":
			continue
		case "50":
			if _, sent := g[id]; sent {
				t.Errorf("the txt2img SaveImage 50 was sent with an img2img")
			}
			continue
		}
		if compactJSON(t, g[id]) != compactJSON(t, raw) {
			t.Errorf("node %s changed:\n got %s\nwant %s", id, g[id], raw)
		}
	}
	if in := inputsOf(t, g["61"]); !slices.Equal(in["pixels"].([]any), []any{scale[0], 0.0}) || !slices.Equal(in["vae"].([]any), []any{"1", 2.0}) {
		t.Errorf("VAEEncode inputs %v, want its pixels from the added ImageScale", in)
	}
	if in := inputsOf(t, g[scale[0]]); !slices.Equal(in["image"].([]any), []any{"60", 0.0}) || in["width"] != 88.0 || in["height"] != 64.0 || in["crop"] != "center" {
		t.Errorf("added ImageScale %v", in)
	}
	ks := inputsOf(t, g["62"])
	if ks["denoise"] != 0.45 || ks["seed"] != 42.0 || ks["sampler_name"] != "euler" || ks["cfg"] != 6.0 || !slices.Equal(ks["latent_image"].([]any), []any{"61", 0.0}) {
		t.Errorf("img2img KSampler %v", ks)
	}
	if in := inputsOf(t, g["20"]); in["text"] != "a watercolour of it" {
		t.Errorf("prompt %v", in["text"])
	}
	run, _ := sim.RunOf(promptIDOf(t, sim.RecordsTo("POST", "/prompt")[0].Body))
	if !slices.Equal(run.Denoise, []float64{0.45}) || !slices.Equal(run.Saved, []image.Point{{88, 64}}) {
		t.Errorf("the server ran %+v; want only the img2img sampler", run)
	}

	// A txt2img on the same workflow leaves the picture's path out.
	if _, err := b.Generate(ctxT(t), params("a lighthouse"), nil); err != nil {
		t.Fatal(err)
	}
	g = submitted(t, sim, 1)
	if _, sent := g["64"]; sent {
		t.Error("the img2img SaveImage 64 was sent with a txt2img")
	}
	if in := inputsOf(t, g["60"]); in["image"] != "example.png" {
		t.Errorf("txt2img changed the LoadImage: %v", in)
	}
	run, _ = sim.RunOf(promptIDOf(t, sim.RecordsTo("POST", "/prompt")[1].Body))
	if !slices.Equal(run.Denoise, []float64{1}) || len(run.Loaded) != 0 || len(sim.Uploads()) != 1 {
		t.Errorf("txt2img ran %+v with %d uploads", run, len(sim.Uploads()))
	}
}

// TestImg2ImgWorkflowOwnScale: an ImageScale the workflow has before its
// VAEEncode is filled with the job's size, not doubled.
func TestImg2ImgWorkflowOwnScale(t *testing.T) {
	sim, ts := newSim(t, comfysim.Options{})
	var file map[string]map[string]any
	if err := json.Unmarshal(mustRead(t, "testdata/img2img_workflow.json"), &file); err != nil {
		t.Fatal(err)
	}
	file["65"] = map[string]any{"class_type": "ImageScale", "inputs": map[string]any{"image": []any{"60", 0}, "upscale_method": "bicubic", "width": 512, "height": 512, "crop": "center"}}
	file["61"]["inputs"].(map[string]any)["pixels"] = []any{"65", 0}
	data, _ := json.Marshal(file)
	w, err := ParseWorkflow(data, "scaled.json")
	if err != nil || w.Img2Img == nil || w.Img2Img.Scale != "65" {
		t.Fatalf("mapped %v, %v", err, w)
	}
	b := newBackend(t, Config{URL: ts.URL, Workflow: w})
	if _, err := b.Generate(ctxT(t), img2imgParams(t, 64, 64, 0.5), nil); err != nil {
		t.Fatal(err)
	}
	g := submitted(t, sim, 0)
	if sc := classes(t, g, "ImageScale"); !slices.Equal(sc, []string{"65"}) {
		t.Errorf("ImageScale nodes %v, want the workflow's only", sc)
	}
	if in := inputsOf(t, g["65"]); in["width"] != 88.0 || in["height"] != 64.0 || in["upscale_method"] != "bicubic" {
		t.Errorf("the workflow's ImageScale %v", in)
	}
}

func TestParseWorkflowImg2ImgPaths(t *testing.T) {
	base := func(t *testing.T, edit func(g map[string]map[string]any)) []byte {
		var g map[string]map[string]any
		if err := json.Unmarshal(mustRead(t, "testdata/img2img_workflow.json"), &g); err != nil {
			t.Fatal(err)
		}
		edit(g)
		data, _ := json.Marshal(g)
		return data
	}
	in := func(g map[string]map[string]any, id string) map[string]any { return g[id]["inputs"].(map[string]any) }
	refused := []struct {
		name string
		edit func(g map[string]map[string]any)
		want string
	}{
		{"encoder not sampled", func(g map[string]map[string]any) { in(g, "62")["latent_image"] = []any{"10", 0} },
			"VAEEncode node 61 encodes a picture but is not linked to a KSampler's latent_image"},
		{"no LoadImage", func(g map[string]map[string]any) { delete(g, "60"); in(g, "61")["pixels"] = "nothing" },
			"the pixels of VAEEncode node 61, which KSampler node 62 samples, do not come from a LoadImage node"},
		{"two LoadImages", func(g map[string]map[string]any) {
			g["66"] = map[string]any{"class_type": "LoadImage", "inputs": map[string]any{"image": "b.png"}}
			g["67"] = map[string]any{"class_type": "ImageBlend", "inputs": map[string]any{"image1": []any{"60", 0}, "image2": []any{"66", 0}}}
			in(g, "61")["pixels"] = []any{"67", 0}
		}, "come from 2 LoadImage nodes (60, 66)"},
		{"two samplers on it", func(g map[string]map[string]any) {
			g["70"] = g["62"]
		}, "KSampler nodes 62, 70 all start from VAEEncode node 61"},
		{"positive not an encoder", func(g map[string]map[string]any) { in(g, "62")["positive"] = []any{"30", 0} },
			"the positive input of img2img KSampler node 62 is not linked to a CLIPTextEncode"},
		{"nothing saved", func(g map[string]map[string]any) { delete(g, "64") },
			"no SaveImage (or PreviewImage) node follows img2img KSampler node 62"},
		{"an img2img-only workflow", func(g map[string]map[string]any) {
			delete(g, "10")
			delete(g, "40")
			delete(g, "50")
		}, "the latent_image of KSampler node 62 comes from VAEEncode node 61: this is an img2img workflow"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseWorkflow(base(t, tt.edit), "flow.json")
			if !errors.Is(err, ErrWorkflow) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "flow.json") {
				t.Errorf("err = %v, want ErrWorkflow naming flow.json and %q", err, tt.want)
			}
		})
	}
	// Not img2img paths: a pixel-space second pass (VAEDecode → VAEEncode
	// → KSampler), and a LoadImage for something else (no VAEEncode).
	hires := graphWith(t, func(g map[string]map[string]any) {
		g["11"] = map[string]any{"class_type": "VAEEncode", "inputs": map[string]any{"pixels": []any{"8", 0}, "vae": []any{"4", 2}}}
		g["12"] = map[string]any{"class_type": "KSampler", "inputs": map[string]any{
			"seed": 1, "steps": 10, "cfg": 5, "sampler_name": "euler", "scheduler": "normal", "denoise": 0.4,
			"model": []any{"4", 0}, "positive": []any{"6", 0}, "negative": []any{"7", 0}, "latent_image": []any{"11", 0}}}
		g["13"] = map[string]any{"class_type": "VAEDecode", "inputs": map[string]any{"samples": []any{"12", 0}, "vae": []any{"4", 2}}}
		inputs(g, "9")["images"] = []any{"13", 0}
		g["14"] = map[string]any{"class_type": "LoadImage", "inputs": map[string]any{"image": "pose.png"}}
	})
	w, err := ParseWorkflow(hires, "")
	if err != nil || w.Img2Img != nil || w.Sampler != "3" {
		t.Errorf("hires pass: %v, %+v", err, w)
	}
	if len(w.dropTxt) != 0 || !strings.Contains(w.Describe(), "img2img: built-in graph") {
		t.Errorf("a workflow without an img2img path drops %v; %s", w.dropTxt, w.Describe())
	}
}

func TestUpscale(t *testing.T) {
	sim, ts := newSim(t, comfysim.Options{})
	b := newBackend(t, Config{URL: ts.URL})
	pic := picture(t, 512, 512)
	p := imagine.Params{Kind: imagine.KindUpscale, Init: &imagine.InputImage{Data: pic, Format: "png", Width: 512, Height: 512},
		UpscaleBy: 2, Upscaler: "R-ESRGAN 4x+", Width: 1024, Height: 1024, Seed: 7, BatchSize: 1, Steps: 1}
	res, err := b.Generate(ctxT(t), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Images) != 1 || !slices.Equal(res.Seeds, []int64{7}) {
		t.Fatalf("%d images, seeds %v", len(res.Images), res.Seeds)
	}
	if img, _ := decode(t, res.Images[0]); img.Bounds().Dx() != 1024 || img.Bounds().Dy() != 1024 {
		t.Errorf("upscaled to %v, want 1024x1024", img.Bounds())
	}
	g := submitted(t, sim, 0)
	checkUpload(t, sim, pic, g, classes(t, g, "LoadImage")[0])
	if n := len(classes(t, g, "KSampler")) + len(classes(t, g, "CheckpointLoaderSimple")); n != 0 {
		t.Errorf("an upscale samples: %d sampler and checkpoint nodes", n)
	}
	run, _ := sim.RunOf(promptIDOf(t, sim.RecordsTo("POST", "/prompt")[0].Body))
	if !slices.Equal(run.UpscaleModels, []string{"RealESRGAN_x4plus.pth"}) || !slices.Equal(run.Saved, []image.Point{{1024, 1024}}) {
		t.Errorf("the server ran %+v; want R-ESRGAN 4x+ as RealESRGAN_x4plus.pth, then 1024x1024", run)
	}
}

// TestUpscaleRefused: an upscaler the server lacks, and a server without
// upscale models, are refused with a clear sentence before anything is
// uploaded or queued.
func TestUpscaleRefused(t *testing.T) {
	for _, tt := range []struct {
		name     string
		opts     comfysim.Options
		upscaler string
		want     string
	}{
		{"unknown upscaler", comfysim.Options{}, "SwinIR_4x", `This image server has no upscaler called "SwinIR_4x"`},
		{"no upscale models", comfysim.Options{NoUpscaleModels: true}, "RealESRGAN_x4plus.pth", "This image server cannot upscale images (it has no upscale models)."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sim, ts := newSim(t, tt.opts)
			b := newBackend(t, Config{URL: ts.URL})
			p := imagine.Params{Kind: imagine.KindUpscale, Init: &imagine.InputImage{Data: picture(t, 64, 64)}, UpscaleBy: 2, Upscaler: tt.upscaler, Width: 128, Height: 128}
			_, err := b.Generate(ctxT(t), p, nil)
			if !errors.Is(err, imagine.ErrRejected) || !strings.HasPrefix(imagine.Describe(err, "en"), tt.want) {
				t.Errorf("err = %v (%q), want ErrRejected saying %q", err, imagine.Describe(err, "en"), tt.want)
			}
			if n := len(sim.Uploads()) + len(sim.RecordsTo("POST", "/prompt")); n != 0 {
				t.Errorf("%d uploads and prompts for a refused upscale", n)
			}
		})
	}
}

func TestMatchUpscaler(t *testing.T) {
	models := []string{"RealESRGAN_x4plus.pth", "4x-UltraSharp.pth", "sub/ESRGAN_4x.pth", "RealESRGAN_x4plus_anime_6B.pth"}
	for _, tt := range []struct{ name, want string }{
		{"4x-UltraSharp.pth", "4x-UltraSharp.pth"},
		{"4x-ultrasharp", "4x-UltraSharp.pth"},
		{"ESRGAN_4x", "sub/ESRGAN_4x.pth"},
		{"R-ESRGAN 4x+", "RealESRGAN_x4plus.pth"},
		{"R-ESRGAN 4x+ Anime6B", "RealESRGAN_x4plus_anime_6B.pth"},
		{"Lanczos", ""},
		{"", ""},
	} {
		got, ok := MatchUpscaler(models, tt.name)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("MatchUpscaler(%q) = %q, %v; want %q", tt.name, got, ok, tt.want)
		}
	}
}

// TestUploadFailures: a picture that cannot be uploaded fails the job
// with a clear error, and no prompt is queued.
func TestUploadFailures(t *testing.T) {
	for _, tt := range []struct {
		name  string
		opts  comfysim.Options
		fault comfysim.Fault
		is    error
		want  string
		also  string
	}{
		{"connection dropped", comfysim.Options{}, comfysim.Fault{Kind: comfysim.FaultDown, Path: "/upload/image"}, imagine.ErrBackendDown, "The image server is not reachable right now.", "uploading the picture"},
		{"over the upload limit", comfysim.Options{MaxUploadBytes: 100}, comfysim.Fault{}, imagine.ErrRejected, "The image server rejected the request: ComfyUI did not take the picture (", "over the server's upload limit"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sim, ts := newSim(t, tt.opts)
			sim.SetFault(tt.fault)
			b := newBackend(t, Config{URL: ts.URL})
			_, err := b.Generate(ctxT(t), img2imgParams(t, 64, 64, 0.5), nil)
			if !errors.Is(err, tt.is) || !strings.HasPrefix(imagine.Describe(err, "en"), tt.want) || !strings.Contains(imagine.Describe(err, "en")+err.Error(), tt.also) {
				t.Errorf("err = %v (%q), want %v saying %q", err, imagine.Describe(err, "en"), tt.is, tt.want)
			}
			if n := len(sim.RecordsTo("POST", "/prompt")); n != 0 {
				t.Errorf("%d prompts queued after a failed upload", n)
			}
		})
	}
}

func TestCancelImg2Img(t *testing.T) {
	sim, ts := newSim(t, comfysim.Options{StepDelay: 20 * time.Millisecond})
	b := newBackend(t, Config{URL: ts.URL})
	ctx, cancel := context.WithCancel(ctxT(t))
	p := img2imgParams(t, 64, 64, 0.5)
	p.Steps = 500
	started := make(chan struct{})
	var once sync.Once
	done := make(chan error, 1)
	go func() {
		_, err := b.Generate(ctx, p, func(imagine.Progress) { once.Do(func() { close(started) }) })
		done <- err
	}()
	<-started
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if err := sim.WaitIdle(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if n := len(sim.RecordsTo("POST", "/interrupt")); n != 1 {
		t.Errorf("%d interrupts, want 1", n)
	}

	// Cancelled while the upload hangs: nothing is queued.
	sim.SetFault(comfysim.Fault{Kind: comfysim.FaultHang, Path: "/upload/image"})
	ctx, cancel = context.WithCancel(ctxT(t))
	go func() {
		_, err := b.Generate(ctx, p, nil)
		done <- err
	}()
	if err := sim.WaitFor(ctxT(t), func() bool { return len(sim.RecordsTo("POST", "/upload/image")) == 2 }); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("cancel during the upload: err = %v", err)
	}
	if n := len(sim.RecordsTo("POST", "/prompt")); n != 1 {
		t.Errorf("%d prompts, want only the first job's", n)
	}
}
