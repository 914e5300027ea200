package telegramtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// apiError is an error answer of the Bot API.
type apiError struct {
	code       int
	desc       string
	retryAfter int
	migrateTo  int64 // parameters.migrate_to_chat_id
}

func (e *apiError) Error() string { return e.desc }

// badRequest builds a 400 answer; the text follows "Bad Request: ".
func badRequest(format string, args ...any) *apiError {
	return &apiError{code: http.StatusBadRequest, desc: "Bad Request: " + fmt.Sprintf(format, args...)}
}

var (
	errNotFound        = &apiError{code: http.StatusNotFound, desc: "Not Found"}
	errUnauthorized    = &apiError{code: http.StatusUnauthorized, desc: "Unauthorized"}
	errTooLarge        = &apiError{code: http.StatusRequestEntityTooLarge, desc: "Request Entity Too Large"}
	errChatNotFound    = badRequest("chat not found")
	errEditNotFound    = badRequest("message to edit not found")
	errNotModified     = badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
	errQueryTooOld     = badRequest("query is too old and response timeout expired or query ID is invalid")
	errReplyNotFound   = badRequest("message to be replied not found")
	errCantEdit        = badRequest("message can't be edited")
	errNoTextToEdit    = badRequest("there is no text in the message to edit")
	errNoCaptionToEdit = badRequest("there is no caption in the message to edit")
	errNoMediaToEdit   = badRequest("there is no media in the message to edit")
)

func tooManyRequests(retryAfter int) *apiError {
	return &apiError{
		code:       http.StatusTooManyRequests,
		desc:       "Too Many Requests: retry after " + strconv.Itoa(retryAfter),
		retryAfter: retryAfter,
	}
}

type envelope struct {
	OK          bool            `json:"ok"`
	Result      any             `json:"result,omitempty"`
	Description string          `json:"description,omitempty"`
	ErrorCode   int             `json:"error_code,omitempty"`
	Parameters  *responseParams `json:"parameters,omitempty"`
}

type responseParams struct {
	RetryAfter      int   `json:"retry_after,omitempty"`
	MigrateToChatID int64 `json:"migrate_to_chat_id,omitempty"`
}

// okWithDescription is a result that also carries a description, as
// deleteWebhook's answer does.
type okWithDescription struct {
	result      any
	description string
}

func writeJSON(w http.ResponseWriter, status int, v envelope) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"ok":false,"error_code":500,"description":"Internal Server Error: telegramtest: encode response"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeError(w http.ResponseWriter, e *apiError) {
	env := envelope{OK: false, ErrorCode: e.code, Description: e.desc}
	if e.retryAfter > 0 || e.migrateTo != 0 {
		env.Parameters = &responseParams{RetryAfter: e.retryAfter, MigrateToChatID: e.migrateTo}
	}
	writeJSON(w, e.code, env)
}

func writeResult(w http.ResponseWriter, result any) {
	if r, ok := result.(okWithDescription); ok {
		writeJSON(w, http.StatusOK, envelope{OK: true, Result: r.result, Description: r.description})
		return
	}
	writeJSON(w, http.StatusOK, envelope{OK: true, Result: result})
}
