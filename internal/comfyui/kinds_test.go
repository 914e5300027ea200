package comfyui

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

// TestVariationRefused: ComfyUI has no subseed, so a variation (a Vary
// job, or an img2img asked with a subseed strength) is refused with a
// readable reason before anything is sent, never run as the same image
// again; an unknown kind is an error, not a txt2img.
func TestVariationRefused(t *testing.T) {
	b := &Backend{} // no server: nothing may be sent
	pic := &imagine.InputImage{Data: []byte("x")}
	for _, tt := range []struct {
		name string
		p    imagine.Params
		want string
	}{
		{"vary", imagine.Params{Kind: imagine.KindVary, Subseed: -1, SubseedStrength: 0.15}, "cannot make variations"},
		{"img2img variation", imagine.Params{Kind: imagine.KindImg2Img, Init: pic, Subseed: -1, SubseedStrength: 0.15}, "cannot make variations"},
	} {
		_, err := b.Generate(context.Background(), tt.p, nil)
		if !errors.Is(err, imagine.ErrRejected) || !strings.Contains(imagine.Describe(err, "en"), tt.want) {
			t.Errorf("%s: %v (%q); want ErrRejected saying %q", tt.name, err, imagine.Describe(err, "en"), tt.want)
		}
	}
	_, err := b.Generate(context.Background(), imagine.Params{Kind: "outpaint"}, nil)
	if !errors.Is(err, imagine.ErrBackend) || !strings.Contains(err.Error(), `unknown job kind "outpaint"`) {
		t.Errorf("unknown kind: %v", err)
	}
}
