package discordtest

import (
	"fmt"
	"net/http"
	"strings"
)

// Discord JSON error codes the fake returns.
const (
	CodeGeneral                 = 0
	CodeUnknownChannel          = 10003
	CodeUnknownGuild            = 10004
	CodeUnknownMessage          = 10008
	CodeUnknownWebhook          = 10015
	CodeUnknownInteraction      = 10062
	CodeEntityTooLarge          = 40005
	CodeInteractionAcknowledged = 40060
	CodeMissingAccess           = 50001
	CodeCannotEditOtherAuthor   = 50005
	CodeEmptyMessage            = 50006
	CodeCannotSendToUser        = 50007
	CodeMissingPermissions      = 50013
	CodeInvalidWebhookToken     = 50027
	CodeInvalidFormBody         = 50035
	CodeInvalidJSON             = 50109
)

// codeErrors are the HTTP status and message Discord answers with each error code but
// CodeGeneral and CodeInvalidFormBody.
var codeErrors = map[int]struct {
	status  int
	message string
}{
	CodeUnknownChannel:          {http.StatusNotFound, "Unknown Channel"},
	CodeUnknownGuild:            {http.StatusNotFound, "Unknown Guild"},
	CodeUnknownMessage:          {http.StatusNotFound, "Unknown Message"},
	CodeUnknownWebhook:          {http.StatusNotFound, "Unknown Webhook"},
	CodeUnknownInteraction:      {http.StatusNotFound, "Unknown interaction"},
	CodeEntityTooLarge:          {http.StatusRequestEntityTooLarge, "Request entity too large"},
	CodeInteractionAcknowledged: {http.StatusBadRequest, "Interaction has already been acknowledged."},
	CodeMissingAccess:           {http.StatusForbidden, "Missing Access"},
	CodeCannotEditOtherAuthor:   {http.StatusForbidden, "Cannot edit a message authored by another user"},
	CodeEmptyMessage:            {http.StatusBadRequest, "Cannot send an empty message"},
	CodeCannotSendToUser:        {http.StatusBadRequest, "Cannot send messages to this user"},
	CodeMissingPermissions:      {http.StatusForbidden, "Missing Permissions"},
	CodeInvalidWebhookToken:     {http.StatusUnauthorized, "Invalid Webhook Token"},
	CodeInvalidJSON:             {http.StatusBadRequest, "The request body contains invalid JSON."},
}

// errCode returns the error Discord answers with code, one of codeErrors.
func errCode(code int) *apiError {
	e := codeErrors[code]
	return &apiError{Status: e.status, Code: code, Message: e.message}
}

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

// errStatus is the generic error Discord answers without a code: 401 for a bad bot token, 404 for
// an unknown path, and injected failures such as a 500 or 502.
func errStatus(status int) *apiError {
	return &apiError{Status: status, Code: CodeGeneral, Message: fmt.Sprintf("%d: %s", status, http.StatusText(status))}
}

// errNotImplemented is the 501 answer to a request for something the bot never asks of Discord,
// which the fake therefore does not serve.
func errNotImplemented(what string) *apiError {
	return &apiError{Status: http.StatusNotImplemented, Code: CodeGeneral,
		Message: "Not Implemented: discordtest does not implement " + what}
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
