package sd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// Sampler is a sampling method; Name goes in Txt2ImgRequest.SamplerName.
type Sampler struct {
	Name    string
	Aliases []string
}

// Samplers lists the server's samplers (GET /sdapi/v1/samplers). A1111
// falls back silently to another sampler for an unknown name: check names
// against this list.
func (c *Client) Samplers(ctx context.Context) ([]Sampler, error) {
	var wire []struct {
		Name    text   `json:"name"`
		Aliases []text `json:"aliases"`
	}
	if err := c.shortCall(ctx, c.callTimeout, http.MethodGet, "/sdapi/v1/samplers", nil, &wire); err != nil {
		return nil, err
	}
	out := make([]Sampler, len(wire))
	for i, w := range wire {
		out[i].Name = string(w.Name)
		for _, a := range w.Aliases {
			out[i].Aliases = append(out[i].Aliases, string(a))
		}
	}
	return out, nil
}

// Scheduler is a noise schedule (A1111 >= 1.9); Label or Name goes in
// Txt2ImgRequest.Scheduler.
type Scheduler struct {
	Name  string // e.g. "karras"
	Label string // e.g. "Karras"
}

// ErrNoSchedulers is a server without GET /sdapi/v1/schedulers (A1111
// before 1.9, whose sampler names include the schedule, e.g. "DPM++ 2M
// Karras").
var ErrNoSchedulers = errors.New("sd: the server lists no schedulers (A1111 before 1.9)")

// Schedulers lists the server's schedulers (GET /sdapi/v1/schedulers); a
// server without the endpoint (404) gives ErrNoSchedulers.
func (c *Client) Schedulers(ctx context.Context) ([]Scheduler, error) {
	var wire []struct {
		Name  text `json:"name"`
		Label text `json:"label"`
	}
	err := c.shortCall(ctx, c.callTimeout, http.MethodGet, "/sdapi/v1/schedulers", nil, &wire)
	if isStatus(err, http.StatusNotFound) {
		return nil, fmt.Errorf("%w: %w", ErrNoSchedulers, err)
	}
	if err != nil {
		return nil, err
	}
	out := make([]Scheduler, len(wire))
	for i, w := range wire {
		out[i] = Scheduler{Name: string(w.Name), Label: string(w.Label)}
	}
	return out, nil
}

// Upscaler is an upscaler for the hires pass; Name goes in
// Txt2ImgRequest.HRUpscaler.
type Upscaler struct {
	Name  string
	Scale float64 // the model's native scale, 0 when the server does not say
}

// Upscalers lists the server's upscalers (GET /sdapi/v1/upscalers). The
// latent modes ("Latent", "Latent (bicubic)", ...) are valid HRUpscaler
// values too but are not in this list.
func (c *Client) Upscalers(ctx context.Context) ([]Upscaler, error) {
	var wire []struct {
		Name  text   `json:"name"`
		Scale number `json:"scale"`
	}
	if err := c.shortCall(ctx, c.callTimeout, http.MethodGet, "/sdapi/v1/upscalers", nil, &wire); err != nil {
		return nil, err
	}
	out := make([]Upscaler, len(wire))
	for i, w := range wire {
		out[i] = Upscaler{Name: string(w.Name), Scale: float64(w.Scale)}
	}
	return out, nil
}

// Interrupt asks the server to stop the job it is running, whichever it is
// (POST /sdapi/v1/interrupt). The interrupted txt2img still answers, with
// the images made so far.
func (c *Client) Interrupt(ctx context.Context) error {
	return c.shortCall(ctx, c.callTimeout, http.MethodPost, "/sdapi/v1/interrupt", nil, nil)
}

// Ping checks that the server answers the API with the configured
// credentials (GET /sdapi/v1/sd-models), for health checks and `bot check`.
func (c *Client) Ping(ctx context.Context) error {
	var models []json.RawMessage
	return c.shortCall(ctx, c.callTimeout, http.MethodGet, "/sdapi/v1/sd-models", nil, &models)
}
