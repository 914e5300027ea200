package health

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestHandler(t *testing.T) {
	up := Check{Name: "sd default", Func: func(context.Context) error { return nil }}
	down := Check{Name: "telegram", Func: func(context.Context) error { return errors.New("not connected") }}
	slow := Check{Name: "discord", Func: func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }}
	tests := []struct {
		name   string
		checks []Check
		code   int
		want   map[string]string
	}{
		{"all up", []Check{up}, 200, map[string]string{"sd default": "ok"}},
		{"one down", []Check{up, down}, 503, map[string]string{"sd default": "ok", "telegram": "not connected"}},
		{"one hangs", []Check{up, slow}, 503, map[string]string{"sd default": "ok", "discord": "context deadline exceeded"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			New(50*time.Millisecond, tt.checks...).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
			var rep Report
			if err := json.NewDecoder(rec.Body).Decode(&rep); err != nil {
				t.Fatal(err)
			}
			if rec.Code != tt.code || len(rep.Checks) != len(tt.want) {
				t.Fatalf("got %d %+v, want %d %v", rec.Code, rep, tt.code, tt.want)
			}
			for k, v := range tt.want {
				if rep.Checks[k] != v {
					t.Errorf("check %q = %q, want %q", k, rep.Checks[k], v)
				}
			}
		})
	}
}
