package sd

import (
	"context"
	"encoding/json"
	"net/http"
	"path"
	"strings"
)

// Options returns the server's settings (GET /sdapi/v1/options), several
// hundred keys, each left as raw JSON.
func (c *Client) Options(ctx context.Context) (map[string]json.RawMessage, error) {
	var opts map[string]json.RawMessage
	if err := c.shortCall(ctx, c.callTimeout, http.MethodGet, "/sdapi/v1/options", nil, &opts); err != nil {
		return nil, err
	}
	return opts, nil
}

// SetOptions changes server settings (POST /sdapi/v1/options). Changing
// sd_model_checkpoint loads the model and waits for the running job first,
// which can take minutes: only ctx bounds the call. An unknown checkpoint
// matches ErrModelNotFound; prefer SetModel, which also checks the load.
func (c *Client) SetOptions(ctx context.Context, opts map[string]any) error {
	// A1111 answers null, SD.Next {"updated": [...]}: only the status counts.
	return c.call(ctx, http.MethodPost, "/sdapi/v1/options", opts, nil)
}

// CurrentModel returns the title of the loaded checkpoint (the option
// sd_model_checkpoint).
func (c *Client) CurrentModel(ctx context.Context) (string, error) {
	var opts struct {
		Checkpoint text `json:"sd_model_checkpoint"`
	}
	if err := c.shortCall(ctx, c.callTimeout, http.MethodGet, "/sdapi/v1/options", nil, &opts); err != nil {
		return "", err
	}
	return string(opts.Checkpoint), nil
}

// Model is a checkpoint the server can load.
type Model struct {
	Title     string // "name.safetensors [shorthash]": the value to switch to
	ModelName string // file name without extension
	Hash      string // short hash; "" until the server has hashed the file
	SHA256    string // "" until the server has hashed the file
	Filename  string // path on the server
}

// Models lists the server's checkpoints (GET /sdapi/v1/sd-models).
func (c *Client) Models(ctx context.Context) ([]Model, error) {
	var wire []struct {
		Title     text `json:"title"`
		ModelName text `json:"model_name"`
		Hash      text `json:"hash"`
		SHA256    text `json:"sha256"`
		Filename  text `json:"filename"`
	}
	if err := c.shortCall(ctx, c.callTimeout, http.MethodGet, "/sdapi/v1/sd-models", nil, &wire); err != nil {
		return nil, err
	}
	models := make([]Model, len(wire))
	for i, w := range wire {
		models[i] = Model{Title: string(w.Title), ModelName: string(w.ModelName), Hash: string(w.Hash), SHA256: string(w.SHA256), Filename: string(w.Filename)}
	}
	return models, nil
}

// FindModel returns the checkpoint name refers to, trying in turn its title,
// model_name, title without the hash, file name (with or without extension),
// hash or sha256, and title or model_name ignoring case; the first model in
// the server's order wins within one kind of match. A name that matches
// nothing gives an error matching ErrModelNotFound that lists the models.
func (c *Client) FindModel(ctx context.Context, name string) (Model, error) {
	models, err := c.Models(ctx)
	if err != nil {
		return Model{}, err
	}
	if m, ok := matchModel(models, name); ok {
		return m, nil
	}
	titles := make([]string, len(models))
	for i, m := range models {
		titles[i] = m.Title
	}
	return Model{}, &modelNotFoundError{name: name, available: titles}
}

// SetModel switches the server to the checkpoint name refers to (see
// FindModel) and returns it. It posts sd_model_checkpoint (only ctx bounds
// that: a load can take minutes), then reads the options back, because a
// failed load still answers 200: a server still on another model gives a
// *ModelLoadError.
func (c *Client) SetModel(ctx context.Context, name string) (Model, error) {
	m, err := c.FindModel(ctx, name)
	if err != nil {
		return Model{}, err
	}
	if err := c.SetOptions(ctx, map[string]any{"sd_model_checkpoint": m.Title}); err != nil {
		return Model{}, err
	}
	got, err := c.CurrentModel(ctx)
	if err != nil {
		return Model{}, err
	}
	if !isModel(m, got) {
		return Model{}, &ModelLoadError{Want: m.Title, Got: got}
	}
	c.log.InfoContext(ctx, "sd model switched", "model", m.Title)
	return m, nil
}

// matchModel applies FindModel's rules.
func matchModel(models []Model, name string) (Model, bool) {
	name = strings.TrimSpace(name)
	if name == "" {
		return Model{}, false
	}
	rules := []func(Model) bool{
		func(m Model) bool { return m.Title == name },
		func(m Model) bool { return m.ModelName == name },
		func(m Model) bool { return withoutHash(m.Title) == name },
		func(m Model) bool {
			b := fileBase(m.Filename)
			return b == name || strings.TrimSuffix(b, path.Ext(b)) == name
		},
		func(m Model) bool {
			return (m.Hash != "" && strings.EqualFold(m.Hash, name)) || (m.SHA256 != "" && strings.EqualFold(m.SHA256, name))
		},
		func(m Model) bool { return strings.EqualFold(m.Title, name) || strings.EqualFold(m.ModelName, name) },
	}
	for _, rule := range rules {
		for _, m := range models {
			if rule(m) {
				return m, true
			}
		}
	}
	return Model{}, false
}

// isModel reports whether sd_model_checkpoint value got names m. Servers
// store the title, but some keep the value as it was posted or drop the hash.
func isModel(m Model, got string) bool {
	got = strings.TrimSpace(got)
	return got != "" && (got == m.Title || got == m.ModelName || withoutHash(got) == withoutHash(m.Title))
}

// withoutHash strips the " [hash]" suffix of a title.
func withoutHash(title string) string {
	if strings.HasSuffix(title, "]") {
		if i := strings.LastIndex(title, " ["); i >= 0 {
			return title[:i]
		}
	}
	return title
}

// fileBase returns the last element of a server path, Windows or not.
func fileBase(p string) string {
	if p == "" {
		return ""
	}
	return path.Base(strings.ReplaceAll(p, `\`, "/"))
}
