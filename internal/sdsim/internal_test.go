package sdsim

import (
	"bytes"
	"encoding/json"
	"hash/crc32"
	"image/png"
	"testing"
)

func TestParseFlavor(t *testing.T) {
	tests := []struct {
		in      string
		want    Flavor
		wantErr bool
	}{
		{"seed", FlavorSeed, false},
		{"a1111", FlavorA1111, false},
		{"global", FlavorGlobal, false},
		{"A1111", 0, true},
		{"", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseFlavor(tt.in)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("got %v, %v; want %v, error %v", got, err, tt.want, tt.wantErr)
			}
			if err == nil && got.String() != tt.in {
				t.Errorf("String: got %q, want %q", got.String(), tt.in)
			}
		})
	}
}

func TestPyFloatString(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{7, "7.0"}, {7.5, "7.5"}, {0, "0.0"}, {-2, "-2.0"}, {0.1, "0.1"}, {1e16, "1e+16"}, {1e-5, "1e-05"}, {123456789, "123456789.0"},
	}
	for _, tt := range tests {
		if got := pyFloatString(tt.in); got != tt.want {
			t.Errorf("pyFloatString(%v): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCoerce(t *testing.T) {
	tests := []struct {
		raw     string
		kind    fieldKind
		want    any
		wantErr string
	}{
		{`20`, kindInt, int64(20), ""},
		{`20.9`, kindInt, int64(20), ""},
		{`" 20 "`, kindInt, int64(20), ""},
		{`"20.5"`, kindInt, nil, "type_error.integer"},
		{`true`, kindInt, int64(1), ""},
		{`[]`, kindInt, nil, "type_error.integer"},
		{`null`, kindInt, nil, ""},
		{`"1e3"`, kindFloat, pyFloat(1000), ""},
		{`{}`, kindFloat, nil, "type_error.float"},
		{`"yes"`, kindBool, true, ""},
		{`"OFF"`, kindBool, false, ""},
		{`0`, kindBool, false, ""},
		{`2`, kindBool, nil, "type_error.bool"},
		{`1.5`, kindStr, "1.5", ""},
		{`false`, kindStr, "False", ""},
		{`["a"]`, kindStr, nil, "type_error.str"},
		{`"a"`, kindList, nil, "type_error.list"},
		{`[]`, kindDict, nil, "type_error.dict"},
	}
	for _, tt := range tests {
		got, errs := coerce(json.RawMessage(tt.raw), tt.kind, []any{"body", "f"})
		switch {
		case tt.wantErr != "":
			if len(errs) != 1 || errs[0].Type != tt.wantErr {
				t.Errorf("coerce(%s, %d): got %v %v, want error %s", tt.raw, tt.kind, got, errs, tt.wantErr)
			}
		case errs != nil || got != tt.want:
			t.Errorf("coerce(%s, %d): got %#v %v, want %#v", tt.raw, tt.kind, got, errs, tt.want)
		}
	}
}

func TestResolveSampler(t *testing.T) {
	tests := []struct {
		sampler, scheduler, wantSampler, wantScheduler string
	}{
		{"Euler", "", "Euler", "Automatic"},
		{"", "", "DPM++ 2M", "Automatic"},
		{"DPM++ 2M Karras", "", "DPM++ 2M", "Automatic"}, // Karras is its default
		{"DPM++ 2M", "exponential", "DPM++ 2M", "Exponential"},
		{"Euler a Karras", "", "Euler a", "Karras"},
		{"No Such Sampler", "Karras", "DPM++ 2M", "Automatic"}, // silent fallback
	}
	for _, tt := range tests {
		s, sc := resolveSampler(tt.sampler, tt.scheduler)
		if s != tt.wantSampler || sc != tt.wantScheduler {
			t.Errorf("resolveSampler(%q, %q): got %q %q, want %q %q", tt.sampler, tt.scheduler, s, sc, tt.wantSampler, tt.wantScheduler)
		}
	}
}

func TestTextChunk(t *testing.T) {
	tests := []struct {
		text     string
		wantType string
		wantData string
	}{
		{"café", "tEXt", "parameters\x00caf\xe9"},
		{"кот", "iTXt", "parameters\x00\x00\x00\x00\x00кот"},
	}
	for _, tt := range tests {
		c := textChunk("parameters", tt.text)
		n := int(c[0])<<24 | int(c[1])<<16 | int(c[2])<<8 | int(c[3])
		typ, data := string(c[4:8]), string(c[8:8+n])
		crc := uint32(c[8+n])<<24 | uint32(c[9+n])<<16 | uint32(c[10+n])<<8 | uint32(c[11+n])
		if typ != tt.wantType || data != tt.wantData || crc != crc32.ChecksumIEEE(c[4:8+n]) || len(c) != 12+n {
			t.Errorf("textChunk(%q): got %s %q crc %08x", tt.text, typ, data, crc)
		}
	}
}

func TestRenderAndEncode(t *testing.T) {
	img := renderScene(42, 40, 24, 1)
	b := encodePNG(img, "hello")
	dec, err := png.Decode(bytes.NewReader(b))
	if err != nil || dec.Bounds().Dx() != 40 || dec.Bounds().Dy() != 24 {
		t.Fatalf("decode: %v %v", err, dec)
	}
	if !bytes.Equal(b[ihdrEnd+4:ihdrEnd+8], []byte("tEXt")) {
		t.Errorf("chunk after IHDR: %q, want tEXt", b[ihdrEnd+4:ihdrEnd+8])
	}
	// Noise blends in below t = 1 and the picture emerges as t grows.
	diff := func(t float64) int {
		a, f := renderScene(42, 40, 24, t), img
		d := 0
		for i := range a.Pix {
			if a.Pix[i] != f.Pix[i] {
				d++
			}
		}
		return d
	}
	if d0, d5, d9 := diff(0), diff(0.5), diff(0.9); !(d0 > d5 && d5 > d9 && d9 > 0) {
		t.Errorf("pixels differing from the final picture at t=0, 0.5, 0.9: %d %d %d, want decreasing and > 0", d0, d5, d9)
	}
}

func BenchmarkRender512(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		renderScene(1, 512, 512, 1)
	}
}

func BenchmarkEncodePNG512(b *testing.B) {
	img := renderScene(1, 512, 512, 1)
	b.ReportAllocs()
	for b.Loop() {
		encodePNG(img, "a prompt\nSteps: 20, Sampler: Euler")
	}
}
