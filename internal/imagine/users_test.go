package imagine

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestQuota checks the daily quota: each image of a batch counts, jobs not
// yet ended count, refusals say when it resets, admins have none, and a
// failed job gives its images back.
func TestQuota(t *testing.T) {
	fail := true
	b := &fakeBackend{stepTime: time.Millisecond}
	b.gen = func(ctx context.Context, p Params, progress func(Progress)) (*Result, error) {
		if fail && p.UserPrompt == "fails" {
			return nil, ErrOutOfMemory
		}
		return &Result{Images: make([][]byte, p.BatchSize), Seeds: make([]int64, p.BatchSize)}, nil
	}
	s, _ := startService(t, Config{PerUser: 5, MaxQueue: 50, DailyImages: 3}, b)
	ann := user("ann")

	req := NewRequest("two", ann)
	req.BatchSize = 2
	tk, err := s.Submit(req)
	if err != nil {
		t.Fatal(err)
	}
	if q := s.Quota(ann); q.Limit != 3 || q.Used != 2 || q.Left != 1 {
		t.Errorf("Quota while the job waits or runs = %+v, want 2 of 3 used", q)
	}
	final(t, tk.Watch)
	_, err = s.Submit(req)
	var ue *UserError
	if !errors.Is(err, ErrQuota) || !errors.As(err, &ue) {
		t.Fatalf("a batch of 2 with 1 left: err = %v, want ErrQuota", err)
	}
	if msg := Describe(err, "en"); !strings.Contains(msg, "3 images") || !strings.Contains(msg, "UTC") {
		t.Errorf("refusal %q does not say the quota and when it resets", msg)
	}
	if st := final(t, submit(t, s, ann, "fails", 1).Watch); st.State != Failed {
		t.Fatalf("job = %v, want failed", st.State)
	}
	if q := s.Quota(ann); q.Left != 1 {
		t.Errorf("after a failed job Quota = %+v, want 1 left", q)
	}
	final(t, submit(t, s, ann, "one", 1).Watch)
	if q := s.Quota(ann); q.Left != 0 || !q.Resets.After(time.Now()) || time.Until(q.Resets) > 24*time.Hour {
		t.Errorf("Quota = %+v, want 0 left and a reset within a day", q)
	}
	admin := user("boss")
	admin.Admin = true
	req = NewRequest("many", admin)
	req.BatchSize = 4
	if _, err := s.Submit(req); err != nil {
		t.Errorf("admin refused: %v", err)
	}
	if q := s.Quota(admin); q.Limit != 0 {
		t.Errorf("admin Quota = %+v, want no limit", q)
	}
}

// TestPrefsApply checks the order: request options over a user's settings
// over the configured defaults, and the reply language.
func TestPrefsApply(t *testing.T) {
	on := true
	p := Prefs{Aspect: Ratio{16, 9}, Steps: 40, Style: "anime", Negative: "text", Hires: &on, Locale: "zh"}
	who := Requester{Platform: Discord, UserID: "1", Locale: "en-US"}

	got := p.Apply(NewRequest("cat", who))
	if got.Aspect != (Ratio{16, 9}) || got.Steps != 40 || got.Style != "anime" || got.NegativePrompt != "text" || !got.HiresFix || got.Requester.Locale != "zh" {
		t.Errorf("settings not applied: %+v", got)
	}
	req := NewRequest("cat", who)
	req.Width, req.Height, req.Steps, req.Style, req.NegativePrompt = 640, 512, 20, "photo", "blur"
	got = p.Apply(req)
	if got.Width != 640 || !got.Aspect.IsZero() || got.Steps != 20 || got.Style != "photo" || got.NegativePrompt != "blur" {
		t.Errorf("request options lost to settings: %+v", got)
	}
	if got := (Prefs{}).Apply(NewRequest("cat", who)); got.Requester.Locale != "en-US" || got.Steps != 0 {
		t.Errorf("empty settings changed the request: %+v", got)
	}
}

func TestParsePrefs(t *testing.T) {
	on, off := true, false
	base := Prefs{Steps: 25, Style: "anime"}
	tests := []struct {
		in   string
		want Prefs
		err  error
	}{
		{"--ar 16:9 --steps 30", Prefs{Aspect: Ratio{16, 9}, Steps: 30, Style: "anime"}, nil},
		{"--size 768x512", Prefs{Width: 768, Height: 512, Steps: 25, Style: "anime"}, nil},
		{"--no blurry, text --hr on", Prefs{Steps: 25, Style: "anime", Negative: "blurry, text", Hires: &on}, nil},
		{"--hr off --lang 中文", Prefs{Steps: 25, Style: "anime", Hires: &off, Locale: "zh"}, nil},
		{"--style none --steps default", Prefs{}, nil},
		{"--lang zh-CN", Prefs{Steps: 25, Style: "anime", Locale: "zh"}, nil},
		{"reset", Prefs{}, nil},
		{"--seed 3", Prefs{}, ErrBadOption},
		{"--steps", Prefs{}, ErrBadOption},
		{"--steps many", Prefs{}, ErrBadOption},
		{"--hr maybe", Prefs{}, ErrBadOption},
		{"16:9", Prefs{}, ErrBadOption},
		{"--ar 1:1 --ar 2:3", Prefs{}, ErrBadOption},
	}
	for _, tt := range tests {
		got, err := ParsePrefs(tt.in, base)
		if !errors.Is(err, tt.err) {
			t.Errorf("ParsePrefs(%q) err = %v, want %v", tt.in, err, tt.err)
			continue
		}
		if err == nil && !prefsEqual(got, tt.want) {
			t.Errorf("ParsePrefs(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func prefsEqual(a, b Prefs) bool {
	if (a.Hires == nil) != (b.Hires == nil) || (a.Hires != nil && *a.Hires != *b.Hires) {
		return false
	}
	a.Hires, b.Hires = nil, nil
	return a == b
}

// TestSetPrefs checks that settings are validated like inline options,
// kept, and used by later requests.
func TestSetPrefs(t *testing.T) {
	s, _ := startService(t, Config{PerUser: 3, MaxQueue: 10}, &fakeBackend{stepTime: time.Millisecond})
	ann := user("ann")
	for _, bad := range []Prefs{{Steps: 999}, {Style: "nope"}, {Aspect: Ratio{10, 1}}, {Width: 4096, Height: 64}, {Locale: "fr"}} {
		if err := s.SetPrefs(ann, bad); err == nil {
			t.Errorf("SetPrefs(%+v) accepted", bad)
		} else if _, ok := err.(*UserError); !ok {
			t.Errorf("SetPrefs(%+v) = %v, want a *UserError", bad, err)
		}
	}
	if err := s.SetPrefs(ann, Prefs{Steps: 7, Aspect: Ratio{2, 1}, Locale: "zh"}); err != nil {
		t.Fatal(err)
	}
	if p := s.Prefs(ann); p.Steps != 7 || p.Locale != "zh" {
		t.Errorf("Prefs = %+v", p)
	}
	tk, err := s.Submit(NewRequest("cat", ann))
	if err != nil {
		t.Fatal(err)
	}
	if tk.Params.Steps != 7 || tk.Params.Width <= tk.Params.Height {
		t.Errorf("params %dx%d, %d steps; want the user's 2:1 and 7 steps", tk.Params.Width, tk.Params.Height, tk.Params.Steps)
	}
}

// TestRecordsAndDuplicates checks what the buttons and /history read, and
// that a request delivered twice makes one job.
func TestRecordsAndDuplicates(t *testing.T) {
	b := &fakeBackend{}
	b.gen = func(ctx context.Context, p Params, progress func(Progress)) (*Result, error) {
		return &Result{Images: [][]byte{[]byte("png-1"), []byte("png-2")}, Seeds: []int64{11, 12}, Model: "m1"}, nil
	}
	s, _ := startService(t, Config{PerUser: 3, MaxQueue: 10}, b)
	ann := user("ann")
	req := NewRequest("cat", ann)
	req.Source = "tg:1:2"
	tk, err := s.Submit(req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Submit(req); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("second delivery: err = %v, want ErrDuplicate", err)
	}
	final(t, tk.Watch)
	r, err := s.Record(tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Outcome != Done || r.Request.Prompt != "cat" || len(r.Seeds) != 2 || r.Seeds[1] != 12 || r.Model != "m1" || r.Images != 2 {
		t.Errorf("Record = %+v", r)
	}
	if img, err := s.Image(tk.ID, 1); err != nil || string(img) != "png-2" {
		t.Errorf("Image(1) = %q, %v", img, err)
	}
	if _, err := s.Image(tk.ID, 2); !errors.Is(err, ErrImageGone) {
		t.Errorf("Image(2) err = %v, want ErrImageGone", err)
	}
	if _, err := s.Record(tk.ID + 100); !errors.Is(err, ErrExpired) || !strings.Contains(Describe(err, "en"), "30 days") {
		t.Errorf("Record(unknown) err = %v (%q), want ErrExpired saying 30 days", err, Describe(err, "en"))
	}
	h, err := s.History(ann)
	if err != nil || len(h) != 1 || h[0].ID != tk.ID {
		t.Errorf("History = %+v, %v", h, err)
	}
}

// TestRecordAgain checks that running a result again keeps the seed its
// first image had, even when the request asked for a random one.
func TestRecordAgain(t *testing.T) {
	bob := user("bob")
	rec := Record{Request: NewRequest("cat", user("ann")), Seeds: []int64{7, 8}}
	rec.Request.Source = "tg:1:2"
	if got := rec.Again(bob); got.Seed != 7 || got.Requester != bob || got.Source != "" {
		t.Errorf("Again = %+v, want seed 7 asked by bob without a source", got)
	}
	rec.Request.Seed = 99
	if got := rec.Again(bob); got.Seed != 99 {
		t.Errorf("Again of a fixed seed = %d, want 99", got.Seed)
	}
	if got := (Record{Request: NewRequest("cat", bob)}).Again(bob); got.Seed != -1 {
		t.Errorf("Again of a failed job = %d, want -1 (random, as asked)", got.Seed)
	}
}
