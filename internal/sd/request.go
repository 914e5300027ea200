package sd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// maxErrorBody bounds how much of a non-2xx answer is read.
const maxErrorBody = 64 << 10

// send performs one request and returns the response if its status is 2xx;
// the caller closes its body. body, when non-nil, is sent as JSON. Any other
// status becomes an *APIError; a transport failure becomes an unreachable
// error, or the context's cause when ctx ended.
func (c *Client) send(ctx context.Context, method, path string, body any) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("sd: %s %s: encode request: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, fmt.Errorf("sd: %s %s: %w", method, path, err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.username != "" || c.password != "" {
		req.SetBasicAuth(c.username, c.password)
	}
	start := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		c.log.DebugContext(ctx, "sd request failed", "method", method, "path", path, "duration", time.Since(start), "err", err)
		return nil, c.transportError(ctx, method, path, err)
	}
	c.log.DebugContext(ctx, "sd request", "method", method, "path", path, "status", resp.StatusCode, "duration", time.Since(start))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, nil
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if err != nil && ctx.Err() != nil {
		return nil, c.transportError(ctx, method, path, err)
	}
	return nil, parseAPIError(method, path, resp.StatusCode, raw)
}

// transportError classifies a failure to get or read an answer: the
// context's cause when ctx has ended, else an unreachable error.
func (c *Client) transportError(ctx context.Context, method, path string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("sd: %s %s: %w", method, path, context.Cause(ctx))
	}
	return &unreachableError{url: c.base, err: err}
}

// call sends a request and decodes a 2xx JSON answer into out; with out nil
// the answer is discarded.
func (c *Client) call(ctx context.Context, method, path string, body, out any) error {
	resp, err := c.send(ctx, method, path, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return c.decode(ctx, resp, method, path, out)
}

// shortCall is call bounded by d, for calls the server answers at once.
func (c *Client) shortCall(ctx context.Context, d time.Duration, method, path string, body, out any) error {
	ctx, cancel := context.WithTimeoutCause(ctx, d, fmt.Errorf("no answer within %v: %w", d, context.DeadlineExceeded))
	defer cancel()
	return c.call(ctx, method, path, body, out)
}

// decode decodes resp's JSON body into out, telling a broken connection
// (unreachable, or ctx's cause) from a body that is not valid JSON
// (*MalformedError).
func (c *Client) decode(ctx context.Context, resp *http.Response, method, path string, out any) error {
	if out == nil {
		_, err := io.Copy(io.Discard, resp.Body)
		if err != nil {
			return c.transportError(ctx, method, path, err)
		}
		return nil
	}
	body := &readErrRecorder{r: resp.Body}
	err := json.NewDecoder(body).Decode(out)
	if err == nil {
		return nil
	}
	if body.err != nil {
		return c.transportError(ctx, method, path, body.err)
	}
	if errors.Is(err, io.EOF) {
		err = errors.New("empty answer")
	}
	return &MalformedError{Method: method, Path: path, Err: err}
}

// readErrRecorder remembers the first read error other than io.EOF, so that a
// JSON error can be told from a connection error.
type readErrRecorder struct {
	r   io.Reader
	err error
}

func (r *readErrRecorder) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF && r.err == nil {
		r.err = err
	}
	return n, err
}
