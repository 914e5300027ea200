package imagine

import (
	"errors"
	"fmt"

	"github.com/imaginebot/imaginebot/internal/catalog"
)

// The core's sentinel errors. Refusals reach users as a *UserError that
// matches its kind with errors.Is; backends wrap their failures with one of
// the backend kinds (fmt.Errorf("%w: %w", imagine.ErrBackendDown, err)) so
// that the core and the adapters can tell users what happened without
// knowing the SD API. Describe turns each into a sentence for the user.
var (
	// ErrEmptyPrompt refuses a request without a prompt.
	ErrEmptyPrompt = errors.New("imagine: empty prompt")
	// ErrPromptTooLong refuses a prompt over the length limit.
	ErrPromptTooLong = errors.New("imagine: prompt too long")
	// ErrBadOption refuses an option with a bad name or value.
	ErrBadOption = errors.New("imagine: bad option")
	// ErrUnknownStyle refuses a style that is not configured.
	ErrUnknownStyle = errors.New("imagine: unknown style")
	// ErrUserLimit refuses a job of a user who has the most jobs allowed.
	ErrUserLimit = errors.New("imagine: per-user limit reached")
	// ErrQueueFull refuses a job when the queue is full.
	ErrQueueFull = errors.New("imagine: queue full")
	// ErrShuttingDown refuses a job while the service stops.
	ErrShuttingDown = errors.New("imagine: shutting down")
	// ErrNotYourJob refuses acting on another user's job.
	ErrNotYourJob = errors.New("imagine: not your job")
	// ErrJobNotFound refuses acting on a job that is gone or never was.
	ErrJobNotFound = errors.New("imagine: job not found")
	// ErrNotAdmin refuses an admin command to a user who is not one.
	ErrNotAdmin = errors.New("imagine: not an admin")
	// ErrBlocked refuses a blocked user (Moderation.BlockedUsers, or
	// Service.Block), and ends the jobs of a user an admin blocks.
	ErrBlocked = errors.New("imagine: user blocked")
	// ErrBadUserKey refuses blocking or unblocking something that is not a
	// user key ("tg:123").
	ErrBadUserKey = errors.New("imagine: not a user key")
	// ErrBlockSelf refuses an admin blocking themselves.
	ErrBlockSelf = errors.New("imagine: cannot block oneself")
	// ErrNotBlocked refuses unblocking a user who is not blocked.
	ErrNotBlocked = errors.New("imagine: user not blocked")
	// ErrBlockedInConfig refuses unblocking a user the configuration
	// blocks (moderation.blocked_user_ids).
	ErrBlockedInConfig = errors.New("imagine: user blocked by the configuration")
	// ErrBannedWords refuses a prompt with a banned word.
	ErrBannedWords = errors.New("imagine: prompt has banned words")
	// ErrCooldown refuses a request sooner than Moderation.Cooldown after
	// the user's last one.
	ErrCooldown = errors.New("imagine: cooling down")

	// ErrBackendDown is an SD server that cannot be reached.
	ErrBackendDown = errors.New("imagine: SD server unreachable")
	// ErrOutOfMemory is an SD server out of GPU memory.
	ErrOutOfMemory = errors.New("imagine: SD server out of GPU memory")
	// ErrRejected is a request the SD server refused; a *RejectedError
	// carries its reason.
	ErrRejected = errors.New("imagine: SD server rejected the request")
	// ErrTimeout is a generation that took longer than allowed.
	ErrTimeout = errors.New("imagine: generation timed out")
	// ErrInterrupted is a generation stopped on the server by someone else.
	ErrInterrupted = errors.New("imagine: generation interrupted on the server")
	// ErrModelNotFound is a checkpoint the server does not offer.
	ErrModelNotFound = errors.New("imagine: model not found")
	// ErrModelLoad is a checkpoint the server failed to load.
	ErrModelLoad = errors.New("imagine: model failed to load")
	// ErrNoImage is a generation that finished without a usable image: none
	// at all, or one that is empty or not an image file.
	ErrNoImage = errors.New("imagine: SD server returned no image")
	// ErrBackend marks any other error reported by an SD server (an HTTP
	// 500, a malformed answer).
	ErrBackend = errors.New("imagine: SD server error")

	// ErrCancelled is the reason of a job cancelled by its requester or an
	// admin.
	ErrCancelled = errors.New("imagine: cancelled")

	// errNoBackends is a service built without backends.
	errNoBackends = errors.New("imagine: no backends")
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
