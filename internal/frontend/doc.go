// Package frontend holds what every chat front end shares, and documents
// the shape they all have.
//
// A front end (internal/telegram, internal/discord, internal/web) turns a
// platform's commands into imagine.Request values, submits them to the
// core through the small Core interface declared here, and keeps one
// message per job up to date from the job's imagine.Watch. The
// shared pieces live here and in their own packages: the sentences in
// internal/catalog (a front end keeps its platform-only sentences as
// catalog.Text values in its texts.go), images in internal/imagefile,
// goroutines in internal/tasks, what the result buttons mean on
// imagine.Request and imagine.Record (Reroll, Retry, UpscaleImage, Vary), /queue and /help texts here.
// What result buttons need after the job (the request, seeds, images) the
// core keeps in its store, for every front end (Results).
//
// # The skeleton
//
// Every front end has the same files for the same roles, so that whoever
// knows one finds everything in the next by analogy:
//
//	doc.go       package doc: what the platform adds to the shared behaviour
//	adapter.go   Config (withDefaults, validate; Allow* booleans named as the YAML keys), Adapter, New
//	run.go       Run: connect, receive, and shut down through one tasks.Group
//	receive.go   the platform's stream of updates, dispatched in arrival order
//	client.go    the transport: the platform's API client, its rate limits and retries
//	errors.go    the platform's errors, classified (gone, refused, rate limited, transient)
//	commands.go  command registration and the small commands (/help, /queue)
//	imagine.go   /imagine: the request from the command, Submit, the job's editor
//	buttons.go   the typed button action, its codec, and the button handlers
//	model.go     /model for admins
//	editor.go    the job message's loop: queued, previews, the result
//	render.go    views of a status: text, preview image, buttons
//	delivery.go  the final result, and every fallback that makes it visible
//	input.go     users' pictures: found in a message, fetched through the platform's file API, checked (img2img; InputSource for restored jobs)
//	ref.go       what a job keeps in the core's store to find its message after a restart, and resume
//	settings.go  /settings: the user's own defaults (imagine.Prefs)
//	history.go   /history: the user's last results, each to run again
//	access.go    where the bot may answer, and who is an admin
//	health.go    Healthy, for /healthz
//	texts.go     the platform-only sentences, as catalog.Text
//	wire.go      the platform's payload types the adapter decodes
//
// Handlers are named handleX for a command or button X (handleImagine,
// handleQueue, handleHelp, handleModel, handleButton, handleCancel,
// handleReroll). A front end runs no goroutine of its own making: every one
// starts through its tasks.Group, which recovers and logs panics, and Run
// stops the group before it returns.
package frontend
