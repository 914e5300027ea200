package sd

import (
	"cmp"
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"
)

// Info is the generation info a WebUI returns with txt2img (the "info" JSON
// string). Keys a server version lacks are left zero; see Txt2ImgResponse.
type Info struct {
	Seed              int64    // the first image's seed
	AllSeeds          []int64  // one per real output image
	Prompt            string   // the prompt as the server used it
	NegativePrompt    string   // the negative prompt as the server used it
	Width             int      // image width in pixels, before hires fix
	Height            int      // image height in pixels, before hires fix
	Steps             int      // sampling steps
	BatchSize         int      // images per batch
	SamplerName       string   // the sampler alone; the scheduler is only in Infotexts
	CFGScale          float64  // classifier-free guidance scale
	SDModelName       string   // checkpoint name (from the infotext on servers before 1.5)
	SDModelHash       string   // checkpoint short hash
	DenoisingStrength *float64 // nil when the server sent null
	IndexOfFirstImage int      // images before this index are grids, not outputs
	Infotexts         []string // the "parameters" text of each output image
	JobTimestamp      string   // "YYYYMMDDhhmmss"
	Version           string   // e.g. "v1.10.1" (from the infotext on servers before 1.8)
	Extra             map[string]any
}

// infoWire mirrors the info JSON with types that never fail to decode.
type infoWire struct {
	Prompt            text            `json:"prompt"`
	NegativePrompt    text            `json:"negative_prompt"`
	Seed              integer         `json:"seed"`
	AllSeeds          []integer       `json:"all_seeds"`
	Width             integer         `json:"width"`
	Height            integer         `json:"height"`
	Steps             integer         `json:"steps"`
	BatchSize         integer         `json:"batch_size"`
	SamplerName       text            `json:"sampler_name"`
	CFGScale          number          `json:"cfg_scale"`
	SDModelName       text            `json:"sd_model_name"`
	SDModelHash       text            `json:"sd_model_hash"`
	DenoisingStrength json.RawMessage `json:"denoising_strength"`
	IndexOfFirstImage integer         `json:"index_of_first_image"`
	Infotexts         []text          `json:"infotexts"`
	JobTimestamp      text            `json:"job_timestamp"`
	Version           text            `json:"version"`
	Extra             map[string]any  `json:"extra_generation_params"`
}

// decodeInfo decodes the info JSON leniently: missing keys, nulls and odd
// types give zero values. ok is false only when raw is not a JSON object.
func decodeInfo(raw string) (info Info, ok bool) {
	if !strings.HasPrefix(strings.TrimSpace(raw), "{") {
		return Info{}, false
	}
	var w infoWire
	if err := json.Unmarshal([]byte(raw), &w); err != nil {
		var typeErr *json.UnmarshalTypeError
		if !errors.As(err, &typeErr) {
			return Info{}, false // a syntax error: nothing to trust
		}
	}
	info = Info{
		Seed:              int64(w.Seed),
		Prompt:            string(w.Prompt),
		NegativePrompt:    string(w.NegativePrompt),
		Width:             int(w.Width),
		Height:            int(w.Height),
		Steps:             int(w.Steps),
		BatchSize:         int(w.BatchSize),
		SamplerName:       string(w.SamplerName),
		CFGScale:          float64(w.CFGScale),
		SDModelName:       string(w.SDModelName),
		SDModelHash:       string(w.SDModelHash),
		IndexOfFirstImage: int(w.IndexOfFirstImage),
		JobTimestamp:      string(w.JobTimestamp),
		Version:           string(w.Version),
		Extra:             w.Extra,
	}
	for _, s := range w.AllSeeds {
		info.AllSeeds = append(info.AllSeeds, int64(s))
	}
	for _, s := range w.Infotexts {
		info.Infotexts = append(info.Infotexts, string(s))
	}
	if s := strings.TrimSpace(scalarText(w.DenoisingStrength)); s != "" {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			info.DenoisingStrength = &f
		}
	}
	if len(info.Infotexts) > 0 && (info.SDModelName == "" || info.Version == "" || info.SDModelHash == "") {
		p := infotextParams(info.Infotexts[0])
		info.SDModelName = cmp.Or(info.SDModelName, p["Model"])
		info.SDModelHash = cmp.Or(info.SDModelHash, p["Model hash"])
		info.Version = cmp.Or(info.Version, p["Version"])
	}
	return info, true
}

// infotextParam matches one "Key: value" of an infotext's last line; values
// with commas are quoted (the same expression A1111 parses it with).
var infotextParam = regexp.MustCompile(`\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)`)

// infotextParams parses the "Steps: 20, Sampler: Euler a, ..." line of an
// A1111 infotext.
func infotextParams(infotext string) map[string]string {
	line := infotext
	if i := strings.LastIndexByte(line, '\n'); i >= 0 {
		line = line[i+1:]
	}
	out := make(map[string]string)
	for _, m := range infotextParam.FindAllStringSubmatch(line, -1) {
		v := strings.TrimSpace(m[2])
		if uq, err := strconv.Unquote(v); err == nil && strings.HasPrefix(v, `"`) {
			v = uq
		}
		out[strings.TrimSpace(m[1])] = v
	}
	return out
}
