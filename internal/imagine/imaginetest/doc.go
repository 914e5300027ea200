// Package imaginetest provides Backend, a scripted in-memory
// [imagine.Backend] for adapter and core tests that do not need the HTTP
// simulator (internal/sdsim) and the SD client in between.
//
// A generation runs its steps one after another, each taking
// Options.StepDelay on the clock (a timer, so testing/synctest bubbles
// control it) or, with Options.Manual, waiting for [Backend.Advance]. It
// reports progress after every step with a small PNG preview, and ends with
// real PNGs of the requested size (scaled by HRScale with EnableHR, as the
// hires fix does) whose colours depend on the seed. Models can be listed,
// read and switched. Failures of the core's kinds (imagine.ErrBackendDown,
// imagine.ErrOutOfMemory, imagine.ErrNoImage, ...) and generations that hang
// until their context ends are scripted with [Backend.FailNext],
// [Backend.FailNextSwitch] and [Backend.SetDown]. Every generation is
// recorded (see [Backend.Jobs]) and [Backend.WaitFor] waits for any state
// without polling.
package imaginetest
