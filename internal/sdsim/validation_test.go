package sdsim_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/sdsim"
)

func TestTxt2ImgValidation(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		body        string
		want        string // the whole 422 body; "" means the request is accepted
	}{
		{"steps not an integer", "", `{"steps":"abc"}`,
			`{"detail":[{"loc":["body","steps"],"msg":"value is not a valid integer","type":"type_error.integer"}]}`},
		{"every bad field, in model order", "", `{"width":[],"prompt":{},"enable_hr":"maybe","cfg_scale":"x","override_settings":5}`,
			`{"detail":[{"loc":["body","prompt"],"msg":"str type expected","type":"type_error.str"},` +
				`{"loc":["body","cfg_scale"],"msg":"value is not a valid float","type":"type_error.float"},` +
				`{"loc":["body","width"],"msg":"value is not a valid integer","type":"type_error.integer"},` +
				`{"loc":["body","override_settings"],"msg":"value is not a valid dict","type":"type_error.dict"},` +
				`{"loc":["body","enable_hr"],"msg":"value could not be parsed to a boolean","type":"type_error.bool"}]}`},
		{"styles elements", "", `{"styles":["ok",{}]}`,
			`{"detail":[{"loc":["body","styles",1],"msg":"str type expected","type":"type_error.str"}]}`},
		{"script_args not a list", "", `{"script_args":"a"}`,
			`{"detail":[{"loc":["body","script_args"],"msg":"value is not a valid list","type":"type_error.list"}]}`},
		{"body not an object", "", `[1,2]`,
			`{"detail":[{"loc":["body"],"msg":"value is not a valid dict","type":"type_error.dict"}]}`},
		{"not JSON content type", "text/plain", `{"steps":1}`,
			`{"detail":[{"loc":["body"],"msg":"value is not a valid dict","type":"type_error.dict"}]}`},
		{"empty body", "", ``,
			`{"detail":[{"loc":["body"],"msg":"field required","type":"value_error.missing"}]}`},
		{"lenient coercions accepted", "", `{"steps":"2","width":"16","height":16.9,"cfg_scale":"7.5","enable_hr":"no","seed":true,"prompt":12,"restore_faces":1}`, ""},
		{"unknown keys and nulls accepted", "", `{"steps":1,"width":8,"height":8,"task_id":"x","foo":{"bar":1},"sampler_name":null}`, ""},
		{"vendor JSON content type", "application/vnd.api+json", `{"steps":1,"width":8,"height":8}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := sdsim.New(sdsim.Options{StepDelay: time.Nanosecond})
			defer sim.Close()
			req, _ := http.NewRequest("POST", "http://sim/sdapi/v1/txt2img", bytes.NewReader([]byte(tt.body)))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			resp, err := (&http.Client{Transport: handlerTransport{sim}}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var got bytes.Buffer
			_, _ = got.ReadFrom(resp.Body)
			if tt.want == "" {
				if resp.StatusCode != http.StatusOK {
					t.Errorf("got %d %.300s, want 200", resp.StatusCode, got.Bytes())
				}
				return
			}
			if resp.StatusCode != http.StatusUnprocessableEntity || got.String() != tt.want {
				t.Errorf("got %d %s\nwant 422 %s", resp.StatusCode, got.Bytes(), tt.want)
			}
		})
	}
}

func TestTxt2ImgCoercedValues(t *testing.T) {
	sim := sdsim.New(sdsim.Options{StepDelay: time.Nanosecond})
	defer sim.Close()
	resp, info := memClient(t, sim).txt2img(map[string]any{"steps": "3", "width": 16.9, "height": "16", "prompt": 12, "seed": true})
	if info.Steps != 3 || info.Width != 16 || info.Height != 16 || info.Prompt != "12" || info.Seed != 1 {
		t.Errorf("info: steps %d width %d height %d prompt %q seed %d, want 3 16 16 \"12\" 1", info.Steps, info.Width, info.Height, info.Prompt, info.Seed)
	}
	if got := resp.Parameters["steps"]; got != 3.0 {
		t.Errorf("parameters steps: got %v, want 3 (coerced)", got)
	}
}

func TestInvalidJSON(t *testing.T) {
	sim := sdsim.New(sdsim.Options{})
	defer sim.Close()
	status, body := memClient(t, sim).post("/sdapi/v1/txt2img", `{"steps": 20,`)
	var got struct {
		Detail []struct {
			Loc  []any  `json:"loc"`
			Type string `json:"type"`
		} `json:"detail"`
	}
	if err := json.Unmarshal(body, &got); err != nil || status != 422 || len(got.Detail) != 1 ||
		got.Detail[0].Type != "value_error.jsondecode" || got.Detail[0].Loc[0] != "body" {
		t.Errorf("got %d %s, want 422 with one value_error.jsondecode at body", status, body)
	}
}
