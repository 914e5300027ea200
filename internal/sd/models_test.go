package sd

import "testing"

func TestMatchModel(t *testing.T) {
	models := []Model{
		{Title: "sdxl/foo.safetensors [aaaa111111]", ModelName: "foo", Hash: "aaaa111111", Filename: "/m/Stable-diffusion/sdxl/foo.safetensors"},
		{Title: "v1-5-pruned-emaonly.safetensors [6ce0161689]", ModelName: "v1-5-pruned-emaonly", Hash: "6ce0161689", SHA256: "6ce0161689b3853acaa03779ec93eafe75a02f4ced659bee03f50797806fa2fa", Filename: `C:\sd\models\Stable-diffusion\v1-5-pruned-emaonly.safetensors`},
		{Title: "foo", ModelName: "other", Filename: "/m/foo.ckpt"}, // a title equal to another's model_name
	}
	tests := []struct {
		name, want string
		ok         bool
	}{
		{"foo", "foo", true}, // title beats model_name
		{"sdxl/foo.safetensors [aaaa111111]", "sdxl/foo.safetensors [aaaa111111]", true},
		{"v1-5-pruned-emaonly", "v1-5-pruned-emaonly.safetensors [6ce0161689]", true},
		{"sdxl/foo.safetensors", "sdxl/foo.safetensors [aaaa111111]", true},
		{"v1-5-pruned-emaonly.safetensors", "v1-5-pruned-emaonly.safetensors [6ce0161689]", true},
		{"foo.ckpt", "foo", true},
		{"6CE0161689", "v1-5-pruned-emaonly.safetensors [6ce0161689]", true},
		{"6ce0161689b3853acaa03779ec93eafe75a02f4ced659bee03f50797806fa2fa", "v1-5-pruned-emaonly.safetensors [6ce0161689]", true},
		{"V1-5-Pruned-EmaOnly", "v1-5-pruned-emaonly.safetensors [6ce0161689]", true},
		{" other ", "foo", true},
		{"nope", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		m, ok := matchModel(models, tt.name)
		if m.Title != tt.want || ok != tt.ok {
			t.Errorf("matchModel(%q) = %q, %v; want %q, %v", tt.name, m.Title, ok, tt.want, tt.ok)
		}
	}
}

func TestIsModel(t *testing.T) {
	m := Model{Title: "sdxl/foo.safetensors [aaaa111111]", ModelName: "foo"}
	for got, want := range map[string]bool{
		"sdxl/foo.safetensors [aaaa111111]": true,
		"sdxl/foo.safetensors":              true,
		"sdxl/foo.safetensors [bbbb]":       true, // hash computed after the switch
		"foo":                               true,
		"bar.safetensors [aaaa111111]":      false,
		"":                                  false,
	} {
		if isModel(m, got) != want {
			t.Errorf("isModel(%q) = %v; want %v", got, !want, want)
		}
	}
}
