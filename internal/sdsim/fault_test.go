package sdsim_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/imaginebot/imaginebot/internal/sdsim"
)

const oomBody = `{"error":"OutOfMemoryError","detail":"","body":"","errors":"CUDA out of memory. Tried to allocate`

func TestFaults(t *testing.T) {
	small := map[string]any{"steps": 3, "width": 8, "height": 8}
	tests := []struct {
		name        string
		fault       sdsim.Fault
		method      string
		path        string
		body        any
		wantErr     bool // connection dropped
		wantStatus  int
		wantPrefix  string
		wantBadJSON bool
	}{
		{"down", sdsim.Fault{Kind: sdsim.FaultDown}, "GET", "/sdapi/v1/sd-models", nil, true, 0, "", false},
		{"oom on txt2img", sdsim.Fault{Kind: sdsim.FaultOOM, Path: "/sdapi/v1/txt2img"}, "POST", "/sdapi/v1/txt2img", small, false, 500, oomBody, false},
		{"oom on any endpoint", sdsim.Fault{Kind: sdsim.FaultOOM}, "GET", "/sdapi/v1/options", nil, false, 500, oomBody, false},
		{"validation", sdsim.Fault{Kind: sdsim.FaultValidation}, "POST", "/sdapi/v1/txt2img", small, false, 422,
			`{"detail":[{"loc":["body","steps"],"msg":"value is not a valid integer","type":"type_error.integer"}]}`, false},
		{"malformed txt2img", sdsim.Fault{Kind: sdsim.FaultMalformed}, "POST", "/sdapi/v1/txt2img", small, false, 200, `{"images":["iVBOR`, true},
		{"malformed progress", sdsim.Fault{Kind: sdsim.FaultMalformed, Path: "/sdapi/v1/progress"}, "GET", "/sdapi/v1/progress", nil, false, 200, `{"progress":0`, true},
		{"other path unaffected", sdsim.Fault{Kind: sdsim.FaultDown, Path: "/sdapi/v1/txt2img"}, "GET", "/sdapi/v1/progress", nil, false, 200, `{"progress":0,`, false},
		{"load fails only affects model switches", sdsim.Fault{Kind: sdsim.FaultLoadFails}, "GET", "/sdapi/v1/sd-models", nil, false, 200, `[{"title":`, false},
		{"no images", sdsim.Fault{Kind: sdsim.FaultNoImages}, "POST", "/sdapi/v1/txt2img", small, false, 200, `{"images":[],"parameters":{`, false},
		{"empty image", sdsim.Fault{Kind: sdsim.FaultEmptyImage}, "POST", "/sdapi/v1/txt2img", small, false, 200, `{"images":[""],"parameters":{`, false},
		{"null image", sdsim.Fault{Kind: sdsim.FaultNullImage}, "POST", "/sdapi/v1/txt2img", small, false, 200, `{"images":[null],"parameters":{`, false},
		{"bad base64", sdsim.Fault{Kind: sdsim.FaultBadBase64}, "POST", "/sdapi/v1/txt2img", small, false, 200, `{"images":["iVBORw0KGgo!!not*base64!!"],`, false},
		{"not an image", sdsim.Fault{Kind: sdsim.FaultNotImage}, "POST", "/sdapi/v1/txt2img", small, false, 200, `{"images":["SW50ZXJuYWwgU2VydmVyIEVycm9yCg=="],`, false},
		{"image faults only affect txt2img", sdsim.Fault{Kind: sdsim.FaultNullImage}, "GET", "/sdapi/v1/sd-models", nil, false, 200, `[{"title":`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := sdsim.New(sdsim.Options{StepDelay: time.Nanosecond})
			defer sim.Close()
			c := memClient(t, sim)
			sim.SetFault(tt.fault)
			for i := range 2 { // Times 0: every request is affected
				status, body, err := c.do(context.Background(), tt.method, tt.path, tt.body)
				if tt.wantErr {
					if !errors.Is(err, errDropped) {
						t.Errorf("request %d: got %d %.100s %v, want the connection dropped", i, status, body, err)
					}
					continue
				}
				if err != nil || status != tt.wantStatus || !strings.HasPrefix(string(body), tt.wantPrefix) {
					t.Errorf("request %d: got %d %.200s %v, want %d starting %s", i, status, body, err, tt.wantStatus, tt.wantPrefix)
				}
				var v any
				if bad := json.Unmarshal(body, &v) != nil; bad != tt.wantBadJSON {
					t.Errorf("request %d: invalid JSON %v, want %v", i, bad, tt.wantBadJSON)
				}
			}
			recs := sim.Records()
			if tt.wantErr && recs[0].Status != 0 {
				t.Errorf("record status %d, want 0 for a dropped connection", recs[0].Status)
			}
			sim.SetFault(sdsim.Fault{})
			if status, _, err := c.do(context.Background(), "GET", "/sdapi/v1/sd-models", nil); err != nil || status != 200 {
				t.Errorf("after clearing: got %d %v, want 200", status, err)
			}
		})
	}
}

func TestFaultTimes(t *testing.T) {
	sim := sdsim.New(sdsim.Options{})
	defer sim.Close()
	c := memClient(t, sim)
	sim.SetFault(sdsim.Fault{Kind: sdsim.FaultOOM, Path: "/sdapi/v1/options", Times: 2})
	var got []int
	for range 2 {
		c.get("/sdapi/v1/sd-models") // another path does not count
	}
	for range 4 {
		status, _ := c.get("/sdapi/v1/options")
		got = append(got, status)
	}
	if want := []int{500, 500, 200, 200}; !equalInts(got, want) {
		t.Errorf("statuses: got %v, want %v", got, want)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestFaultOOMLeavesTaskActive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := sdsim.New(sdsim.Options{Flavor: sdsim.FlavorA1111, StepDelay: step})
		defer sim.Close()
		c := memClient(t, sim)
		sim.SetFault(sdsim.Fault{Kind: sdsim.FaultOOM, Path: "/sdapi/v1/txt2img", Times: 1})
		t0 := time.Now()
		status, body := c.post("/sdapi/v1/txt2img", map[string]any{"force_task_id": "oom", "steps": 10, "width": 8, "height": 8})
		if status != 500 || !strings.HasPrefix(string(body), oomBody) || time.Since(t0) != 200*time.Millisecond {
			t.Errorf("got %d %.80s after %v, want 500 OutOfMemoryError after two steps", status, body, time.Since(t0))
		}
		poll := func(id string) taskProgressResponse {
			var p taskProgressResponse
			c.postJSON("/internal/progress", map[string]any{"id_task": id}, &p)
			return p
		}
		if p := poll("oom"); !p.Active || p.Completed || p.Progress == nil || *p.Progress != 0 || p.ETA != nil {
			t.Errorf("after the OOM: got %+v, want still active with progress 0", p)
		}
		var wg sync.WaitGroup
		wg.Go(func() {
			_, _, _ = c.do(context.Background(), "POST", "/sdapi/v1/txt2img", map[string]any{"force_task_id": "next", "steps": 3, "width": 8, "height": 8})
		})
		synctest.Wait()
		if p := poll("oom"); p.Active || p.Completed || deref(p.TextInfo) != "Waiting..." {
			t.Errorf("once the next job starts: got %+v, want neither active nor completed", p)
		}
		if p := poll("next"); !p.Active {
			t.Errorf("next job: got %+v, want active", p)
		}
		wg.Wait()
	})
}

// The tests below need real connections.

func TestServerDown(t *testing.T) {
	srv := sdsim.NewServer(sdsim.Options{})
	defer srv.Close()
	srv.SetFault(sdsim.Fault{Kind: sdsim.FaultDown, Times: 1})
	if _, err := http.Get(srv.URL + "/sdapi/v1/options"); err == nil {
		t.Fatalf("GET during FaultDown: no error, want the connection closed")
	}
	resp, err := http.Get(srv.URL + "/sdapi/v1/options")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET after: %v, want 200", err)
	}
	resp.Body.Close()
}

func TestFaultHangReleasedByClient(t *testing.T) {
	srv := sdsim.NewServer(sdsim.Options{})
	defer srv.Close()
	srv.SetFault(sdsim.Fault{Kind: sdsim.FaultHang, Path: "/sdapi/v1/progress"})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/sdapi/v1/progress", nil)
	if _, err := srv.Client().Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hung request: got %v, want deadline exceeded", err)
	}
	// The handler returns once the client has gone.
	deadline := time.Now().Add(5 * time.Second)
	for {
		recs := srv.Records()
		if len(recs) == 1 && !recs[0].End.IsZero() {
			if recs[0].Status != 0 {
				t.Errorf("record status %d, want 0", recs[0].Status)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("handler still running 5s after the client gave up: %+v", recs)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestCloseReleasesEverything(t *testing.T) {
	srv := sdsim.NewServer(sdsim.Options{StepDelay: 10 * time.Millisecond})
	c := &apiClient{t: t, base: srv.URL, hc: srv.Client()}
	srv.SetFault(sdsim.Fault{Kind: sdsim.FaultHang, Path: "/sdapi/v1/sd-models"})
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for _, call := range []struct{ method, path string }{
		{"POST", "/sdapi/v1/txt2img"},  // running: 1000 steps would take 10s
		{"POST", "/sdapi/v1/txt2img"},  // queued behind it
		{"GET", "/sdapi/v1/sd-models"}, // hanging
	} {
		wg.Go(func() {
			var body any
			if call.method == "POST" {
				body = map[string]any{"steps": 1000, "width": 8, "height": 8}
			}
			_, _, err := c.do(context.Background(), call.method, call.path, body)
			errs <- err
		})
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(srv.Records()) < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	t0 := time.Now()
	srv.Close() // waits for the handlers
	wg.Wait()
	close(errs)
	if took := time.Since(t0); took > 2*time.Second {
		t.Errorf("Close took %v, want it to release the handlers at once", took)
	}
	for err := range errs {
		if err == nil {
			t.Errorf("a request succeeded after Close, want a dropped connection")
		}
	}
	if err := srv.WaitIdle(context.Background()); !errors.Is(err, sdsim.ErrClosed) && err != nil {
		t.Errorf("WaitIdle after Close: %v", err)
	}
	srv.Close() // idempotent
}

func TestParseFaultKind(t *testing.T) {
	kinds := sdsim.FaultKinds()
	if len(kinds) != 12 || kinds[0] != sdsim.FaultNone || kinds[len(kinds)-1] != sdsim.FaultNotImage {
		t.Errorf("FaultKinds() = %v; want none up to not-image", kinds)
	}
	for _, k := range kinds {
		got, err := sdsim.ParseFaultKind(k.String())
		if err != nil || got != k || k.String() == "unknown" {
			t.Errorf("ParseFaultKind(%q) = %v, %v; want %v", k.String(), got, err, k)
		}
	}
	if _, err := sdsim.ParseFaultKind("gremlins"); err == nil || !strings.Contains(err.Error(), "empty-image") {
		t.Errorf("ParseFaultKind(gremlins) error = %v; want one listing the kinds", err)
	}
}
