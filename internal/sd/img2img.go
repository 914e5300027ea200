package sd

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
)

// Img2ImgRequest is the body of POST /sdapi/v1/img2img: a txt2img's fields
// without the hires pass, and the image to start from. JSON names are
// A1111's.
type Img2ImgRequest struct {
	// InitImage is the picture to start from (a PNG, JPEG or WebP file); it
	// is sent base64 as init_images[0] and never logged.
	InitImage []byte `json:"-"`
	// DenoisingStrength is how far the result may move from the picture,
	// 0–1 (always sent: A1111's default 0.75 is not the bot's).
	DenoisingStrength float64 `json:"denoising_strength"`
	// ResizeMode is how the picture is fitted to Width×Height: 0 stretches,
	// 1 crops (the bot's choice: no distortion), 2 fills.
	ResizeMode int `json:"resize_mode"`

	Prompt          string  `json:"prompt"`
	NegativePrompt  string  `json:"negative_prompt"`
	Width           int     `json:"width,omitempty"`
	Height          int     `json:"height,omitempty"`
	BatchSize       int     `json:"batch_size,omitempty"`
	NIter           int     `json:"n_iter,omitempty"`
	Steps           int     `json:"steps,omitempty"`
	Seed            int64   `json:"seed"`
	Subseed         *int64  `json:"subseed,omitempty"`
	SubseedStrength float64 `json:"subseed_strength,omitempty"`
	SamplerName     string  `json:"sampler_name,omitempty"`
	Scheduler       string  `json:"scheduler,omitempty"`
	CFGScale        float64 `json:"cfg_scale,omitempty"`
	// DistilledCFGScale is Forge's, for Flux; 0 is not sent.
	DistilledCFGScale float64 `json:"distilled_cfg_scale,omitempty"`

	OverrideSettings                  map[string]any `json:"override_settings,omitempty"`
	OverrideSettingsRestoreAfterwards *bool          `json:"override_settings_restore_afterwards,omitempty"`
	SendImages                        *bool          `json:"send_images,omitempty"`
	SaveImages                        bool           `json:"save_images"`
	// IncludeInitImages would make the server send the picture back among
	// the outputs; never set.
	IncludeInitImages bool `json:"include_init_images"`

	TaskID      string `json:"task_id,omitempty"`
	ForceTaskID string `json:"force_task_id,omitempty"`
}

// img2imgBody is what goes on the wire: the request with the picture as
// base64 (built when the request is sent, so that no copy outlives it).
type img2imgBody struct {
	InitImages []string `json:"init_images"`
	*Img2ImgRequest
}

// Img2Img runs one img2img and follows its progress exactly as Generate
// follows a txt2img: a fresh task id unless req has one, progress every
// Config.PollInterval to onProgress (may be nil), bounded by Config.Timeout
// with an interrupt when that or ctx ends first. The answer is checked as a
// txt2img's is.
func (c *Client) Img2Img(ctx context.Context, req Img2ImgRequest, onProgress func(Progress)) (*Txt2ImgResponse, error) {
	if len(req.InitImage) == 0 {
		return nil, fmt.Errorf("sd: img2img without an image")
	}
	req.TaskID, req.ForceTaskID = taskIDs(req.TaskID, req.ForceTaskID)
	var poll func(context.Context)
	if onProgress != nil {
		tr := newTracker(req.TaskID, req.ForceTaskID)
		poll = func(ctx context.Context) { c.pollLoop(ctx, tr, onProgress) }
	}
	body := img2imgBody{InitImages: []string{base64.StdEncoding.EncodeToString(req.InitImage)}, Img2ImgRequest: &req}
	shape := Txt2ImgRequest{BatchSize: req.BatchSize, NIter: req.NIter, SaveImages: req.SaveImages, SendImages: req.SendImages}
	return c.runJob(ctx, "img2img", poll, func(ctx context.Context) (*Txt2ImgResponse, error) {
		return c.post(ctx, "/sdapi/v1/img2img", body, shape)
	})
}

// UpscaleRequest is the body of POST /sdapi/v1/extra-single-image.
type UpscaleRequest struct {
	// Image is the picture to enlarge; sent base64, never logged.
	Image []byte `json:"-"`
	// ResizeMode 0 scales by UpscalingResize.
	ResizeMode      int     `json:"resize_mode"`
	UpscalingResize float64 `json:"upscaling_resize"`
	Upscaler1       string  `json:"upscaler_1"`
	Upscaler2       string  `json:"upscaler_2"`
	// ShowExtrasResults must be true for the server to send the image.
	ShowExtrasResults bool `json:"show_extras_results"`
}

type upscaleBody struct {
	Image string `json:"image"`
	*UpscaleRequest
}

// ExtraSingleImage enlarges one image with the server's upscaler (POST
// /sdapi/v1/extra-single-image) and returns it. The server reports no
// progress for it; it is bounded by Config.Timeout like a generation, and
// interrupted when that or ctx ends first. An answer without a usable
// image is a *NoImageError.
func (c *Client) ExtraSingleImage(ctx context.Context, req UpscaleRequest) ([]byte, error) {
	if len(req.Image) == 0 {
		return nil, fmt.Errorf("sd: extra-single-image without an image")
	}
	req.ShowExtrasResults = true
	if req.Upscaler2 == "" {
		req.Upscaler2 = "None"
	}
	body := upscaleBody{Image: base64.StdEncoding.EncodeToString(req.Image), UpscaleRequest: &req}
	resp, err := c.runJob(ctx, "extra-single-image", nil, func(ctx context.Context) (*Txt2ImgResponse, error) {
		const path = "/sdapi/v1/extra-single-image"
		resp, err := c.send(ctx, http.MethodPost, path, body)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		var w struct {
			Image *b64Image `json:"image"`
		}
		if err := c.decode(ctx, resp, http.MethodPost, path, &w); err != nil {
			return nil, err
		}
		switch {
		case w.Image == nil:
			return nil, &NoImageError{Index: -1}
		case w.Image.problem != "":
			return nil, &NoImageError{Index: 0, Reason: w.Image.problem}
		}
		return &Txt2ImgResponse{Images: [][]byte{w.Image.data}}, nil
	})
	if err != nil {
		return nil, err
	}
	return resp.Images[0], nil
}
