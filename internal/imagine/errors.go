package imagine

import (
	"errors"
	"fmt"

	"github.com/imaginebot/imaginebot/internal/catalog"
)

// Kinds of refusal. A *UserError matches its kind with errors.Is.
var (
	ErrEmptyPrompt   = errors.New("empty prompt")
	ErrPromptTooLong = errors.New("prompt too long")
	ErrBadOption     = errors.New("bad option")
	ErrUnknownStyle  = errors.New("unknown style")
	ErrUserLimit     = errors.New("per-user limit reached")
	ErrQueueFull     = errors.New("queue full")
	ErrShuttingDown  = errors.New("shutting down")
	ErrNotYourJob    = errors.New("not your job")
	ErrJobNotFound   = errors.New("job not found")
	ErrNotAdmin      = errors.New("not an admin")
)

// Kinds of backend failure. Backends wrap their errors with one of these
// (fmt.Errorf("%w: %w", imagine.ErrBackendDown, err)) so that the core and
// the adapters can tell users what happened without knowing the SD API.
var (
	ErrBackendDown   = errors.New("SD server unreachable")
	ErrOutOfMemory   = errors.New("SD server out of GPU memory")
	ErrRejected      = errors.New("SD server rejected the request")
	ErrTimeout       = errors.New("generation timed out")
	ErrInterrupted   = errors.New("generation interrupted on the server")
	ErrModelNotFound = errors.New("model not found")
	ErrModelLoad     = errors.New("model failed to load")
	// ErrNoImage is a generation that finished without a usable image: none
	// at all, or one that is empty or not an image file.
	ErrNoImage = errors.New("SD server returned no image")
)

// UserError is a refusal with a sentence for the user: the message id and
// its arguments are rendered in the user's language by Describe.
type UserError struct {
	Kind error // one of the Err* kinds above
	ID   catalog.MsgID
	Args []any
}

// Error renders the message in English, for logs.
func (e *UserError) Error() string { return catalog.T("en", e.ID, e.Args...) }

// Is reports whether target is e's kind.
func (e *UserError) Is(target error) bool { return target == e.Kind }

func userErr(kind error, id catalog.MsgID, args ...any) *UserError {
	return &UserError{Kind: kind, ID: id, Args: args}
}

// RejectedError carries the reason an SD server gave for refusing a request
// (e.g. the field FastAPI rejected). Backends return it wrapped in
// ErrRejected; its Reason is shown to the user.
type RejectedError struct {
	Reason string
	Err    error
}

func (e *RejectedError) Error() string { return fmt.Sprintf("%s: %v", ErrRejected, e.Err) }

// Unwrap returns ErrRejected and the underlying error.
func (e *RejectedError) Unwrap() []error { return []error{ErrRejected, e.Err} }

// Describe turns any error from this package or a backend into one sentence
// in the language of locale. Unknown errors become a generic apology: the
// details belong in the log, not in the chat.
func Describe(err error, locale string) string {
	var ue *UserError
	var re *RejectedError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &ue):
		return catalog.T(locale, ue.ID, ue.Args...)
	case errors.As(err, &re):
		return catalog.T(locale, catalog.MsgFailRejected, re.Reason)
	case errors.Is(err, ErrBackendDown):
		return catalog.T(locale, catalog.MsgFailDown)
	case errors.Is(err, ErrOutOfMemory):
		return catalog.T(locale, catalog.MsgFailOOM)
	case errors.Is(err, ErrTimeout):
		return catalog.T(locale, catalog.MsgFailTimeout)
	case errors.Is(err, ErrInterrupted):
		return catalog.T(locale, catalog.MsgFailInterrupted)
	case errors.Is(err, ErrNoImage):
		return catalog.T(locale, catalog.MsgFailNoImage)
	case errors.Is(err, ErrRejected):
		return catalog.T(locale, catalog.MsgFailServer)
	case errors.Is(err, ErrModelLoad):
		return catalog.T(locale, catalog.MsgFailServer)
	case errors.Is(err, ErrCancelled):
		return catalog.T(locale, catalog.MsgCancelled)
	case errors.Is(err, ErrBackend):
		return catalog.T(locale, catalog.MsgFailServer)
	default:
		return catalog.T(locale, catalog.MsgFailInternal)
	}
}

// ErrBackend marks any other error reported by an SD server (an HTTP 500, a
// malformed answer).
var ErrBackend = errors.New("SD server error")

// ErrCancelled is the reason of a job cancelled by its requester or an admin.
var ErrCancelled = errors.New("cancelled")
