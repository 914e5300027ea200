package comfyui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"time"

	"github.com/imaginebot/imaginebot/internal/imagefile"
	"github.com/imaginebot/imaginebot/internal/imagine"
)

// uploadTimeout bounds one upload: a picture of up to
// limits.max_input_bytes (10 MB by default) over a slow link.
const uploadTimeout = 2 * time.Minute

// upload sends a user's picture to ComfyUI's input folder (POST
// /upload/image, type input, never overwriting) as stem plus the
// picture's extension, and returns the name LoadImage takes: the one the
// server answered, which differs when the name was taken. ComfyUI keeps
// the file; it has no API to delete it.
func (b *Backend) upload(ctx context.Context, in *imagine.InputImage, stem string) (string, error) {
	if in == nil || len(in.Data) == 0 {
		return "", fmt.Errorf("%w: comfyui: a picture job without a picture", imagine.ErrBackend)
	}
	ext, ctype := imagefile.Ext(in.Data)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="image"; filename="%s.%s"`, stem, ext))
	h.Set("Content-Type", ctype)
	part, err := mw.CreatePart(h)
	if err == nil {
		_, err = part.Write(in.Data)
	}
	for _, f := range [][2]string{{"type", "input"}, {"overwrite", "false"}} {
		if err == nil {
			err = mw.WriteField(f[0], f[1])
		}
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return "", fmt.Errorf("comfyui: encode the picture's upload: %w", err)
	}
	data, err := b.send(ctx, http.MethodPost, "/upload/image", mw.FormDataContentType(), body.Bytes(), uploadTimeout)
	var se *statusError
	switch {
	case errors.As(err, &se) && se.Status == http.StatusRequestEntityTooLarge:
		return "", &imagine.RejectedError{
			Reason: fmt.Sprintf("ComfyUI did not take the picture (%s): it is over the server's upload limit (--max-upload-size)", imagefile.ByteSize(int64(len(in.Data)))),
			Err:    fmt.Errorf("%w: comfyui: uploading the picture: %w", imagine.ErrBackend, se),
		}
	case err != nil:
		return "", fmt.Errorf("comfyui: uploading the picture: %w", err)
	}
	var resp struct {
		Name      string `json:"name"`
		Subfolder string `json:"subfolder"`
	}
	if err := json.Unmarshal(data, &resp); err != nil || resp.Name == "" {
		return "", fmt.Errorf("%w: comfyui: POST /upload/image answered without the file's name: %.200s", imagine.ErrBackend, data)
	}
	if sub := strings.Trim(resp.Subfolder, "/"); sub != "" {
		return sub + "/" + resp.Name, nil
	}
	return resp.Name, nil
}
