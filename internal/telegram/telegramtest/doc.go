// Package telegramtest is a fake Telegram Bot API server for tests.
//
// [NewServer] starts an [httptest.Server] that speaks the Bot API the way
// api.telegram.org does: the bot calls {URL}/bot{token}/{method} with
// parameters in the query string, as application/x-www-form-urlencoded,
// application/json or multipart/form-data, and gets the usual
// {"ok":...,"result":...} envelope back. Method names are case-insensitive.
//
// The fake is strict on purpose, so that adapter bugs show up in tests:
//
//   - Every request is checked against the Bot API specification (embedded
//     from specdata.json, see specdata.LICENSE): unknown methods get 404,
//     unknown parameters and missing required ones get 400. The legacy
//     parameters of Bot API 5.5 that telegram-bot-api v5.5.1 sends
//     (reply_to_message_id, allow_sending_without_reply,
//     disable_web_page_preview) are accepted, and a literal "null" for a
//     non-string parameter counts as absent. Real Telegram silently ignores
//     unknown parameters; the fake rejects them to catch typos.
//   - Content rules use Telegram's error texts: text 1-4096 and captions up
//     to 1024 UTF-16 code units after entity parsing, callback_data 1-64
//     bytes, photo size and dimension limits, the HTML parse mode
//     (an unescaped '<', '>' or '&' in HTML is an error here, although
//     Telegram tolerates a bare '>' or '&'), "message is not modified",
//     "message to edit not found", "there is no text in the message to
//     edit", album sizes, one answer per callback query. The Markdown and
//     MarkdownV2 parse modes, which the bot never uses, answer 501.
//   - Flood control answers 429 with parameters.retry_after: a token bucket
//     per chat (bursts of 3, then 1 a second), 20 a minute per group and 30
//     a second globally (see [Limits]).
//   - Concurrent getUpdates end the older one with 409 Conflict; a bot's
//     hang-up can be noticed late (Options.PollHangUpDelay), as across a
//     network.
//
// Users' pictures: [Server.SendMessage] with [WithPhoto] posts a photo
// (message.photo lists its sizes, thumbnails first, with file_size; the
// caption carries the bot_command caption_entities), with [WithDocument] a
// file sent as a document, with [WithoutFileSize] one whose size the bot
// learns only by downloading. getFile answers file_path and file_size, or
// "Bad Request: file is too big" above [MaxDownloadBytes] (20 MB), and the
// file route {URL}/file/bot{token}/{file_path} serves the bytes (404 for an
// unknown path or token). [Server.FailDownloads] makes downloads fail, hang
// or answer an HTML page; [Server.Downloads] lists them.
//
// Tests drive users with [Server.SendMessage], [Server.Click] and
// [Server.DeleteMessage], inject failures with [Server.FailNext] and
// [Server.FailNextIn] (one chat's calls), upgrade a group with
// [Server.MigrateChat] (400 with migrate_to_chat_id), start a competing
// poller with [Server.SetSecondPoller], and
// observe the result with [Server.Messages], [Server.Message] (including
// each message's edit history), [Server.Calls], [Server.Count429],
// [Server.CallbackAnswers] and [Server.Commands]. [Server.WaitFor] and
// [Server.Changed] let a test wait for state without sleeping.
//
// All methods of [Server] are safe for concurrent use.
package telegramtest

//go:generate go run ./internal/specgen -out=specdata.json
