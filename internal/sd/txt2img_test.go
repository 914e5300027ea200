package sd

import (
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestOutputRange(t *testing.T) {
	tests := []struct {
		name   string
		n      int
		info   Info
		infoOK bool
		req    Txt2ImgRequest
		want   string
	}{
		{"one image", 1, Info{AllSeeds: []int64{1}}, true, Txt2ImgRequest{}, "a"},
		{"grid first", 3, Info{AllSeeds: []int64{1, 2}, IndexOfFirstImage: 1}, true, Txt2ImgRequest{BatchSize: 2}, "bc"},
		{"extras after outputs (forge, controlnet)", 4, Info{AllSeeds: []int64{1, 2}}, true, Txt2ImgRequest{BatchSize: 2}, "ab"},
		{"index out of range", 2, Info{AllSeeds: []int64{1}, IndexOfFirstImage: 5}, true, Txt2ImgRequest{}, "a"},
		{"fewer images than seeds (interrupted)", 1, Info{AllSeeds: []int64{1, 2, 3}}, true, Txt2ImgRequest{BatchSize: 3}, "a"},
		{"no info: batch times n_iter", 5, Info{}, false, Txt2ImgRequest{BatchSize: 2, NIter: 2}, "abcd"},
		{"no info: grid from save_images", 5, Info{}, false, Txt2ImgRequest{BatchSize: 2, NIter: 2, SaveImages: true}, "bcde"},
		{"no info, defaults", 2, Info{}, false, Txt2ImgRequest{}, "a"},
		{"no images", 0, Info{AllSeeds: []int64{1}}, true, Txt2ImgRequest{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lo, hi := outputRange(tt.n, tt.info, tt.infoOK, tt.req)
			got := "abcde"[lo:hi]
			if got != tt.want {
				t.Errorf("outputRange = %d, %d (%q); want %q", lo, hi, got, tt.want)
			}
		})
	}
}

func TestTxt2ImgRequestJSON(t *testing.T) {
	b, err := json.Marshal(Txt2ImgRequest{Prompt: "p", Seed: -1, TaskID: "t", ForceTaskID: "t"})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"prompt": "p", "negative_prompt": "", "seed": -1.0, "enable_hr": false, "save_images": false, "task_id": "t", "force_task_id": "t"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("JSON = %v; want %v", got, want)
	}
}

func TestDecodeImage(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{"aGVsbG8=", "hello", false},
		{"aGVsbG8", "hello", false},
		{"data:image/jpeg;base64,aGVsbG8=", "hello", false},
		{"aGVs\nbG8=", "hello", false},
		{"not base64!", "", true},
	}
	for _, tt := range tests {
		got, err := decodeImage(tt.in)
		if string(got) != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("decodeImage(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestB64ImageJSON(t *testing.T) {
	const (
		png  = "\x89PNG\r\n\x1a\n rest"
		jpeg = "\xff\xd8\xff\xe0 rest"
		webp = "RIFF\x10\x00\x00\x00WEBPVP8 "
	)
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name        string
		json        string
		wantData    string
		wantProblem string // a part of the problem; "" for an image
	}{
		{"png", `"` + b64(png) + `"`, png, ""},
		{"jpeg with JSON escapes", `"` + strings.ReplaceAll(b64(jpeg), "/", `\/`) + `"`, jpeg, ""},
		{"webp data URI without padding", `"data:image/webp;base64,` + strings.TrimRight(b64(webp), "=") + `"`, webp, ""},
		{"null", `null`, "", "null"},
		{"empty string", `""`, "", "an empty string"},
		{"blank string", `"  "`, "", "an empty string"},
		{"bad base64", `"%%%"`, "", "not valid base64"},
		{"a number", `12`, "", "not a base64 string"},
		{"text, not an image", `"` + b64("hello") + `"`, "", `not a PNG, JPEG or WebP file (it starts with "hello")`},
		{"RIFF but not WebP", `"` + b64("RIFF\x10\x00\x00\x00WAVEfmt ") + `"`, "", "not a PNG, JPEG or WebP file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v struct{ Images []b64Image }
			if err := json.Unmarshal([]byte(`{"Images":[`+tt.json+`]}`), &v); err != nil {
				t.Fatalf("Unmarshal: %v; want the entry decoded, a problem noted, never a failed answer", err)
			}
			got := v.Images[0]
			if string(got.data) != tt.wantData || !strings.Contains(got.problem, tt.wantProblem) || (tt.wantProblem == "") != (got.problem == "") {
				t.Errorf("got data %q, problem %q; want data %q, problem %q", got.data, got.problem, tt.wantData, tt.wantProblem)
			}
		})
	}
}
