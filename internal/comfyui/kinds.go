package comfyui

import (
	"fmt"

	"github.com/imaginebot/imaginebot/internal/catalog"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// unsupportedKind refuses the jobs this backend does not run yet, with a
// reason users can read, rather than run them as a txt2img that ignores
// the picture: an img2img, an upscale, and a variation (ComfyUI's
// KSampler has no subseed; a variation is refused, not approximated).
func unsupportedKind(k imagine.JobKind) error {
	switch k {
	case imagine.KindTxt2Img:
		return nil
	case imagine.KindUpscale:
		return rejected(catalog.MsgUpscaleUnsupported, k)
	case imagine.KindVary:
		return rejected(catalog.MsgVaryUnsupported, k)
	default:
		return rejected(catalog.MsgImg2ImgUnsupported, k)
	}
}

// rejected is an imagine.ErrRejected whose sentence is id.
func rejected(id catalog.MsgID, k imagine.JobKind) error {
	return fmt.Errorf("comfyui: %s jobs are not supported: %w", k, &imagine.UserError{Kind: imagine.ErrRejected, ID: id})
}
