package telegram

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// apiError is an error answer of the Bot API.
type apiError struct {
	Method      string
	Code        int // error_code, which equals the HTTP status
	Description string
	RetryAfter  int   // parameters.retry_after of a 429, in Limits.RetryAfterUnit
	MigrateTo   int64 // parameters.migrate_to_chat_id
}

func (e *apiError) Error() string {
	return fmt.Sprintf("telegram: %s: %d %s", e.Method, e.Code, e.Description)
}

// redactedError is a transport error whose text has the token removed.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func redact(s, token string) string {
	if token == "" {
		return s
	}
	return strings.ReplaceAll(s, token, "<token>")
}

// codeFromDescription recovers the error code from a description such as
// "Bad Request: ...", for answers whose code was lost.
func codeFromDescription(d string) int {
	for prefix, code := range map[string]int{
		"Bad Request": 400, "Unauthorized": 401, "Forbidden": 403, "Not Found": 404,
		"Conflict": 409, "Too Many Requests": 429, "Internal Server Error": 500,
		"Bad Gateway": 502, "Service Unavailable": 503, "Gateway Timeout": 504,
	} {
		if strings.HasPrefix(d, prefix) {
			return code
		}
	}
	return 0
}

// asAPIError returns err's *apiError, or nil.
func asAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	return nil
}

// descHas reports whether err is an API error whose description contains s
// (case-insensitive, as Telegram's texts vary in case).
func descHas(err error, s ...string) bool {
	ae := asAPIError(err)
	if ae == nil {
		return false
	}
	d := strings.ToLower(ae.Description)
	for _, x := range s {
		if strings.Contains(d, strings.ToLower(x)) {
			return true
		}
	}
	return false
}

// isNotModified reports the harmless "message is not modified" answer.
func isNotModified(err error) bool { return descHas(err, "message is not modified") }

// isGone reports that a message or its chat can no longer be reached: the
// user deleted the message, blocked the bot or removed it from the group.
func isGone(err error) bool { return isMessageGone(err) || isChatGone(err) }

// isMessageGone reports that one message can no longer be edited or
// deleted, typically because someone deleted it; its chat still works.
func isMessageGone(err error) bool {
	return descHas(err, "message to edit not found", "message_id_invalid", "message to delete not found",
		"message can't be edited")
}

// isChatGone reports that the bot can no longer post in the chat: it was
// blocked or removed, the chat is gone, or it lacks the rights. A group
// that became a supergroup is not gone (see migratedTo).
func isChatGone(err error) bool {
	ae := asAPIError(err)
	if ae == nil || ae.MigrateTo != 0 {
		return false
	}
	if ae.Code == http.StatusForbidden {
		return true
	}
	if descHas(err, "not enough rights to send photos", "not enough rights to send documents", "not enough rights to send media") {
		// Only pictures are forbidden: the chat still takes text, so the
		// job goes on and its result ends in a text message.
		return false
	}
	return descHas(err, "chat not found", "group chat was upgraded", "not enough rights", "bot was kicked")
}

// migratedTo returns the supergroup a group became, from a 400 with
// parameters.migrate_to_chat_id, or 0.
func migratedTo(err error) int64 {
	if ae := asAPIError(err); ae != nil {
		return ae.MigrateTo
	}
	return 0
}

// isRefused reports an answer that refuses this one request for good: a
// client error other than a flood wait or a moved group. Retrying the same
// request cannot help.
func isRefused(err error) bool {
	ae := asAPIError(err)
	return ae != nil && ae.Code >= 400 && ae.Code < 500 && ae.Code != http.StatusTooManyRequests &&
		ae.RetryAfter == 0 && ae.MigrateTo == 0
}

// isTransient reports a failure worth retrying: the network, or a server
// error on Telegram's side.
func isTransient(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	ae := asAPIError(err)
	return ae == nil || ae.Code >= 500
}

// retryAfter returns a 429's retry_after in units, or 0.
func retryAfter(err error) int {
	if ae := asAPIError(err); ae != nil && (ae.Code == http.StatusTooManyRequests || ae.RetryAfter > 0) {
		return max(ae.RetryAfter, 1)
	}
	return 0
}

// isPhotoRejected reports that Telegram refused an image as a photo (too
// large, bad dimensions, unreadable), so it should go as a document.
func isPhotoRejected(err error) bool {
	return descHas(err, "PHOTO_INVALID_DIMENSIONS", "PHOTO_SAVE_FILE_INVALID", "IMAGE_PROCESS_FAILED",
		"PHOTO_EXT_INVALID", "wrong type of the web page content", "too big")
}

// isConflict reports getUpdates' 409 when another instance polls with the
// same token ("terminated by other getUpdates request").
func isConflict(err error) bool {
	ae := asAPIError(err)
	return ae != nil && ae.Code == http.StatusConflict && !descHas(err, "webhook")
}

// textToMediaRefused reports the answer with which a Bot API server older
// than 7.11 refuses editMessageMedia on a text message: "there is no media
// in the message to edit" (the text tdlib gives), or "message can't be
// edited". Other refusals (a bad upload such as MEDIA_EMPTY, a photo
// Telegram cannot process) concern one message or one image, not the
// server.
func textToMediaRefused(err error) bool {
	ae := asAPIError(err)
	return ae != nil && ae.Code == http.StatusBadRequest &&
		descHas(err, "there is no media in the message to edit", "message can't be edited")
}
