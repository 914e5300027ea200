// Package imagine is the platform-neutral core of imaginebot.
//
// Platform adapters (Discord, Telegram, the command line) turn a chat command
// into a Request. Settings.Resolve validates it against the configured
// defaults, limits and styles and composes the final prompt; Service.Submit
// puts the job into the fair per-user queue; one worker per SD backend runs
// jobs through a Backend and publishes each job's Status (queued, running
// with a preview, done, failed, cancelled) to a Watch that the adapter reads,
// latest status wins. Model switches run between jobs, never under one.
//
// Every sentence a user can see comes from internal/catalog, in English or
// Simplified Chinese by the requester's locale.
//
// The package imports only the standard library, internal/queue and
// internal/catalog: it knows
// nothing of discordgo, the Telegram library or the SD HTTP API.
package imagine
