// Package imagine is the platform-neutral core of imaginebot.
//
// Front ends (Discord, Telegram, the command line) turn a chat command into
// a Request. Service.Submit applies the user's own settings (Prefs), checks
// names against what the backends list (lists.go), resolves the request
// with the configured defaults, the model's profile, limits and styles
// (Settings.Resolve), checks the daily quota, records the job in the Store
// and puts it into the fair per-user queue. The dispatcher (dispatch.go)
// hands the next job in fair order to a free backend, preferring one with
// the job's model loaded; one worker per backend runs jobs through a
// Backend and publishes each job's Status (queued, running with a preview,
// done, failed, cancelled, restarting) to a Watch that the front end reads,
// latest status wins. Model switches run between jobs, never under one.
//
// The Store keeps jobs, results and users' settings: with a durable store
// (internal/store, SQLite) a restart resumes the queue in its order;
// MemoryStore keeps them for one process.
//
// Every sentence a user can see comes from internal/catalog, in English or
// Simplified Chinese by the requester's locale.
//
// The package imports only the standard library, internal/queue and
// internal/catalog: it knows nothing of discordgo, the Telegram library,
// SQL or the SD HTTP APIs.
package imagine
