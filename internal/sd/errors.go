package sd

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/imaginebot/imaginebot/internal/netcause"
)

var (
	// ErrUnreachable means the server could not be reached: the connection
	// was refused, timed out, reset or closed without an answer.
	ErrUnreachable = errors.New("sd: server unreachable")
	// ErrTimeout means a generation took longer than Config.Timeout.
	ErrTimeout = errors.New("sd: generation timed out")
	// ErrMalformed means a 2xx answer was not the JSON (or base64) the API
	// promises; errors.As gives the *MalformedError.
	ErrMalformed = errors.New("sd: malformed answer")
	// ErrModelNotFound means no checkpoint on the server matches a name.
	ErrModelNotFound = errors.New("sd: model not found")
	// ErrNoImage means a finished txt2img that was asked to send its images
	// sent none that is usable; errors.As gives the *NoImageError.
	ErrNoImage = errors.New("sd: no image in the answer")
)

// unreachableError is a transport failure; it matches ErrUnreachable.
type unreachableError struct {
	url string // without credentials
	err error
}

func (e *unreachableError) Error() string {
	return fmt.Sprintf("sd: cannot reach %s: %s; is the WebUI running and is sd.url right?", e.url, netcause.Of(e.err))
}

func (e *unreachableError) Unwrap() error        { return e.err }
func (e *unreachableError) Is(target error) bool { return target == ErrUnreachable }

// MalformedError is a 2xx answer whose body is not valid JSON, or carries an
// image that is not valid base64. It matches ErrMalformed.
type MalformedError struct {
	Method, Path string
	Err          error
}

// Error names the request and the decoding problem.
func (e *MalformedError) Error() string {
	return fmt.Sprintf("sd: %s %s: malformed answer (%v); is sd.url the address of a Stable Diffusion WebUI?", e.Method, e.Path, e.Err)
}

// Unwrap returns the decoding error.
func (e *MalformedError) Unwrap() error { return e.Err }

// Is reports whether target is ErrMalformed.
func (e *MalformedError) Is(target error) bool { return target == ErrMalformed }

// NoImageError is a finished txt2img whose answer carries no usable image
// although images were asked for (send_images): the list is empty, or an
// output is null, "", not valid base64, or not a PNG, JPEG or WebP file. It
// matches ErrNoImage.
type NoImageError struct {
	Index  int    // the output's position in the answer's images; -1 when the list is empty
	Reason string // what the output is instead, e.g. "null"
}

// Error names the output and what is wrong with it.
func (e *NoImageError) Error() string {
	if e.Index < 0 {
		return "sd: txt2img finished without sending any image; the WebUI console may say why"
	}
	return fmt.Sprintf("sd: txt2img finished, but its image %d is %s; the WebUI console may say why", e.Index, e.Reason)
}

// Is reports whether target is ErrNoImage.
func (e *NoImageError) Is(target error) bool { return target == ErrNoImage }

// ModelLoadError means the server accepted a model switch but still uses
// another checkpoint: the load failed (out of memory, damaged file) and the
// WebUI kept the old model.
type ModelLoadError struct {
	Want string // the title asked for
	Got  string // sd_model_checkpoint after the switch
}

// Error names both models and where to look for the reason.
func (e *ModelLoadError) Error() string {
	return fmt.Sprintf("sd: the WebUI did not load model %q and still uses %q; its console says why (often out of GPU memory or a damaged file)", e.Want, e.Got)
}

// modelNotFoundError is a name that matches no checkpoint; it matches
// ErrModelNotFound.
type modelNotFoundError struct {
	name      string
	available []string
}

func (e *modelNotFoundError) Error() string {
	if len(e.available) == 0 {
		return fmt.Sprintf("sd: model %q not found: the server lists no checkpoints; put one in models/Stable-diffusion", e.name)
	}
	list := e.available
	more := ""
	if len(list) > 10 {
		list, more = list[:10], fmt.Sprintf(" and %d more", len(e.available)-10)
	}
	return fmt.Sprintf("sd: model %q not found; the server has %q%s", e.name, list, more)
}

func (e *modelNotFoundError) Is(target error) bool { return target == ErrModelNotFound }

// abortedError is a generation that ran out of time or whose context ended.
// The server was asked to interrupt it; interrupt holds that call's failure.
type abortedError struct {
	limit     time.Duration // Config.Timeout when it was the reason, else 0
	cause     error         // the context's cause when limit is 0
	interrupt error
}

func (e *abortedError) Error() string {
	var s string
	if e.limit > 0 {
		s = fmt.Sprintf("sd: txt2img took longer than sd.timeout (%v)", e.limit)
	} else {
		s = fmt.Sprintf("sd: txt2img stopped: %v", e.cause)
	}
	if e.interrupt != nil {
		return s + "; asking the WebUI to interrupt it failed too: " + e.interrupt.Error()
	}
	return s + "; the WebUI was asked to interrupt it"
}

// Unwrap returns the context's cause (context.Canceled or
// context.DeadlineExceeded) when the generation was not stopped by
// Config.Timeout.
func (e *abortedError) Unwrap() error { return e.cause }

// Is makes a Config.Timeout expiry match both ErrTimeout and
// context.DeadlineExceeded.
func (e *abortedError) Is(target error) bool {
	return e.limit > 0 && (target == ErrTimeout || target == context.DeadlineExceeded)
}
