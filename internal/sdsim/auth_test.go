package sdsim_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/imaginebot/imaginebot/internal/sdsim"
)

func TestAuth(t *testing.T) {
	sim := sdsim.New(sdsim.Options{Flavor: sdsim.FlavorA1111, Username: "alice", Password: "s3cret"})
	defer sim.Close()
	tests := []struct {
		name       string
		method     string
		path       string
		header     string // Authorization
		wantStatus int
		wantBody   string
		wantChalng bool // WWW-Authenticate: Basic
	}{
		{"missing", "GET", "/sdapi/v1/sd-models", "", 401, `{"detail":"Not authenticated"}`, true},
		{"other scheme", "GET", "/sdapi/v1/options", "Bearer abc", 401, `{"detail":"Not authenticated"}`, true},
		{"garbage", "GET", "/sdapi/v1/options", "Basic !!!", 401, `{"detail":"Invalid authentication credentials"}`, true},
		{"wrong password", "GET", "/sdapi/v1/sd-models", basic("alice", "nope"), 401,
			`{"error":"HTTPException","detail":"Incorrect username or password","body":"","errors":""}`, false},
		{"wrong user", "GET", "/sdapi/v1/sd-models", basic("bob", "s3cret"), 401,
			`{"error":"HTTPException","detail":"Incorrect username or password","body":"","errors":""}`, false},
		{"right", "GET", "/sdapi/v1/sd-models", basic("alice", "s3cret"), 200, "", false},
		{"txt2img protected", "POST", "/sdapi/v1/txt2img", "", 401, `{"detail":"Not authenticated"}`, true},
		{"progress protected", "GET", "/sdapi/v1/progress", "", 401, `{"detail":"Not authenticated"}`, true},
		{"loras open", "GET", "/sdapi/v1/loras", "", 200, "", false},
		{"internal progress open", "POST", "/internal/progress", "", 200, "", false},
		{"unknown path is 404 first", "GET", "/sdapi/v1/nope", "", 404, `{"detail":"Not Found"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body any
			if tt.method == "POST" {
				body = map[string]any{}
			}
			req, _ := http.NewRequestWithContext(context.Background(), tt.method, "http://sim"+tt.path, nil)
			if body != nil {
				req, _ = http.NewRequest(tt.method, "http://sim"+tt.path, jsonReader(body))
				req.Header.Set("Content-Type", "application/json")
			}
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			resp, err := (&http.Client{Transport: handlerTransport{sim}}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			got := readAll(t, resp)
			if resp.StatusCode != tt.wantStatus || (tt.wantBody != "" && got != tt.wantBody) {
				t.Errorf("got %d %.200s, want %d %s", resp.StatusCode, got, tt.wantStatus, tt.wantBody)
			}
			if chal := resp.Header.Get("WWW-Authenticate") == "Basic"; chal != tt.wantChalng {
				t.Errorf("WWW-Authenticate: Basic present %v, want %v", chal, tt.wantChalng)
			}
		})
	}
}

func TestAuthNotRequiredByDefault(t *testing.T) {
	sim := sdsim.New(sdsim.Options{})
	defer sim.Close()
	if status, _ := memClient(t, sim).get("/sdapi/v1/options"); status != 200 {
		t.Errorf("got %d, want 200 without --api-auth", status)
	}
}
