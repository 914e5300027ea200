package imagine

import (
	"errors"
	"fmt"
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
	ID   MsgID
	Args []any
}

// Error renders the message in English, for logs.
func (e *UserError) Error() string { return T("en", e.ID, e.Args...) }

// Is reports whether target is e's kind.
func (e *UserError) Is(target error) bool { return target == e.Kind }

func userErr(kind error, id MsgID, args ...any) *UserError {
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
		return T(locale, ue.ID, ue.Args...)
	case errors.As(err, &re):
		return T(locale, MsgFailRejected, re.Reason)
	case errors.Is(err, ErrBackendDown):
		return T(locale, MsgFailDown)
	case errors.Is(err, ErrOutOfMemory):
		return T(locale, MsgFailOOM)
	case errors.Is(err, ErrTimeout):
		return T(locale, MsgFailTimeout)
	case errors.Is(err, ErrInterrupted):
		return T(locale, MsgFailInterrupted)
	case errors.Is(err, ErrNoImage):
		return T(locale, MsgFailNoImage)
	case errors.Is(err, ErrRejected):
		return T(locale, MsgFailServer)
	case errors.Is(err, ErrModelLoad):
		return T(locale, MsgFailServer)
	case errors.Is(err, ErrCancelled):
		return T(locale, MsgCancelled)
	case errors.Is(err, ErrBackend):
		return T(locale, MsgFailServer)
	default:
		return T(locale, MsgFailInternal)
	}
}

// ErrBackend marks any other error reported by an SD server (an HTTP 500, a
// malformed answer).
var ErrBackend = errors.New("SD server error")

// ErrCancelled is the reason of a job cancelled by its requester or an admin.
var ErrCancelled = errors.New("cancelled")
