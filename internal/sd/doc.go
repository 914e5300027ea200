// Package sd is a client for the HTTP API of the AUTOMATIC1111 Stable
// Diffusion WebUI (/sdapi/v1/*) and the servers that copy it: Forge, SD.Next
// and the project's seed server, which adds a caller-chosen task_id.
//
// A Client runs txt2img, follows the progress of its own job with whatever
// per-task mechanism the server offers (detected once and remembered, see
// ProgressMode), lists and switches checkpoints, and lists LoRAs, samplers and
// upscalers. Errors are typed: errors.Is with ErrUnreachable, ErrTimeout,
// ErrMalformed, ErrModelNotFound or ErrNoImage, errors.As with *APIError,
// *MalformedError, *NoImageError or *ModelLoadError; every message says what
// a person can do about it and never contains a password.
//
// The package imports only the standard library. Its fake server for tests is
// in sd/sdsim.
package sd
