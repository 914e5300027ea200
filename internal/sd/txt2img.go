package sd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
)

// Txt2ImgRequest is the body of POST /sdapi/v1/txt2img. Zero values of
// fields marked omitempty leave the server's default; JSON names are A1111's.
type Txt2ImgRequest struct {
	Prompt         string `json:"prompt"`
	NegativePrompt string `json:"negative_prompt"`
	Width          int    `json:"width,omitempty"`
	Height         int    `json:"height,omitempty"`
	BatchSize      int    `json:"batch_size,omitempty"` // images per batch, sampled together
	NIter          int    `json:"n_iter,omitempty"`     // batches, run one after another
	Steps          int    `json:"steps,omitempty"`
	// Seed is always sent: -1 asks for a random seed, 0 is a real seed.
	Seed int64 `json:"seed"`
	// Subseed and SubseedStrength make a variation of Seed's image;
	// SubseedStrength 0 (none) sends neither.
	Subseed         *int64  `json:"subseed,omitempty"`
	SubseedStrength float64 `json:"subseed_strength,omitempty"`
	SamplerName     string  `json:"sampler_name,omitempty"`
	Scheduler       string  `json:"scheduler,omitempty"` // A1111 >= 1.9
	CFGScale        float64 `json:"cfg_scale,omitempty"`
	// DistilledCFGScale is Forge's distilled CFG for Flux; stock A1111
	// ignores it. 0 is not sent.
	DistilledCFGScale float64 `json:"distilled_cfg_scale,omitempty"`

	EnableHR          bool    `json:"enable_hr"`
	HRUpscaler        string  `json:"hr_upscaler,omitempty"`
	HRScale           float64 `json:"hr_scale,omitempty"`
	HRSecondPassSteps int     `json:"hr_second_pass_steps,omitempty"`
	// DenoisingStrength is used by the hires pass. A1111 fails a hires job
	// sent with null, so with EnableHR a nil value is sent as
	// DefaultHRDenoisingStrength.
	DenoisingStrength *float64 `json:"denoising_strength,omitempty"`

	OverrideSettings                  map[string]any `json:"override_settings,omitempty"`
	OverrideSettingsRestoreAfterwards *bool          `json:"override_settings_restore_afterwards,omitempty"`
	SendImages                        *bool          `json:"send_images,omitempty"` // nil means true
	SaveImages                        bool           `json:"save_images"`           // true also makes the server add a grid

	TaskID      string `json:"task_id,omitempty"`       // the seed server's task id
	ForceTaskID string `json:"force_task_id,omitempty"` // stock A1111 >= 1.8's task id
}

// DefaultHRDenoisingStrength is sent with EnableHR when DenoisingStrength is
// nil; it is the WebUI's own default for the hires pass.
const DefaultHRDenoisingStrength = 0.7

// Txt2ImgResponse is a finished txt2img.
type Txt2ImgResponse struct {
	// Images holds the decoded output images (PNG unless the server's
	// samples_format says otherwise): grids and script extras are left out,
	// using info's index_of_first_image and all_seeds when the server sent them.
	// Each is a PNG, JPEG or WebP file (checked by its header, not decoded);
	// an output that is not, or no output at all although SendImages asked
	// for them, fails the call with a *NoImageError.
	Images [][]byte
	// Info is the decoded info; missing keys, nulls and odd types are zero
	// and never fail the call.
	Info Info
	// RawInfo is the info JSON as the server sent it.
	RawInfo string
	// Parameters is the request as the server understood it (seed stays -1).
	Parameters json.RawMessage
}

// errGenerationTimeout marks a generation context that hit Config.Timeout.
var errGenerationTimeout = errors.New("sd: generation exceeded sd.timeout")

// Txt2Img runs one txt2img without following its progress. It is bounded by
// Config.Timeout; when that or ctx ends first, it asks the server to
// interrupt the job and returns an error that says so (ErrTimeout for the
// former).
func (c *Client) Txt2Img(ctx context.Context, req Txt2ImgRequest) (*Txt2ImgResponse, error) {
	return c.run(ctx, req, nil)
}

// run runs txt2img, with poll (if non-nil) in a goroutine of its own for as
// long as txt2img runs; poll has returned when run returns.
func (c *Client) run(ctx context.Context, req Txt2ImgRequest, poll func(context.Context)) (*Txt2ImgResponse, error) {
	if req.EnableHR && req.DenoisingStrength == nil {
		d := DefaultHRDenoisingStrength
		req.DenoisingStrength = &d
	}
	return c.runJob(ctx, "txt2img", poll, func(ctx context.Context) (*Txt2ImgResponse, error) { return c.txt2img(ctx, req) })
}

// runJob runs one generation call (txt2img, img2img, an upscale) bounded
// by Config.Timeout, with poll (if non-nil) in a goroutine of its own for
// as long as it runs; poll has returned when runJob returns. When the
// timeout or ctx ends first it interrupts the server's job.
func (c *Client) runJob(ctx context.Context, what string, poll func(context.Context), call func(context.Context) (*Txt2ImgResponse, error)) (*Txt2ImgResponse, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sd: %s not started: %w", what, context.Cause(ctx)) // nothing to interrupt
	}
	genCtx, cancel := context.WithTimeoutCause(ctx, c.timeout, errGenerationTimeout)
	defer cancel()
	pollCtx, stopPolling := context.WithCancel(genCtx)
	var wg sync.WaitGroup
	if poll != nil {
		wg.Go(func() { poll(pollCtx) })
	}
	resp, err := call(genCtx)
	stopPolling()
	wg.Wait()
	if err == nil || genCtx.Err() == nil {
		return resp, err
	}
	aborted := &abortedError{cause: context.Cause(genCtx)}
	if errors.Is(aborted.cause, errGenerationTimeout) {
		aborted = &abortedError{limit: c.timeout}
	}
	// The WebUI keeps running a job whose request was dropped.
	ictx, icancel := context.WithTimeout(context.WithoutCancel(ctx), c.callTimeout)
	defer icancel()
	aborted.interrupt = c.Interrupt(ictx)
	c.log.InfoContext(ctx, "sd generation aborted", "err", aborted)
	return nil, aborted
}

// txt2img posts the request and decodes the answer.
func (c *Client) txt2img(ctx context.Context, req Txt2ImgRequest) (*Txt2ImgResponse, error) {
	return c.post(ctx, "/sdapi/v1/txt2img", req, req)
}

// post posts a txt2img or img2img body and decodes the answer; shape says
// how many outputs to expect.
func (c *Client) post(ctx context.Context, path string, body any, req Txt2ImgRequest) (*Txt2ImgResponse, error) {
	resp, err := c.send(ctx, http.MethodPost, path, body)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var w struct {
		Images     []b64Image      `json:"images"`
		Parameters json.RawMessage `json:"parameters"`
		Info       json.RawMessage `json:"info"`
	}
	if err := c.decode(ctx, resp, http.MethodPost, path, &w); err != nil {
		return nil, err
	}
	out := &Txt2ImgResponse{Parameters: w.Parameters, RawInfo: infoString(w.Info)}
	info, ok := decodeInfo(out.RawInfo)
	if !ok && out.RawInfo != "" {
		c.log.DebugContext(ctx, "sd generation info is not a JSON object; images taken by count", "path", path, "info", clip(out.RawInfo, maxBodyShow))
	}
	out.Info = info
	lo, hi := outputRange(len(w.Images), info, ok, req)
	if lo == hi && (req.SendImages == nil || *req.SendImages) {
		return nil, &NoImageError{Index: -1}
	}
	out.Images = make([][]byte, 0, hi-lo)
	for i, img := range w.Images[lo:hi] {
		if img.problem != "" {
			return nil, &NoImageError{Index: lo + i, Reason: img.problem}
		}
		out.Images = append(out.Images, img.data)
	}
	return out, nil
}

// infoString returns the info JSON: A1111 sends it as a string, a fork might
// send the object itself.
func infoString(raw json.RawMessage) string {
	s := strings.TrimSpace(string(raw))
	if strings.HasPrefix(s, `"`) {
		return scalarText(raw)
	}
	if s == "null" {
		return ""
	}
	return s
}

// outputRange picks the real outputs among n images: [lo, hi) is
// [index_of_first_image, +len(all_seeds)). Without usable info it expects
// batch_size*n_iter images, after a grid when save_images made the server
// add one.
func outputRange(n int, info Info, infoOK bool, req Txt2ImgRequest) (lo, hi int) {
	if n == 0 {
		return 0, 0
	}
	count := len(info.AllSeeds)
	if count == 0 {
		count = max(req.BatchSize, 1) * max(req.NIter, 1)
	}
	start := info.IndexOfFirstImage
	if !infoOK && req.SaveImages && count > 1 && n == count+1 {
		start = 1
	}
	if start < 0 || start >= n {
		start = 0
	}
	return start, min(start+count, n)
}
