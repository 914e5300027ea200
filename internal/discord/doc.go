// Package discord is imaginebot's Discord adapter: it turns slash commands
// and button clicks into core requests (internal/imagine) and renders each
// job's statuses into one Discord message, from "queued" through live
// previews to the final images.
//
// The adapter talks to Discord with discordgo over the gateway websocket and
// the REST API. Every REST request goes through an http.RoundTripper that
// sends https://discord.com to Config.APIURL (a REST proxy or a test server),
// keeping the /api/v9/... paths.
//
// Commands: /imagine (prompt plus structured options; inline --options in the
// prompt work too, and a structured option wins over the same inline option),
// /model (admins; autocomplete from the SD model list), /queue (with what is
// left of the daily quota), /settings (the user's defaults and reply
// language, one option each, ephemeral), /history (the last results, each
// with a button that runs it again) and /help.
//
// Pictures: /imagine's image option (an attachment) and strength option
// (or an inline --strength), and the message context-menu command "Imagine
// from this image", which opens a form for the prompt and uses the
// message's first picture (the form finds it again through a nonce in its
// custom_id: fromimage.go). A picture is fetched only from the
// interaction's resolved data, only from Discord's CDN hosts over https or
// from the host of Config.APIURL, after what Discord says of it (type,
// size, dimensions) passed the limits, reading at most
// limits.max_input_bytes+1 bytes, and checked by the core's checker before
// any job exists: a bad picture gets one line and never reaches the
// server (input.go, imagejob.go).
//
// Buttons: Cancel (requester or admin), Reroll (new seed), one ⬆ Upscale
// per image (the image enlarged by the server's upscaler, posted as a new
// message replying to the result), one 🎨 Vary per image (the same seed with
// a small variation) and Try again. A job from a picture keeps the
// picture's link in its references and fetches it again for a rerun, until
// Discord's link expires. They read the job from
// the core's store, so they work after a restart for store.retention; their
// custom ids carry the job id and a stamp of the job's interaction, so that
// a job id that came to mean another job (a store that keeps nothing
// across restarts) is never run by an old button.
//
// Durable state: each job's references (channel, message, user, the
// interaction's creation time) are saved with the job as JSON, the
// interaction token only as the job's secret, which the store deletes when
// the job ends. After a restart Run takes back the platform's resumed jobs
// and keeps their messages up to date as before, saying that the bot
// restarted: through the token while it lives, else through the bot token.
// The adapter is the core's imagine.InputSource: a restored job from a
// picture gets it again by the link in its references (Adapter.Input).
// A command delivered twice (a replayed gateway event) makes one job: the
// interaction id is the request's Source.
//
// Interactions are acknowledged at once: a refusal is an ephemeral reply, an
// accepted job a deferred public response that a per-message editor then
// edits, at most once per Config.EditInterval, latest status wins, the
// terminal status always delivered, as soon as it arrives. Interaction tokens die 15 minutes after
// the command (Config.TokenLifetime); a message that outlives its token, or
// whose token is refused early (50027 Invalid Webhook Token), switches once
// to the bot token: an edit of the same message, else a new channel message
// that mentions the user. Where the bot cannot reach the channel (a
// user-installed app in a DM), the user is told so when the job is queued.
// A job message deleted while the job runs (someone tidying up) does not
// cancel the job: its result comes as a new message mentioning the user.
// Where Discord refuses to attach the result (no Attach Files permission, a
// file too large), the message ends in a text that says why, with the
// result's buttons, and the images go to the user by DM where possible.
//
// Jobs are submitted on the gateway's event goroutine, in arrival order, so
// that the fair queue sees them as users sent them; the acknowledgement and
// the message editing run in goroutines of the adapter's tasks.Group, which
// recovers a handler's panic and which Run stops with ShutdownGrace.
//
// discordgo's rate limiter is used with per-message bucket keys from small
// pools (so that text-only edits of different messages never share a bucket
// and the limiter's bucket map stays bounded), and interaction endpoints go
// through a limiter of their own (a global 429 on a bot-token route must not
// delay acknowledgements); 429s are never retried blindly but honoured by
// the editor. Interaction tokens and the bot token never appear in logs or
// errors. Healthy reports the gateway connection for health checks.
//
// The files follow the front ends' skeleton (see internal/frontend). Two
// are Discord's own: gateway.go (the gateway session, and the dialer that
// bounds the wait for READY) and limits.go (the pools of rate-limit bucket
// keys, and the upload limits).
package discord
