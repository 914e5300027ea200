package comfyui

import (
	"fmt"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// unsupported refuses, with a reason users can read, what this backend
// cannot run faithfully: a variation (KindVary, or an img2img asked with
// a subseed strength). ComfyUI's samplers take one seed and have no
// subseed; blending two seeds' noise needs custom nodes, and the tricks
// the built-in nodes allow (KSamplerAdvanced steps, a low-denoise
// img2img of the image) are other things than A1111's variation, so a
// variation is refused rather than approximated. An unknown kind is a
// bug, not run as a txt2img that ignores it.
func unsupported(p imagine.Params) error {
	if p.Kind == imagine.KindVary || p.SubseedStrength > 0 {
		return rejected(catalog.MsgVaryUnsupported, imagine.KindVary)
	}
	switch p.Kind {
	case imagine.KindTxt2Img, imagine.KindImg2Img, imagine.KindUpscale:
		return nil
	}
	return fmt.Errorf("%w: comfyui: unknown job kind %q", imagine.ErrBackend, p.Kind)
}

// Refuses implements imagine.Refuser: the dispatcher gives a variation to
// a backend that can make it (an A1111 one) rather than to this one.
func (b *Backend) Refuses(p imagine.Params) error { return unsupported(p) }

// rejected is an imagine.ErrRejected whose sentence is id.
func rejected(id catalog.MsgID, k imagine.JobKind) error {
	return fmt.Errorf("comfyui: %s jobs are not supported: %w", k, &imagine.UserError{Kind: imagine.ErrRejected, ID: id})
}
