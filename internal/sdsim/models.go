package sdsim

import (
	"crypto/sha256"
	"encoding/hex"
	"path"
	"strings"
)

// modelsDir and loraDir are where the simulated WebUI keeps its files.
const (
	modelsDir = "/stable-diffusion-webui/models/Stable-diffusion/"
	loraDir   = "/stable-diffusion-webui/models/Lora/"
)

// checkpoint is one entry of GET /sdapi/v1/sd-models.
type checkpoint struct {
	Title     string  `json:"title"`
	ModelName string  `json:"model_name"`
	Hash      string  `json:"hash"`
	SHA256    string  `json:"sha256"`
	Filename  string  `json:"filename"`
	Config    *string `json:"config"`

	nameForExtra string // base name without extension, A1111's name_for_extra
	aliases      []string
}

// newCheckpoint describes the checkpoint file name (relative to the models
// directory). Its sha256 is derived from the name so that titles are stable
// (the "sdtest" salt predates the package name and keeps the hashes as they
// were).
func newCheckpoint(name string) checkpoint {
	sum := sha256.Sum256([]byte("sdtest checkpoint " + name))
	sha := hex.EncodeToString(sum[:])
	short := sha[:10]
	ext := path.Ext(name)
	c := checkpoint{
		Title:        name + " [" + short + "]",
		ModelName:    strings.TrimSuffix(strings.NewReplacer("/", "_", "\\", "_").Replace(name), ext),
		Hash:         short,
		SHA256:       sha,
		Filename:     modelsDir + name,
		nameForExtra: strings.TrimSuffix(path.Base(name), ext),
	}
	// The ids A1111's CheckpointInfo registers in checkpoint_aliases once the
	// sha256 is known.
	c.aliases = []string{c.Title, c.ModelName, name, c.nameForExtra, short, sha,
		name + " [" + short + "]", c.nameForExtra + " [" + short + "]"}
	return c
}

// catalog is the immutable set of checkpoints and LoRAs a Sim serves.
type catalog struct {
	checkpoints []checkpoint
	aliases     map[string]int // alias -> index in checkpoints; first registration wins
	loras       []lora
}

func newCatalog(models, loras []string) *catalog {
	c := &catalog{aliases: make(map[string]int)}
	for _, m := range models {
		c.checkpoints = append(c.checkpoints, newCheckpoint(m))
	}
	for i, cp := range c.checkpoints {
		for _, a := range cp.aliases {
			if _, dup := c.aliases[a]; !dup {
				c.aliases[a] = i
			}
		}
	}
	for _, name := range loras {
		c.loras = append(c.loras, newLoRA(name))
	}
	return c
}

// lookup resolves a checkpoint name the way A1111's checkpoint_aliases does.
func (c *catalog) lookup(name string) (int, bool) {
	i, ok := c.aliases[name]
	return i, ok
}

// lora is one entry of GET /sdapi/v1/loras.
type lora struct {
	Name     string         `json:"name"`
	Alias    string         `json:"alias"`
	Path     string         `json:"path"`
	Metadata map[string]any `json:"metadata"`

	hash string // the 12-hex short hash A1111 writes in "Lora hashes"
}

func newLoRA(name string) lora {
	sum := sha256.Sum256([]byte("sdtest lora " + name))
	return lora{
		Name:  name,
		Alias: name,
		Path:  loraDir + name + ".safetensors",
		Metadata: map[string]any{
			"ss_output_name":         name,
			"ss_sd_model_name":       "v1-5-pruned-emaonly.safetensors",
			"ss_network_module":      "networks.lora",
			"ss_network_dim":         "32",
			"ss_network_alpha":       "16",
			"ss_resolution":          "(512, 512)",
			"ss_num_train_images":    "120",
			"ss_tag_frequency":       map[string]any{"img": map[string]any{name: 120, "1girl": 40}},
			"sshs_model_hash":        hex.EncodeToString(sum[:]),
			"modelspec.architecture": "stable-diffusion-v1/lora",
		},
		hash: hex.EncodeToString(sum[:])[:12],
	}
}

// findLoRA returns the LoRA a prompt tag names, by name or alias.
func (c *catalog) findLoRA(name string) (lora, bool) {
	for _, l := range c.loras {
		if l.Name == name || l.Alias == name {
			return l, true
		}
	}
	return lora{}, false
}
