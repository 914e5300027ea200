// Package telegram is imaginebot's Telegram front end.
//
// An Adapter long-polls the Bot API (getUpdates, through
// telegram-bot-api v5, decoding updates itself so that fields newer than
// Bot API 5.5 such as message_thread_id can be sent and read) and turns
// commands into requests for the core (frontend.Core):
//
//   - /imagine PROMPT [--options], in private chats and groups
//     (/imagine@ThisBot; commands for other bots are ignored), or as a reply
//     to a message whose text becomes the prompt;
//   - the same as the caption of a photo or of a picture sent as a
//     document, or replying to one: an img2img from that picture (input.go).
//     The largest photo size is fetched with getFile and the file route of
//     telegram.api_url (never the library's hard-coded host), at most
//     limits.max_input_bytes+1 bytes, and checked by the core's input
//     checker; what Telegram says of the file (a mime type that is not an
//     image, a file_size over the limit or over Telegram's 20 MB download
//     limit) refuses it before any download. The URL holds the token, so
//     its errors are scrubbed; neither it nor the picture is logged;
//   - /queue (with what is left of a daily quota), /help and /start, in
//     the user's language (or the one they chose in /settings);
//   - /settings: the user's defaults, changed with an inline keyboard or
//     /settings --ar 16:9 --steps 30 ...; /history: their last results,
//     each with a button to run it again;
//   - /model for admins: a keyboard of checkpoints, or /model NAME.
//
// Every accepted job gets one status message, a reply to the command sent
// at once, which its editor goroutine edits from "queued" to live previews
// (a photo with a progress caption) to the result: the image with its
// caption and Reroll, PNG, ⬆ Upscale and 🎨 Vary buttons (per image of a
// batch, one compact row of each), or for a batch an album plus a
// caption message carrying the buttons. Upscale is an ordinary job of
// whoever presses it; its larger image comes as a new message replying to
// the result (a document when it is too large for a photo). Buttons under
// an img2img's result fetch its picture again by the file_id kept in the
// job's reference. Failures and cancellations end in
// a short sentence, and so does a result Telegram refuses to take: no job
// ends without a visible message. A result ready before its status
// message went out becomes the first message itself. A status message
// someone deleted does not cancel the job: the result comes as a new
// message naming the requester. A group upgraded to a supergroup is
// followed (migrate_to_chat_id). Button presses (Cancel, Reroll, Try again, PNG, model
// choice, settings) carry short opaque callback data; what result buttons
// need the core keeps (frontend.Results), so they work across restarts.
//
// Jobs survive restarts: each command and submitting press carries a
// Source (tg:CHAT:MSG, tg:cb:QUERY) so that an update Telegram delivers
// again makes no second job, and each job's messages are saved with the
// core (ref.go), so that after a restart its editor edits the same status
// message ("the bot restarted…") up to the result. The adapter is the
// core's imagine.InputSource: a restored img2img gets its photo again by
// the file_id in its reference (Adapter.Input), before Run connected.
//
// Files follow internal/frontend's skeleton; the transport (client.go)
// adds botapi.go, outgoing.go, limits.go, window.go, migrate.go and
// textmedia.go; store.go keeps the model lists behind /model keyboards,
// whose buttons carry only 64 bytes.
//
// All sends and edits share one flood limiter that keeps to Telegram's
// limits (per chat a token bucket of 3 refilled at one a second, 20 per
// minute per group, 30 per second in all) without sleeping in shared code:
// first replies and results book the next free slot, while preview edits
// only use spare capacity (never a chat's last token) and always render
// the latest status when they get a turn. A 429 holds the
// chat (or everything) for retry_after; "message is not modified" counts as
// success; the terminal status is retried a bounded number of times.
//
// Text goes out in HTML parse mode: user text is clipped by characters and
// then escaped, and never exceeds Telegram's caption and text limits.
package telegram
