package sd

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestSelectImages(t *testing.T) {
	imgs := func(n int) [][]byte {
		out := make([][]byte, n)
		for i := range out {
			out[i] = []byte{byte('a' + i)}
		}
		return out
	}
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
			var got strings.Builder
			for _, img := range selectImages(imgs(tt.n), tt.info, tt.infoOK, tt.req) {
				got.Write(img)
			}
			if got.String() != tt.want {
				t.Errorf("selectImages = %q; want %q", got.String(), tt.want)
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
	var v struct{ Images []b64Image }
	err := json.Unmarshal([]byte(`{"Images":["aGVsbG8=","aGk\/",null]}`), &v)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Images) != 3 || string(v.Images[0]) != "hello" || string(v.Images[1]) != "hi?" || v.Images[2] != nil {
		t.Errorf("images = %q; want hello, hi?, nil", v.Images)
	}
	for _, bad := range []string{`{"Images":["%%%"]}`, `{"Images":[12]}`} {
		if err := json.Unmarshal([]byte(bad), &v); err == nil || !strings.Contains(err.Error(), "base64") {
			t.Errorf("Unmarshal(%s) error = %v; want a base64 error", bad, err)
		}
	}
}
