package sd

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// scripted is a server whose answers a test writes per path and per call.
type scripted struct {
	mu    sync.Mutex                                          // guards calls
	calls map[string]int                                      // requests per path
	reply func(path string, n int, body string) (int, string) // n counts from 0
}

func newScripted(t *testing.T, reply func(path string, n int, body string) (int, string)) (*scripted, *Client) {
	t.Helper()
	s := &scripted{calls: make(map[string]int), reply: reply}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		n := s.calls[r.URL.Path]
		s.calls[r.URL.Path]++
		s.mu.Unlock()
		status, out := s.reply(r.URL.Path+"?"+r.URL.RawQuery, n, string(body))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, out)
	}))
	t.Cleanup(srv.Close)
	c, err := New(Config{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

func (s *scripted) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[path]
}

const (
	idleGlobal    = `{"progress":0,"eta_relative":0,"state":{"job":"","job_count":0,"job_no":0,"sampling_step":0,"sampling_steps":0},"current_image":null}`
	runningGlobal = `{"progress":0.5,"eta_relative":2,"state":{"job":"scripts_txt2img","job_count":1,"job_no":0,"sampling_step":10,"sampling_steps":20},"current_image":null}`
	unknownTask   = `{"active":false,"queued":false,"completed":false,"progress":null,"eta":null,"live_preview":null,"id_live_preview":-1,"textinfo":"Waiting..."}`
	activeTask    = `{"active":true,"queued":false,"completed":false,"progress":0.25,"eta":3,"live_preview":null,"id_live_preview":-1}`
)

func seedProgress(taskID string, step int) string {
	return fmt.Sprintf(`{"current_image":"","eta_relative":1,"progress":%v,"state":{"sampling_step":%d,"sampling_steps":20,"task_id":%q}}`, float64(step)/20, step, taskID)
}

func TestDetectMode(t *testing.T) {
	tests := []struct {
		name  string
		reply func(path string, n int, body string) (int, string)
		// want is the mode after each poll, and wantSamples the samples.
		want        []ProgressMode
		wantSamples []Progress
	}{
		{
			name: "stock a1111: the first poll beats txt2img, the second finds the task",
			reply: func(path string, n int, body string) (int, string) {
				if strings.HasPrefix(path, "/internal/progress") {
					if !strings.Contains(body, `"id_task":"T"`) || !strings.Contains(body, `"live_preview":true`) {
						return 422, `{"detail":"bad request"}`
					}
					if n == 0 {
						return 200, unknownTask
					}
					return 200, activeTask
				}
				return 200, idleGlobal
			},
			want:        []ProgressMode{ModeUnknown, ModeInternal, ModeInternal},
			wantSamples: []Progress{{}, {Fraction: 0.25, ETA: 3e9}, {Fraction: 0.25, ETA: 3e9}},
		},
		{
			name: "sd.next: /internal/progress exists but never knows API tasks",
			reply: func(path string, n int, body string) (int, string) {
				if strings.HasPrefix(path, "/internal/progress") {
					return 200, unknownTask
				}
				return 200, runningGlobal
			},
			want:        []ProgressMode{ModeUnknown, ModeGlobal, ModeGlobal},
			wantSamples: []Progress{{Fraction: 0.5, Step: 10, Steps: 20, ETA: 2e9}, {Fraction: 0.5, Step: 10, Steps: 20, ETA: 2e9}, {Fraction: 0.5, Step: 10, Steps: 20, ETA: 2e9}},
		},
		{
			name: "nowebui: /internal/progress is 404",
			reply: func(path string, n int, body string) (int, string) {
				if strings.HasPrefix(path, "/internal/progress") {
					return 404, `{"detail":"Not Found"}`
				}
				return 200, idleGlobal
			},
			want:        []ProgressMode{ModeGlobal, ModeGlobal},
			wantSamples: []Progress{{}, {}},
		},
		{
			name: "seed: task not registered yet, then running",
			reply: func(path string, n int, body string) (int, string) {
				if strings.HasPrefix(path, "/internal/progress") {
					return 500, `{"error":"unexpected"}`
				}
				if !strings.Contains(path, "task_id=T") {
					return 400, `{"detail":"task_id missing"}`
				}
				if n == 0 {
					return 200, seedProgress("", 0)
				}
				return 200, seedProgress("T", 5)
			},
			want:        []ProgressMode{ModeUnknown, ModeTaskID, ModeTaskID},
			wantSamples: []Progress{{Queued: true}, {Fraction: 0.25, Step: 5, Steps: 20, ETA: 1e9}, {Fraction: 0.25, Step: 5, Steps: 20, ETA: 1e9}},
		},
		{
			name: "internal mode stops working: fall back and re-detect",
			reply: func(path string, n int, body string) (int, string) {
				if strings.HasPrefix(path, "/internal/progress") {
					if n == 0 {
						return 200, activeTask
					}
					return 404, `{"detail":"Not Found"}`
				}
				return 200, idleGlobal
			},
			want:        []ProgressMode{ModeInternal, ModeGlobal},
			wantSamples: []Progress{{Fraction: 0.25, ETA: 3e9}, {}},
		},
		{
			name: "failing /internal/progress twice settles on global",
			reply: func(path string, n int, body string) (int, string) {
				if strings.HasPrefix(path, "/internal/progress") {
					return 502, `<html><title>Bad Gateway</title></html>`
				}
				return 200, idleGlobal
			},
			want:        []ProgressMode{ModeUnknown, ModeGlobal},
			wantSamples: []Progress{{}, {}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := newScripted(t, tt.reply)
			tr := newTracker("T", "T")
			for i, want := range tt.want {
				p, err := c.poll(context.Background(), tr)
				if err != nil {
					t.Fatalf("poll %d: %v", i, err)
				}
				if got := c.Mode(); got != want {
					t.Errorf("poll %d: Mode() = %v; want %v", i, got, want)
				}
				if p.Fraction != tt.wantSamples[i].Fraction || p.Step != tt.wantSamples[i].Step || p.Steps != tt.wantSamples[i].Steps ||
					p.ETA != tt.wantSamples[i].ETA || p.Queued != tt.wantSamples[i].Queued {
					t.Errorf("poll %d: sample = %+v; want %+v", i, p, tt.wantSamples[i])
				}
			}
		})
	}
}

func TestGlobalModeStopsProbing(t *testing.T) {
	s, c := newScripted(t, func(path string, n int, body string) (int, string) {
		if strings.HasPrefix(path, "/internal/progress") {
			return 404, `{"detail":"Not Found"}`
		}
		return 200, idleGlobal
	})
	tr := newTracker("T", "T")
	for range 4 {
		if _, err := c.poll(context.Background(), tr); err != nil {
			t.Fatal(err)
		}
	}
	if got := s.count("/internal/progress"); got != 1 {
		t.Errorf("/internal/progress requests = %d; want 1 (detected once, then remembered)", got)
	}
	if got := s.count("/sdapi/v1/progress"); got != 4 {
		t.Errorf("/sdapi/v1/progress requests = %d; want 4", got)
	}
}

func TestProgressWithoutTaskIDIsGlobal(t *testing.T) {
	s, c := newScripted(t, func(path string, n int, body string) (int, string) {
		return 200, seedProgress("", 10)
	})
	p, err := c.Progress(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if p.Step != 10 || p.Queued || c.Mode() != ModeUnknown || s.count("/internal/progress") != 0 {
		t.Errorf("Progress(\"\") = %+v, mode %v, %d internal polls; want the global step 10, no detection", p, c.Mode(), s.count("/internal/progress"))
	}
}
