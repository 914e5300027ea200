package comfyui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/imaginebot/imaginebot/internal/netcause"

	"github.com/imaginebot/imaginebot/internal/imagine"
)

// maxBody bounds what the client reads of one answer (an image included).
const maxBody = 256 << 20

// statusError is a non-2xx answer.
type statusError struct {
	Method, Path string
	Status       int
	Body         []byte
}

func (e *statusError) Error() string {
	body := strings.TrimSpace(string(e.Body))
	if len(body) > 300 {
		body = body[:300] + "…"
	}
	return fmt.Sprintf("comfyui: %s %s: HTTP %d: %s", e.Method, e.Path, e.Status, body)
}

// do sends one request and returns the body of a 2xx answer. Failures are
// wrapped in the core's kinds: a transport failure or a proxy's 502/503/504
// is imagine.ErrBackendDown, another status imagine.ErrBackend (the caller
// may unwrap the *statusError).
func (b *Backend) do(ctx context.Context, method, path string, body any) ([]byte, error) {
	if body == nil {
		return b.send(ctx, method, path, "", nil, callTimeout)
	}
	data, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("comfyui: encode %s: %w", path, err)
	}
	return b.send(ctx, method, path, "application/json", data, callTimeout)
}

// send is do with a body of contentType ("" for none) and a time limit.
func (b *Backend) send(ctx context.Context, method, path, contentType string, body []byte, timeout time.Duration) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var rd io.Reader
	if contentType != "" {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, b.base+path, rd)
	if err != nil {
		return nil, fmt.Errorf("comfyui: %s %s: %w", method, path, err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if b.user != "" || b.pass != "" {
		req.SetBasicAuth(b.user, b.pass)
	}
	resp, err := b.hc.Do(req)
	if err != nil {
		return nil, b.transportErr(ctx, method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, b.transportErr(ctx, method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		se := &statusError{Method: method, Path: cutQuery(path), Status: resp.StatusCode, Body: data}
		switch resp.StatusCode {
		case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return nil, fmt.Errorf("%w: %w", imagine.ErrBackendDown, se)
		case http.StatusUnauthorized, http.StatusForbidden:
			return nil, fmt.Errorf("%w: %w (check the backend's username and password)", imagine.ErrBackend, se)
		}
		return nil, fmt.Errorf("%w: %w", imagine.ErrBackend, se)
	}
	return data, nil
}

// transportErr words a failed request: the caller's context ending is
// passed on, anything else means the server is down.
func (b *Backend) transportErr(ctx context.Context, method, path string, err error) error {
	if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("comfyui: %s %s: %w", method, cutQuery(path), context.Cause(ctx))
	}
	return fmt.Errorf("%w: comfyui: cannot reach %s (%s %s: %s); is ComfyUI running and is the backend's url right?",
		imagine.ErrBackendDown, b.base, method, cutQuery(path), netcause.Of(err))
}

// getJSON decodes the answer of GET path into out.
func (b *Backend) getJSON(ctx context.Context, path string, out any) error {
	data, err := b.do(ctx, http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%w: comfyui: GET %s: malformed answer (%v); is the url a ComfyUI server?", imagine.ErrBackend, cutQuery(path), err)
	}
	return nil
}

func cutQuery(path string) string {
	p, _, _ := strings.Cut(path, "?")
	return p
}
