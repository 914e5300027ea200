// Package comfyui drives one ComfyUI server as an imagine.Backend: it
// fills an API-format workflow (Workflow) with a job's parameters, queues
// it with POST /prompt, follows its progress and previews on one websocket
// per backend (/ws?clientId=), reconnected when it drops, fetches the
// images through /history and /view, and cancels with /interrupt or a
// queue delete. An img2img uploads the user's picture (POST /upload/image)
// and runs the workflow's own LoadImage → VAEEncode → KSampler path, or a
// built-in img2img graph, scaled to the job's size; an upscale runs
// UpscaleModelLoader and ImageUpscaleWithModel, then scales to the exact
// factor; a variation is refused (ComfyUI has no subseed). Checkpoints,
// samplers, schedulers, LoRAs and upscale models come from /object_info.
// Errors wrap the core's kinds (imagine.ErrBackendDown, ErrRejected with a
// *imagine.RejectedError, ErrOutOfMemory, ...), worded so that the reason
// a user reads names the node and input concerned.
package comfyui
