// Package sdsim provides a simulated Stable Diffusion server that speaks the
// AUTOMATIC1111 WebUI HTTP API closely enough for the SD client, and every test
// that needs "Stable Diffusion", to run against it. It ships in the binary:
// `bot sdsim` serves it and `bot generate -sim` draws with it.
//
// The simulation follows the real server where a client can notice the
// difference: one job at a time behind a FIFO lock shared with model loads,
// A1111's progress bookkeeping (global /sdapi/v1/progress, the seed server's
// per-task task_id, stock /internal/progress with force_task_id), pydantic-style
// 422 answers, A1111's error bodies, basic auth like --api-auth, real PNG images
// with a "parameters" text chunk, live previews, interrupts and silent model
// load failures. Faults (a crashed server, CUDA out of memory, hangs, truncated
// JSON, answers whose images are missing, null, empty or not images) are
// injected with [Sim.SetFault].
//
// Like the real server, a txt2img job keeps running when its HTTP client gives
// up: only /sdapi/v1/interrupt or [Sim.Close] stops it.
//
// [NewServer] serves a Sim on a loopback port (tests and `bot generate -sim`);
// `bot sdsim` serves a [Sim] on the address it is given.
package sdsim
