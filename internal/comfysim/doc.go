// Package comfysim is a simulated ComfyUI server for tests and for
// "bot sdsim -kind comfyui". It speaks ComfyUI's HTTP and websocket
// protocol as the bot uses it: POST /prompt validates the submitted
// API-format graph the way ComfyUI does (known node classes, required
// inputs, links of the right output type, values in range and in their
// lists) and answers 400 with error and node_errors when it fails; a single
// executor runs queued prompts in order, sending status, execution_start,
// executing, progress (one per sampling step), executed and
// execution_error or execution_interrupted on /ws?clientId=, with binary
// preview frames (PNG or JPEG) for the client that queued the prompt;
// results are kept in /history/{prompt_id} and served by /view; POST
// /interrupt and POST /queue {"delete": [...]} cancel; /object_info lists
// the node classes it knows. POST /upload/image stores a multipart image
// in the input folder, which LoadImage reads (refusing an unknown file as
// ComfyUI's validation does); VAEEncode, RepeatLatentBatch, ImageScale,
// ImageScaleBy, UpscaleModelLoader (Options.UpscaleModels) and
// ImageUpscaleWithModel run img2img and upscale graphs whose images have
// the size the graph implies. Runs and Uploads tell a test what a prompt
// loaded, its denoise and the sizes it saved. Images are drawn deterministically from the
// seed. Faults (Fault) make it misbehave on purpose, and Records tell a
// test what it received.
package comfysim
