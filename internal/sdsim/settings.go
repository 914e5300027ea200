package sdsim

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strconv"
)

// defaultSettings is the part of A1111's opts.data the Sim knows; other keys
// are unknown (KeyError), as A1111 rejects keys it has no label for.
// sd_model_checkpoint is kept apart, as Sim.selected.
func defaultSettings(o Options) map[string]any {
	return map[string]any{
		"samples_format":                 "png",
		"grid_format":                    "png",
		"jpeg_quality":                   int64(80),
		"enable_pnginfo":                 true,
		"return_grid":                    true,
		"grid_only_if_multiple":          true,
		"n_rows":                         int64(-1),
		"sd_checkpoint_hash":             "",
		"sd_checkpoints_limit":           int64(1),
		"sd_vae":                         "Automatic",
		"CLIP_stop_at_last_layers":       int64(1),
		"face_restoration":               false,
		"face_restoration_model":         "CodeFormer",
		"tiling":                         false,
		"live_previews_enable":           true,
		"live_previews_image_format":     "png",
		"show_progress_grid":             true,
		"show_progress_every_n_steps":    int64(o.PreviewEvery),
		"show_progress_type":             "Approx NN",
		"live_preview_content":           "Prompt",
		"live_preview_refresh_period":    int64(1000),
		"live_preview_fast_interrupt":    false,
		"add_model_hash_to_info":         true,
		"add_model_name_to_info":         true,
		"add_version_to_infotext":        true,
		"eta_noise_seed_delta":           int64(0),
		"outdir_samples":                 "",
		"outdir_txt2img_samples":         "outputs/txt2img-images",
		"outdir_txt2img_grids":           "outputs/txt2img-grids",
		"lora_not_found_warning_console": false,
		"sd_vae_decode_method":           "Full",
		"api_enable_requests":            true,
		"api_forbid_local_requests":      true,
	}
}

// getOptions serves GET /sdapi/v1/options.
func (s *Sim) getOptions(w http.ResponseWriter, c *call) {
	s.mu.Lock()
	out := maps.Clone(s.settings)
	out["sd_model_checkpoint"] = s.cat.checkpoints[s.selected].Title
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// setOptions serves POST /sdapi/v1/options like A1111's set_config: an unknown
// checkpoint is refused before anything changes, then keys are set in order; a
// checkpoint change waits for the job lock and loads the model.
func (s *Sim) setOptions(w http.ResponseWriter, c *call) {
	obj, verr := decodeBodyObject(c.r, c.body)
	if verr != nil {
		write422(w, []validationError{*verr})
		return
	}
	for i := range obj {
		obj[i].Value = decodeAny(obj[i].Value.(json.RawMessage))
	}
	var ckpt any
	for _, kv := range obj {
		if kv.Key == "sd_model_checkpoint" {
			ckpt = kv.Value
		}
	}
	if ckpt != nil {
		name, _ := ckpt.(string)
		if _, ok := s.cat.lookup(name); !ok {
			writeException(w, "RuntimeError", fmt.Sprintf("model %s not found", pyRepr(ckpt)))
			return
		}
	}
	for _, kv := range obj {
		if kv.Key == "sd_model_checkpoint" {
			if kv.Value == nil {
				continue
			}
			idx, _ := s.cat.lookup(kv.Value.(string))
			if !s.switchModel(c, idx, kv.Value.(string)) {
				s.drop(w)
				return
			}
			continue
		}
		s.mu.Lock()
		_, known := s.settings[kv.Key]
		if known {
			s.settings[kv.Key] = kv.Value
		}
		s.mu.Unlock()
		if !known && kv.Value != nil { // Options.set: oldval None == None returns early
			writeException(w, "KeyError", pyRepr(kv.Key))
			return
		}
	}
	writeRawJSON(w, http.StatusOK, []byte("null"))
}

// switchModel selects checkpoint idx (named value in the request) the way
// A1111's sd_model_checkpoint onchange does: through the job lock, taking
// ModelLoadDelay to load. It returns false if the Sim closed.
func (s *Sim) switchModel(c *call, idx int, value string) bool {
	s.mu.Lock()
	same := value == s.cat.checkpoints[s.selected].Title // Options.set returns early
	s.mu.Unlock()
	if same {
		return true
	}
	s.enterBusy()
	defer s.leaveBusy()
	s.mu.Lock()
	ch := s.enqueueLocked()
	s.mu.Unlock()
	if !s.awaitJobLock(ch, c.rec) {
		return false
	}
	defer s.releaseJobLock(c.rec)

	fails := s.takeFault(c.r.URL.Path, FaultLoadFails) == FaultLoadFails
	s.mu.Lock()
	need := s.loaded != idx
	s.mu.Unlock()
	if need || fails {
		if !s.sleep(s.opts.ModelLoadDelay) {
			return false
		}
	}
	if fails {
		s.log.Info("fault: model load failed silently", "model", s.cat.checkpoints[idx].Title)
		return true
	}
	s.mu.Lock()
	s.selected = idx
	s.setLoadedLocked(idx)
	s.mu.Unlock()
	s.log.Info("model loaded", "model", s.cat.checkpoints[idx].Title)
	return true
}

// setLoadedLocked records that checkpoint idx is in memory.
func (s *Sim) setLoadedLocked(idx int) {
	s.loaded = idx
	s.settings["sd_checkpoint_hash"] = s.cat.checkpoints[idx].SHA256
}

// applyOverridesLocked applies a job's override_settings as process_images
// does and returns the function that restores them afterwards (a no-op with
// override_settings_restore_afterwards=false). An unknown checkpoint is
// silently dropped; an unknown key raises KeyError.
func (s *Sim) applyOverridesLocked(p *plan) (func(), *jobError) {
	restoreAfter := p.req.bool("override_settings_restore_afterwards", true)
	oldSelected, selChanged := s.selected, false
	stored := map[string]any{}
	var jerr *jobError
	for _, kv := range p.req.dict("override_settings") {
		if kv.Key == "sd_model_checkpoint" {
			name, _ := kv.Value.(string)
			if idx, ok := s.cat.lookup(name); ok {
				s.selected, selChanged = idx, true
			}
			continue
		}
		old, known := s.settings[kv.Key]
		if !known {
			if kv.Value != nil {
				jerr = &jobError{"KeyError", pyRepr(kv.Key)}
				break
			}
			continue
		}
		if _, done := stored[kv.Key]; !done {
			stored[kv.Key] = old
		}
		s.settings[kv.Key] = kv.Value
	}
	return func() {
		if !restoreAfter {
			return
		}
		maps.Copy(s.settings, stored)
		if selChanged {
			s.selected = oldSelected
		}
	}, jerr
}

// previewSettingsLocked returns show_progress_every_n_steps and
// live_previews_enable.
func (s *Sim) previewSettingsLocked() (int, bool) {
	return s.settingIntLocked("show_progress_every_n_steps", 1), s.settingBoolLocked("live_previews_enable", true)
}

func (s *Sim) settingBoolLocked(key string, def bool) bool {
	if b, ok := toBool(jsonish(s.settings[key])); ok {
		return b
	}
	return def
}

func (s *Sim) settingIntLocked(key string, def int) int {
	if n, ok := toInt(jsonish(s.settings[key])); ok {
		return int(n)
	}
	return def
}

// jsonish turns Go numbers into json.Number so the pydantic coercions apply.
func jsonish(v any) any {
	switch x := v.(type) {
	case int64:
		return json.Number(strconv.FormatInt(x, 10))
	case pyFloat:
		return json.Number(pyFloatString(float64(x)))
	}
	return v
}

// decodeAny decodes raw JSON keeping numbers as json.Number.
func decodeAny(raw json.RawMessage) any {
	v, _ := coerce(raw, kindAny, nil)
	return v
}
