package imagine

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/catalog"
)

// sizedInput is an input image whose header the test checker "reads".
func sizedInput(w, h int) *InputImage {
	return &InputImage{Data: []byte("img"), Format: "png", Width: w, Height: h}
}

func imageSettings() Settings {
	s := testSettings()
	s.Defaults.Strength, s.Defaults.UpscaleBy, s.Defaults.Upscaler, s.Defaults.VaryStrength = 0.6, 2, "R-ESRGAN 4x+", 0.15
	s.Defaults.EnableHR = true // an img2img has no hires pass all the same
	return s
}

func TestResolveKinds(t *testing.T) {
	who := Requester{Platform: Telegram, UserID: "1"}
	base := NewRequest("a cat", who)
	with := func(f func(*Request)) Request {
		r := base
		f(&r)
		return r
	}
	tests := []struct {
		name    string
		req     Request
		want    Params // only the fields compared below
		wantErr catalog.MsgID
	}{
		{"txt2img", base, Params{Kind: KindTxt2Img, Width: 512, Height: 512, EnableHR: true}, -1},
		{"img2img keeps a landscape photo's shape at about the default area",
			with(func(r *Request) { r.Init = sizedInput(4000, 3000) }),
			Params{Kind: KindImg2Img, Width: 592, Height: 440, Strength: 0.6}, -1},
		{"img2img of a portrait",
			with(func(r *Request) { r.Init = sizedInput(1080, 1920) }),
			Params{Kind: KindImg2Img, Width: 384, Height: 680, Strength: 0.6}, -1},
		{"img2img of a panorama beyond 4:1 is cut to 4:1",
			with(func(r *Request) { r.Init = sizedInput(9000, 1000) }),
			Params{Kind: KindImg2Img, Width: 1024, Height: 256, Strength: 0.6}, -1},
		{"img2img with --ar wins over the input's shape",
			with(func(r *Request) { r.Init, r.Aspect = sizedInput(4000, 3000), Ratio{1, 1} }),
			Params{Kind: KindImg2Img, Width: 512, Height: 512, Strength: 0.6}, -1},
		{"img2img with --size, --strength",
			with(func(r *Request) { r.Init, r.Width, r.Height, r.Strength = sizedInput(100, 100), 768, 512, 0.3 }),
			Params{Kind: KindImg2Img, Width: 768, Height: 512, Strength: 0.3}, -1},
		{"--strength exactly 1", with(func(r *Request) { r.Init, r.Strength = sizedInput(64, 64), 1 }),
			Params{Kind: KindImg2Img, Width: 512, Height: 512, Strength: 1}, -1},
		{"--strength over 1", with(func(r *Request) { r.Init, r.Strength = sizedInput(64, 64), 1.01 }), Params{}, catalog.MsgCFGRange},
		{"--strength below 0", with(func(r *Request) { r.Init, r.Strength = sizedInput(64, 64), -0.2 }), Params{}, catalog.MsgCFGRange},
		{"--strength without a picture", with(func(r *Request) { r.Strength = 0.5 }), Params{}, catalog.MsgStrengthNoImage},
		{"img2img --size beyond the limits", with(func(r *Request) { r.Init, r.Width, r.Height = sizedInput(64, 64), 4096, 512 }), Params{}, catalog.MsgSizeRange},
		{"a restored img2img has lost its picture", with(func(r *Request) { r.Kind = KindImg2Img }), Params{}, catalog.MsgInputGone},
		{"variation", with(func(r *Request) { r.Variation, r.Seed = true, 42 }),
			Params{Kind: KindVary, Width: 512, Height: 512, EnableHR: true, Seed: 42, Subseed: -1, SubseedStrength: 0.15}, -1},
		{"variation of an img2img",
			with(func(r *Request) { r.Variation, r.Init = true, sizedInput(512, 512) }),
			Params{Kind: KindImg2Img, Width: 512, Height: 512, Strength: 0.6, Subseed: -1, SubseedStrength: 0.15}, -1},
		{"upscale: the input's size times upscale_by",
			with(func(r *Request) { r.Kind, r.Init, r.Seed = KindUpscale, sizedInput(768, 512), 7 }),
			Params{Kind: KindUpscale, Width: 1536, Height: 1024, Seed: 7, UpscaleBy: 2, Upscaler: "R-ESRGAN 4x+"}, -1},
		{"upscale of a result the store dropped", with(func(r *Request) { r.Kind = KindUpscale }), Params{}, catalog.MsgInputGone},
	}
	s := imageSettings()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := s.Resolve(tt.req)
			if tt.wantErr >= 0 {
				var ue *UserError
				if !errors.As(err, &ue) || ue.ID != tt.wantErr {
					t.Fatalf("Resolve = %+v, %v; want message %d", p, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if tt.want.Seed == 0 {
				tt.want.Seed = p.Seed
			}
			got := Params{Kind: p.Kind, Width: p.Width, Height: p.Height, Strength: p.Strength, EnableHR: p.EnableHR, Seed: p.Seed,
				Subseed: p.Subseed, SubseedStrength: p.SubseedStrength, UpscaleBy: p.UpscaleBy, Upscaler: p.Upscaler}
			if got.Kind != tt.want.Kind || got.Width != tt.want.Width || got.Height != tt.want.Height || got.Strength != tt.want.Strength ||
				got.EnableHR != tt.want.EnableHR || got.Seed != tt.want.Seed || got.Subseed != tt.want.Subseed ||
				got.SubseedStrength != tt.want.SubseedStrength || got.UpscaleBy != tt.want.UpscaleBy || got.Upscaler != tt.want.Upscaler {
				t.Errorf("Resolve =\n %+v\nwant\n %+v", got, tt.want)
			}
			if (p.Kind == KindImg2Img || p.Kind == KindUpscale) && p.Init != tt.req.Init {
				t.Errorf("Params.Init = %p, want the request's %p", p.Init, tt.req.Init)
			}
		})
	}
}

// TestResolveChecksInput: the configured checker runs on every image, and
// its refusal is the request's.
func TestResolveChecksInput(t *testing.T) {
	s := imageSettings()
	refusal := userErr(ErrBadImage, catalog.MsgInputAnimated)
	calls := 0
	s.CheckInput = func(data []byte) (*InputImage, error) {
		calls++
		if string(data) == "gif" {
			return nil, refusal
		}
		return &InputImage{Data: data, Format: "png", Width: 1000, Height: 500}, nil
	}
	r := NewRequest("x", Requester{})
	r.Init = &InputImage{Data: []byte("ok")} // no size: the checker reads it
	p, err := s.Resolve(r)
	if err != nil || p.Width != 728 || p.Height != 360 {
		t.Errorf("Resolve = %dx%d, %v; want 728x360 (2:1 at about 512x512)", p.Width, p.Height, err)
	}
	r.Init = &InputImage{Data: []byte("gif"), Width: 10, Height: 10}
	if _, err := s.Resolve(r); !errors.Is(err, ErrBadImage) || err != error(refusal) {
		t.Errorf("Resolve of a refused image = %v, want the checker's refusal", err)
	}
	if calls != 2 {
		t.Errorf("the checker ran %d times, want 2", calls)
	}
	s.CheckInput = nil
	r.Init = &InputImage{Data: []byte("unchecked")}
	if _, err := s.Resolve(r); !errors.Is(err, ErrBadImage) {
		t.Errorf("Resolve of an unchecked image without a checker = %v, want ErrBadImage", err)
	}
}

func TestImageButtonRequests(t *testing.T) {
	ann := Requester{Platform: Telegram, UserID: "1"}
	bob := Requester{Platform: Discord, UserID: "2"}
	rec := Record{ID: 9, Request: Request{Prompt: "a cat", Seed: -1, BatchSize: 3, Requester: ann, Source: "tg:1:2", HiresFix: true}, Seeds: []int64{100, 101, 102}}

	v := rec.Vary(bob, 1)
	if v.Seed != 101 || !v.Variation || v.Requester != bob || v.Source != "" || v.BatchSize != 3 || v.Prompt != "a cat" {
		t.Errorf("Record.Vary(1) = %+v", v)
	}
	img := []byte("png bytes")
	u := rec.UpscaleImage(bob, 2, img)
	if u.Kind != KindUpscale || u.Seed != 102 || u.BatchSize != 1 || u.Requester != bob || u.Source != "" ||
		u.From == nil || *u.From != (ImageRef{Job: 9, Index: 2}) || u.Init == nil || string(u.Init.Data) != string(img) || u.HiresFix {
		t.Errorf("Record.UpscaleImage(2) = %+v", u)
	}
	if rec.NeedsInput() {
		t.Error("a txt2img record needs no input")
	}
	if !(Record{Request: u}).NeedsInput() || !(Record{Request: Request{Kind: KindImg2Img}}).NeedsInput() {
		t.Error("img2img and upscale records need their image again")
	}
	if rec.Request.Variation || rec.Request.Kind != KindTxt2Img {
		t.Errorf("the record's request changed: %+v", rec.Request)
	}
}

func TestParseStrength(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want float64
		err  catalog.MsgID
	}{
		{"a cat --strength 0.45", 0.45, -1},
		{"a cat --strength 0,3", 0.3, -1},
		{"a cat --denoise 1", 1, -1},
		{"a cat --strength", 0, catalog.MsgMissingValue},
		{"a cat --strength lots", 0, catalog.MsgBadDecimal},
	} {
		r, err := ParseInline(tt.in, Requester{})
		if tt.err >= 0 {
			var ue *UserError
			if !errors.As(err, &ue) || ue.ID != tt.err {
				t.Errorf("ParseInline(%q) = %v, want message %d", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || r.Strength != tt.want || r.Prompt != "a cat" {
			t.Errorf("ParseInline(%q) = %+v, %v; want strength %g", tt.in, r, err, tt.want)
		}
	}
}

// imageBackend records the parameters of every job and answers one image
// per batch entry.
type imageBackend struct {
	fakeBackend
	got chan Params
}

func (b *imageBackend) Generate(ctx context.Context, p Params, progress func(Progress)) (*Result, error) {
	b.got <- p
	res := &Result{}
	for i := range p.BatchSize {
		res.Images = append(res.Images, []byte("\x89PNG\r\n\x1a\n"))
		res.Seeds = append(res.Seeds, 500+int64(i))
	}
	return res, nil
}

func waitEnd(t *testing.T, w *Watch) Status {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		st := w.Latest()
		if st.State.Terminal() {
			return st
		}
		select {
		case <-w.Changed():
		case <-deadline:
			t.Fatalf("the job did not end: %+v", st)
		}
	}
}

// TestSubmitImageJobs runs an img2img, an upscale of its second image and a
// variation through the service: the backend gets the image, the store
// never keeps it, and the upscale counts one image against the presser's
// quota.
func TestSubmitImageJobs(t *testing.T) {
	store := NewMemoryStore()
	b := &imageBackend{got: make(chan Params, 4)}
	s, _ := startService(t, Config{Settings: imageSettings(), PerUser: 3, MaxQueue: 10, Store: store, DailyImages: 3}, b)
	ann := Requester{Platform: Telegram, UserID: "1", Locale: "en"}
	bob := Requester{Platform: Discord, UserID: "2", Locale: "en"}

	req := NewRequest("a cat", ann)
	req.BatchSize, req.Init = 2, sizedInput(800, 600)
	tk, err := s.Submit(req)
	if err != nil {
		t.Fatal(err)
	}
	if p := <-b.got; p.Kind != KindImg2Img || p.Init != req.Init || p.Strength != 0.6 {
		t.Errorf("the backend got %+v", p)
	}
	if st := waitEnd(t, tk.Watch); st.State != Done {
		t.Fatalf("img2img ended %v: %v", st.State, st.Err)
	}
	rec, err := store.Record(context.Background(), tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Request.Init != nil || rec.Request.Kind != KindImg2Img {
		t.Errorf("the stored request has Init %v, kind %q; want none, img2img", rec.Request.Init, rec.Request.Kind)
	}
	img, err := store.Image(context.Background(), tk.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	up := rec.UpscaleImage(bob, 1, img)
	up.Init = sizedInput(592, 440)
	up.Init.Data = img
	utk, err := s.Submit(up)
	if err != nil {
		t.Fatal(err)
	}
	if p := <-b.got; p.Kind != KindUpscale || p.Width != 1184 || p.Seed != 501 || string(p.Init.Data) != string(img) {
		t.Errorf("the upscale's params: %+v", p)
	}
	waitEnd(t, utk.Watch)

	// bob has used 1 of 3: a variation batch of 2 fits, one of 3 does not.
	vary := Record{ID: tk.ID, Request: Request{Prompt: "a dog", Seed: -1, BatchSize: 3, Requester: ann}, Seeds: []int64{1, 2, 3}}.Vary(bob, 0)
	if _, err := s.Submit(vary); !errors.Is(err, ErrQuota) {
		t.Errorf("a variation batch over bob's quota: %v, want ErrQuota", err)
	}
	vary.BatchSize = 2
	vtk, err := s.Submit(vary)
	if err != nil {
		t.Fatal(err)
	}
	if p := <-b.got; p.Kind != KindVary || p.Seed != 1 || p.Subseed != -1 || p.SubseedStrength != 0.15 {
		t.Errorf("the variation's params: %+v", p)
	}
	waitEnd(t, vtk.Watch)
}

// TestResolveUpscaleOwnResult: ⬆ Upscale of one of the bot's results reads
// its header alone (Settings.ImageHeader), not against the limits on what
// users give, so a large result (a --hr 3072×3072 PNG) can be enlarged;
// the output is bounded by MaxUpscalePixels instead.
func TestResolveUpscaleOwnResult(t *testing.T) {
	s := imageSettings()
	checked := 0
	s.CheckInput = func(data []byte) (*InputImage, error) { // limits.max_input_*: 10 MB, 16 Mpx
		checked++
		return nil, userErr(ErrBadImage, catalog.MsgInputTooBig, "15 MB", "10 MB")
	}
	side := map[string]int{"hires": 3072, "huge": 5000, "limit": 4096}
	s.ImageHeader = func(data []byte) (*InputImage, error) {
		n, ok := side[string(data)]
		if !ok {
			return nil, userErr(ErrBadImage, catalog.MsgInputNotImage)
		}
		return &InputImage{Data: data, Format: "png", Width: n, Height: n}, nil
	}
	result := func(data string, by float64) (Settings, Request) {
		s := s
		s.Defaults.UpscaleBy = by
		r := Record{ID: 9, Request: NewRequest("a cat", Requester{})}.UpscaleImage(Requester{UserID: "2"}, 0, []byte(data))
		return s, r
	}
	for _, tt := range []struct {
		name    string
		data    string
		by      float64
		wantW   int
		wantErr catalog.MsgID
	}{
		{"a 3072² result at 2×", "hires", 2, 6144, -1},
		{"a 4096² result at 2× is exactly the cap", "limit", 2, 8192, -1},
		{"a 3072² result at 4× is over the cap", "hires", 4, 0, catalog.MsgUpscaleTooLarge},
		{"a 5000² result at 2× is over the cap", "huge", 2, 0, catalog.MsgUpscaleTooLarge},
		{"a stored result that is no image", "junk", 2, 0, catalog.MsgInputNotImage},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, r := result(tt.data, tt.by)
			p, err := s.Resolve(r)
			if tt.wantErr >= 0 {
				var ue *UserError
				if !errors.As(err, &ue) || ue.ID != tt.wantErr {
					t.Fatalf("Resolve = %dx%d, %v; want message %d", p.Width, p.Height, err, tt.wantErr)
				}
				return
			}
			if err != nil || p.Kind != KindUpscale || p.Width != tt.wantW || p.Height != tt.wantW {
				t.Fatalf("Resolve = %s %dx%d, %v; want an upscale to %d²", p.Kind, p.Width, p.Height, err, tt.wantW)
			}
		})
	}
	if checked != 0 {
		t.Errorf("the user-input checker ran %d times on the bot's own results, want never", checked)
	}
	// An image a user gave to enlarge (no From) is a user's image.
	r := NewRequest("", Requester{})
	r.Kind, r.Init = KindUpscale, &InputImage{Data: []byte("hires")}
	if _, err := s.Resolve(r); !errors.Is(err, ErrBadImage) || checked != 1 {
		t.Errorf("an upscale without From: %v after %d checks, want the user-input checker's refusal", err, checked)
	}
	ue := userErr(ErrBadImage, catalog.MsgUpscaleTooLarge, 3072, 3072, 12288, 12288, MaxUpscalePixels/1_000_000)
	if got, want := Describe(ue, "en"), "That image is too large to enlarge: 3072×3072 pixels would become 12288×12288; the most I make is 67 megapixels."; got != want {
		t.Errorf("the refusal reads %q, want %q", got, want)
	}
}
