package sd

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestNewURL(t *testing.T) {
	tests := []struct {
		url                string
		wantBase           string
		wantUser, wantPass string
	}{
		{"http://127.0.0.1:7860", "http://127.0.0.1:7860", "", ""},
		{"http://127.0.0.1:7860/", "http://127.0.0.1:7860", "", ""},
		{"  https://sd.example.org//  ", "https://sd.example.org", "", ""},
		{"https://proxy.example.org/sd/", "https://proxy.example.org/sd", "", ""},
		{"http://alice:s3cret@127.0.0.1:7860/", "http://127.0.0.1:7860", "alice", "s3cret"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			c, err := New(Config{URL: tt.url})
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if c.URL() != tt.wantBase || c.username != tt.wantUser || c.password != tt.wantPass {
				t.Errorf("URL, user, password = %q, %q, %q; want %q, %q, %q", c.URL(), c.username, c.password, tt.wantBase, tt.wantUser, tt.wantPass)
			}
		})
	}
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantMsg []string
	}{
		{"empty", Config{}, []string{"sd.url is empty", "http://127.0.0.1:7860"}},
		{"no scheme", Config{URL: "127.0.0.1:7860"}, []string{"must start with http:// or https://"}},
		{"host only", Config{URL: "localhost:7860"}, []string{"must start with http:// or https://"}},
		{"other scheme", Config{URL: "ftp://host"}, []string{`"ftp://host" must start with http://`}},
		{"no host", Config{URL: "http:///path"}, []string{"has no host"}},
		{"query", Config{URL: "http://host:7860/?a=b"}, []string{"must not have a query"}},
		{"bad port", Config{URL: "http://u:hunter2@host:port"}, []string{"not a valid URL"}},
		{"password in bad scheme", Config{URL: "ws://u:hunter2@host"}, []string{"ws://u:xxxxx@host"}},
		{"negative poll", Config{URL: "http://h", PollInterval: -time.Second}, []string{"poll interval"}},
		{"negative timeout", Config{URL: "http://h", Timeout: -time.Second}, []string{"timeout"}},
		{"client timeout", Config{URL: "http://h", HTTPClient: &http.Client{Timeout: time.Minute}}, []string{"has a Timeout (1m0s)", "sd.timeout"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.cfg)
			if err == nil {
				t.Fatalf("New(%+v) = %v, nil; want an error", tt.cfg, c)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "sd: ") || strings.Contains(msg, "hunter2") {
				t.Errorf("error = %q; want an sd: prefix and no password", msg)
			}
			for _, want := range tt.wantMsg {
				if !strings.Contains(msg, want) {
					t.Errorf("error = %q; want it to contain %q", msg, want)
				}
			}
		})
	}
}

func TestNewDefaults(t *testing.T) {
	c, err := New(Config{URL: "http://h", Username: "u", Password: "p"})
	if err != nil {
		t.Fatal(err)
	}
	if c.pollInterval != time.Second || c.timeout != 10*time.Minute || c.callTimeout != 5*time.Second {
		t.Errorf("poll, timeout, call timeout = %v, %v, %v; want 1s, 10m, 5s", c.pollInterval, c.timeout, c.callTimeout)
	}
	if c.username != "u" || c.password != "p" || c.Mode() != ModeUnknown {
		t.Errorf("user, password, mode = %q, %q, %v; want u, p, unknown", c.username, c.password, c.Mode())
	}
}
