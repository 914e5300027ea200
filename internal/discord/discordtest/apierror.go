package discordtest

import (
	"fmt"
	"net/http"
	"strings"
)

// Discord JSON error codes the fake returns.
const (
	CodeGeneral                   = 0
	CodeUnknownChannel            = 10003
	CodeUnknownMessage            = 10008
	CodeUnknownWebhook            = 10015
	CodeUnknownInteraction        = 10062
	CodeUnknownApplicationCommand = 10063
	CodeEntityTooLarge            = 40005
	CodeInteractionAcknowledged   = 40060
	CodeMissingAccess             = 50001
	CodeCannotEditOtherAuthor     = 50005
	CodeCannotSendToUser          = 50007
	CodeEmptyMessage              = 50006
	CodeMissingPermissions        = 50013
	CodeInvalidWebhookToken       = 50027
	CodeInvalidFormBody           = 50035
)

// apiError is an error response in Discord's shape. It is returned by route handlers and written
// as {"message": ..., "code": ..., "errors": ...}.
type apiError struct {
	Status  int
	Code    int
	Message string
	// Errors is Discord's nested per-field error tree for 50035 Invalid Form Body.
	Errors map[string]any
}

func (e *apiError) Error() string {
	return fmt.Sprintf("discordtest: %d %s (code %d)", e.Status, e.Message, e.Code)
}

func (e *apiError) body() map[string]any {
	b := map[string]any{"message": e.Message, "code": e.Code}
	if e.Errors != nil {
		b["errors"] = e.Errors
	}
	return b
}

func errUnknownChannel() *apiError {
	return &apiError{Status: http.StatusNotFound, Code: CodeUnknownChannel, Message: "Unknown Channel"}
}

func errUnknownMessage() *apiError {
	return &apiError{Status: http.StatusNotFound, Code: CodeUnknownMessage, Message: "Unknown Message"}
}

func errUnknownWebhook() *apiError {
	return &apiError{Status: http.StatusNotFound, Code: CodeUnknownWebhook, Message: "Unknown Webhook"}
}

func errUnknownInteraction() *apiError {
	return &apiError{Status: http.StatusNotFound, Code: CodeUnknownInteraction, Message: "Unknown interaction"}
}

func errAlreadyAcked() *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: CodeInteractionAcknowledged,
		Message: "Interaction has already been acknowledged."}
}

func errInvalidWebhookToken() *apiError {
	return &apiError{Status: http.StatusUnauthorized, Code: CodeInvalidWebhookToken, Message: "Invalid Webhook Token"}
}

func errTooLarge() *apiError {
	return &apiError{Status: http.StatusRequestEntityTooLarge, Code: CodeEntityTooLarge, Message: "Request entity too large"}
}

func errMissingAccess() *apiError {
	return &apiError{Status: http.StatusForbidden, Code: CodeMissingAccess, Message: "Missing Access"}
}

func errMissingPermissions() *apiError {
	return &apiError{Status: http.StatusForbidden, Code: CodeMissingPermissions, Message: "Missing Permissions"}
}

func errEmptyMessage() *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: CodeEmptyMessage, Message: "Cannot send an empty message"}
}

func errUnauthorized() *apiError {
	return &apiError{Status: http.StatusUnauthorized, Code: CodeGeneral, Message: "401: Unauthorized"}
}

func errNotFound() *apiError {
	return &apiError{Status: http.StatusNotFound, Code: CodeGeneral, Message: "404: Not Found"}
}

// errStatus is the generic error Discord returns for an injected failure such as a 500 or 502.
func errStatus(status int) *apiError {
	return &apiError{Status: status, Code: CodeGeneral, Message: fmt.Sprintf("%d: %s", status, http.StatusText(status))}
}

// formError builds a 50035 Invalid Form Body error for the field at the dotted path (for example
// "embeds.0.title"), with Discord's nested {"_errors": [...]} tree.
func formError(path, code, msg string) *apiError {
	leaf := map[string]any{"_errors": []any{map[string]any{"code": code, "message": msg}}}
	tree := leaf
	parts := strings.Split(path, ".")
	for i := len(parts) - 1; i >= 0; i-- {
		if parts[i] == "" {
			continue
		}
		tree = map[string]any{parts[i]: tree}
	}
	return &apiError{Status: http.StatusBadRequest, Code: CodeInvalidFormBody, Message: "Invalid Form Body", Errors: tree}
}

// formErrorf is formError with a formatted message.
func formErrorf(path, code, format string, args ...any) *apiError {
	return formError(path, code, fmt.Sprintf(format, args...))
}
