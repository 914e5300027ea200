package telegram

import (
	"bytes"
	"image"
	"image/jpeg"

	"github.com/imaginebot/imaginebot/internal/imagefile"
)

// Live previews are shrunk to a JPEG of at most previewSide pixels on the
// long side before upload: an A1111 preview is a full-size PNG of up to a
// few MB, sent about once a second per running job, while Telegram shows it
// small and re-encodes it anyway.
const (
	previewSide    = 640
	previewQuality = 80
)

// previewPhoto returns the preview to upload as a photo and its file name,
// or ok false if it cannot be shown.
func previewPhoto(b []byte) (data []byte, name string, ok bool) {
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return b, "preview" + imageExt(b), photoFits(b)
	}
	var out bytes.Buffer
	if err := jpeg.Encode(&out, imagefile.Shrink(img, previewSide), &jpeg.Options{Quality: previewQuality}); err != nil {
		return b, "preview" + imageExt(b), photoFits(b)
	}
	if out.Len() >= len(b) && photoFits(b) {
		return b, "preview" + imageExt(b), true // already small
	}
	return out.Bytes(), "preview.jpg", photoFits(out.Bytes())
}
