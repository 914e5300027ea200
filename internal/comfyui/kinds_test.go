package comfyui

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

// TestUnsupportedKinds: a picture job is refused with a readable reason
// before anything is sent, never run as a txt2img.
func TestUnsupportedKinds(t *testing.T) {
	b := &Backend{}
	for _, tt := range []struct {
		kind imagine.JobKind
		want string
	}{
		{imagine.KindImg2Img, "cannot start from a picture"},
		{imagine.KindVary, "cannot make variations"},
		{imagine.KindUpscale, "cannot upscale"},
	} {
		_, err := b.Generate(context.Background(), imagine.Params{Kind: tt.kind, Init: &imagine.InputImage{Data: []byte("x")}}, nil)
		if !errors.Is(err, imagine.ErrRejected) || !strings.Contains(imagine.Describe(err, "en"), tt.want) {
			t.Errorf("%s: %v (%q); want ErrRejected saying %q", tt.kind, err, imagine.Describe(err, "en"), tt.want)
		}
	}
}
