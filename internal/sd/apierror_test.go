package sd

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseAPIError(t *testing.T) {
	tests := []struct {
		file        string
		method      string
		path        string
		status      int
		wantKind    string
		wantDetail  string
		wantErrors  string
		wantFields  []FieldError
		wantOOM     bool
		wantNoModel bool
		wantInMsg   []string
	}{
		{
			file: "a1111_oom.json", method: "POST", path: "/sdapi/v1/txt2img", status: 500,
			wantKind: "OutOfMemoryError", wantErrors: "CUDA out of memory. Tried to allocate 1.11 GiB (GPU 0; 6.00 GiB total capacity; 4.20 GiB already allocated; 0 bytes free; 4.40 GiB reserved in total by PyTorch)",
			wantOOM:   true,
			wantInMsg: []string{"sd: POST /sdapi/v1/txt2img: ", "out of GPU memory", "CUDA out of memory", "try a smaller size or batch"},
		},
		{
			file: "sdnext_oom.json", method: "POST", path: "/sdapi/v1/txt2img", status: 500,
			wantKind: "OutOfMemoryError", wantErrors: "CUDA out of memory. Tried to allocate 2.00 GiB",
			wantOOM:   true,
			wantInMsg: []string{"out of GPU memory"},
		},
		{
			file: "a1111_bad_auth.json", method: "GET", path: "/sdapi/v1/options", status: 401,
			wantKind: "HTTPException", wantDetail: "Incorrect username or password",
			wantInMsg: []string{"401 unauthorized", "(Incorrect username or password)", "check sd.username and sd.password"},
		},
		{
			file: "fastapi_not_authenticated.json", method: "GET", path: "/sdapi/v1/options", status: 401,
			wantDetail: "Not authenticated",
			wantInMsg:  []string{"(Not authenticated)", "check sd.username and sd.password"},
		},
		{
			file: "fastapi_not_found.json", method: "GET", path: "/sdapi/v1/sd-models", status: 404,
			wantDetail: "Not Found",
			wantInMsg:  []string{"404 not found", "started without --api"},
		},
		{
			file: "empty.txt", method: "GET", path: "/sdapi/v1/options", status: 404,
			wantInMsg: []string{"started without --api"},
		},
		{
			file: "a1111_sampler_not_found.json", method: "POST", path: "/sdapi/v1/txt2img", status: 404,
			wantKind: "HTTPException", wantDetail: "Sampler not found",
			wantInMsg: []string{"404 not found: Sampler not found"},
		},
		{
			file: "fastapi_not_found.json", method: "POST", path: "/internal/progress", status: 404,
			wantDetail: "Not Found",
			wantInMsg:  []string{"404 not found: Not Found"},
		},
		{
			file: "a1111_script_not_found.json", method: "POST", path: "/sdapi/v1/txt2img", status: 422,
			wantKind: "HTTPException", wantDetail: "Script 'foo' not found",
			wantInMsg: []string{"422 unprocessable entity: Script 'foo' not found"},
		},
		{
			file: "pydantic_v1_422.json", method: "POST", path: "/sdapi/v1/txt2img", status: 422,
			wantFields: []FieldError{{Field: "steps", Message: "value is not a valid integer", Type: "type_error.integer"}},
			wantInMsg:  []string{"the server rejected steps: value is not a valid integer"},
		},
		{
			file: "pydantic_v2_422.json", method: "POST", path: "/sdapi/v1/txt2img", status: 422,
			wantFields: []FieldError{
				{Field: "steps", Message: "Input should be a valid integer, unable to parse string as an integer", Type: "int_parsing"},
				{Field: "override_settings.x[0]", Message: "Input should be a valid number", Type: "float_parsing"},
			},
			wantInMsg: []string{"rejected steps: Input should be a valid integer", "; override_settings.x[0]: Input should be a valid number"},
		},
		{
			file: "pydantic_v1_bad_json.json", method: "POST", path: "/sdapi/v1/txt2img", status: 422,
			wantFields: []FieldError{{Field: "body", Message: "Expecting value: line 1 column 1 (char 0)", Type: "value_error.jsondecode"}},
			wantInMsg:  []string{"rejected body: Expecting value"},
		},
		{
			file: "a1111_model_not_found.json", method: "POST", path: "/sdapi/v1/options", status: 500,
			wantKind: "RuntimeError", wantErrors: "model 'nope.safetensors' not found",
			wantNoModel: true,
			wantInMsg:   []string{"500 internal server error: RuntimeError: model 'nope.safetensors' not found"},
		},
		{
			file: "forge_model_not_found.json", method: "POST", path: "/sdapi/v1/options", status: 500,
			wantKind: "RuntimeError", wantErrors: "model 'nope' not found",
			wantNoModel: true,
			wantInMsg:   []string{"RuntimeError: model 'nope' not found"},
		},
		{
			file: "forge_http_exception.json", method: "POST", path: "/sdapi/v1/txt2img", status: 400,
			wantDetail: "Sampler not found",
			wantInMsg:  []string{"400 bad request: Sampler not found"},
		},
		{
			file: "proxy_502.html", method: "POST", path: "/sdapi/v1/txt2img", status: 502,
			wantInMsg: []string{"502 bad gateway: 502 Bad Gateway"},
		},
		{
			file: "plain_500.txt", method: "GET", path: "/sdapi/v1/options", status: 500,
			wantInMsg: []string{"500 internal server error: Internal Server Error"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.path, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", "errors", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			e := parseAPIError(tt.method, tt.path, tt.status, raw)
			if e.Kind != tt.wantKind || e.Detail != tt.wantDetail || e.Errors != tt.wantErrors {
				t.Errorf("Kind, Detail, Errors = %q, %q, %q; want %q, %q, %q", e.Kind, e.Detail, e.Errors, tt.wantKind, tt.wantDetail, tt.wantErrors)
			}
			if !reflect.DeepEqual(e.Fields, tt.wantFields) {
				t.Errorf("Fields = %+v; want %+v", e.Fields, tt.wantFields)
			}
			if got := e.IsOutOfMemory(); got != tt.wantOOM {
				t.Errorf("IsOutOfMemory() = %v; want %v", got, tt.wantOOM)
			}
			if got := errors.Is(e, ErrModelNotFound); got != tt.wantNoModel {
				t.Errorf("errors.Is(err, ErrModelNotFound) = %v; want %v", got, tt.wantNoModel)
			}
			if e.Body != string(raw) {
				t.Errorf("Body = %q; want the raw body %q", e.Body, raw)
			}
			msg := e.Error()
			for _, want := range tt.wantInMsg {
				if !strings.Contains(msg, want) {
					t.Errorf("Error() = %q; want it to contain %q", msg, want)
				}
			}
		})
	}
}

func TestAPIErrorBodyIsTruncated(t *testing.T) {
	long := strings.Repeat("é", 3000) // 2 bytes each: a cut must not split one
	e := parseAPIError("GET", "/sdapi/v1/options", 500, []byte(long))
	if len(e.Body) > maxBodyKeep+len("…") {
		t.Errorf("len(Body) = %d; want at most %d", len(e.Body), maxBodyKeep+len("…"))
	}
	if msg := e.Error(); len(msg) > 300 || !strings.HasSuffix(msg, "é…") {
		t.Errorf("Error() = %q (%d bytes); want a short message ending in a whole rune and …", msg, len(msg))
	}
}
