package sd

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestUnreachable(t *testing.T) {
	hangUp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close() // closed without a response
		}
	}))
	defer hangUp.Close()
	cutBody := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.Write([]byte(`[{"title":"a"`)) // the server dies mid-answer
	}))
	defer cutBody.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	tests := []struct {
		name      string
		url       string
		wantCause string
	}{
		{"connection refused", closedURL, "connection refused"},
		{"closed without a response", hangUp.URL, "connection closed without a complete answer"},
		{"closed mid-body", cutBody.URL, "connection closed without a complete answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(Config{URL: tt.url + "/", Username: "u", Password: "hunter2"})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Models(context.Background())
			if !errors.Is(err, ErrUnreachable) {
				t.Fatalf("Models error = %v; want ErrUnreachable", err)
			}
			want := "sd: cannot reach " + tt.url + ": " + tt.wantCause + "; is the WebUI running and is sd.url right?"
			if err.Error() != want {
				t.Errorf("error = %q; want %q", err, want)
			}
		})
	}
}

func TestMalformedAnswers(t *testing.T) {
	tests := []struct {
		name, body string
		wantInMsg  string
	}{
		{"html", "<html><body>Gradio</body></html>", "invalid character '<'"},
		{"truncated", `[{"title":"a"`, "unexpected EOF"},
		{"empty", "", "empty answer"},
		{"wrong type", `{"title":"a"}`, "cannot unmarshal object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := newScripted(t, func(string, int, string) (int, string) { return 200, tt.body })
			_, err := c.Models(context.Background())
			var me *MalformedError
			if !errors.Is(err, ErrMalformed) || !errors.As(err, &me) {
				t.Fatalf("Models error = %v; want a *MalformedError", err)
			}
			if me.Method != "GET" || me.Path != "/sdapi/v1/sd-models" || !strings.Contains(err.Error(), tt.wantInMsg) {
				t.Errorf("error = %q (%s %s); want GET /sdapi/v1/sd-models and %q", err, me.Method, me.Path, tt.wantInMsg)
			}
		})
	}
}

func TestShortCallTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c, err := New(Config{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	c.callTimeout = 20 * time.Millisecond
	_, err = c.CurrentModel(context.Background())
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrUnreachable) || errors.Is(err, ErrTimeout) {
		t.Fatalf("CurrentModel error = %v; want a deadline error, not unreachable or ErrTimeout", err)
	}
	if want := "sd: GET /sdapi/v1/options: no answer within 20ms"; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error = %q; want prefix %q", err, want)
	}
}

func TestCanceledCallIsNotUnreachable(t *testing.T) {
	var l net.ListenConfig
	ln, err := l.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close() // accepts nothing: the request waits
	c, err := New(Config{URL: "http://" + ln.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = c.Ping(ctx)
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrUnreachable) {
		t.Errorf("Ping error = %v; want context.Canceled and not ErrUnreachable", err)
	}
}

func TestListings(t *testing.T) {
	_, c := newScripted(t, func(path string, n int, body string) (int, string) {
		switch {
		case strings.HasPrefix(path, "/sdapi/v1/loras"):
			return 200, `[{"name":"add_detail","alias":"add_detail","path":"/m/Lora/add_detail.safetensors","metadata":{"ss_tag_frequency":{"a":{"b":1}},"ss_list":[1,[2,{"x":"y"}]],"big":"` + strings.Repeat("z", 1<<16) + `"}},` +
				`{"metadata":{},"path":"/m/Lora/x.pt","name":"x","alias":null,"extra":[true,null]}]`
		case strings.HasPrefix(path, "/sdapi/v1/samplers"):
			return 200, `[{"name":"DPM++ 2M","aliases":["k_dpmpp_2m"],"options":{"scheduler":"karras"}},{"name":"Euler","aliases":null,"options":{}}]`
		case strings.HasPrefix(path, "/sdapi/v1/upscalers"):
			return 200, `[{"name":"None","model_name":null,"model_path":null,"model_url":null,"scale":4},{"name":"R-ESRGAN 4x+","model_name":"R-ESRGAN 4x+","scale":4.0},{"name":"Lanczos","scale":null}]`
		}
		return 404, `{"detail":"Not Found"}`
	})
	ctx := context.Background()
	loras, err := c.Loras(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantLoras := []Lora{{Name: "add_detail", Alias: "add_detail", Path: "/m/Lora/add_detail.safetensors"}, {Name: "x", Path: "/m/Lora/x.pt"}}
	if !reflect.DeepEqual(loras, wantLoras) {
		t.Errorf("Loras = %+v; want %+v", loras, wantLoras)
	}
	samplers, err := c.Samplers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantSamplers := []Sampler{{Name: "DPM++ 2M", Aliases: []string{"k_dpmpp_2m"}}, {Name: "Euler"}}
	if !reflect.DeepEqual(samplers, wantSamplers) {
		t.Errorf("Samplers = %+v; want %+v", samplers, wantSamplers)
	}
	ups, err := c.Upscalers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantUps := []Upscaler{{Name: "None", Scale: 4}, {Name: "R-ESRGAN 4x+", Scale: 4}, {Name: "Lanczos"}}
	if !reflect.DeepEqual(ups, wantUps) {
		t.Errorf("Upscalers = %+v; want %+v", ups, wantUps)
	}
}

func TestLorasEdgeCases(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		body      string
		wantLen   int
		wantError error
	}{
		{"no lora extension", 404, `{"detail":"Not Found"}`, 0, nil},
		{"null", 200, `null`, 0, nil},
		{"empty", 200, `[]`, 0, nil},
		{"not a list", 200, `{"name":"x"}`, 0, ErrMalformed},
		{"truncated", 200, `[{"name":"x","metadata":{"a":`, 0, ErrMalformed},
		{"unauthorized", 401, `{"detail":"Not authenticated"}`, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := newScripted(t, func(string, int, string) (int, string) { return tt.status, tt.body })
			loras, err := c.Loras(context.Background())
			if tt.status == 401 {
				var ae *APIError
				if !errors.As(err, &ae) || ae.StatusCode != 401 {
					t.Errorf("Loras error = %v; want the 401 APIError", err)
				}
				return
			}
			if !errors.Is(err, tt.wantError) || (tt.wantError == nil && err != nil) || len(loras) != tt.wantLen {
				t.Errorf("Loras = %v, %v; want %d LoRAs, error %v", loras, err, tt.wantLen, tt.wantError)
			}
		})
	}
}
