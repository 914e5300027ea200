package sd_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/imaginebot/imaginebot/internal/sd"
	"github.com/imaginebot/imaginebot/internal/sdsim"
)

func TestFaults(t *testing.T) {
	req := sd.Txt2ImgRequest{Prompt: "x", Width: 64, Height: 64, Steps: 5, Seed: 1}
	tests := []struct {
		kind  sdsim.FaultKind
		check func(t *testing.T, err error)
	}{
		{sdsim.FaultDown, func(t *testing.T, err error) {
			if !errors.Is(err, sd.ErrUnreachable) {
				t.Errorf("error = %v; want ErrUnreachable", err)
			}
		}},
		{sdsim.FaultOOM, func(t *testing.T, err error) {
			var ae *sd.APIError
			if !errors.As(err, &ae) || !ae.IsOutOfMemory() || ae.StatusCode != 500 || ae.Kind != "OutOfMemoryError" {
				t.Fatalf("error = %v; want a 500 OutOfMemoryError *APIError", err)
			}
			if !strings.Contains(err.Error(), "try a smaller size or batch") {
				t.Errorf("error = %q; want advice", err)
			}
		}},
		{sdsim.FaultValidation, func(t *testing.T, err error) {
			var ae *sd.APIError
			if !errors.As(err, &ae) || ae.StatusCode != 422 || len(ae.Fields) != 1 || ae.Fields[0].Field != "steps" {
				t.Fatalf("error = %v; want a 422 *APIError naming steps", err)
			}
			if !strings.Contains(err.Error(), "rejected steps: value is not a valid integer") {
				t.Errorf("error = %q; want the rejected field", err)
			}
		}},
		{sdsim.FaultMalformed, func(t *testing.T, err error) {
			var me *sd.MalformedError
			if !errors.Is(err, sd.ErrMalformed) || !errors.As(err, &me) || me.Path != "/sdapi/v1/txt2img" {
				t.Errorf("error = %v; want a *MalformedError for /sdapi/v1/txt2img", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			srv := fastSim(t, sdsim.Options{Flavor: sdsim.FlavorA1111})
			srv.SetFault(sdsim.Fault{Kind: tt.kind, Path: "/sdapi/v1/txt2img", Times: 1})
			c := newClient(t, srv, nil)
			resp, err := c.Generate(context.Background(), req, func(sd.Progress) {})
			if err == nil {
				t.Fatalf("Generate = %+v, nil; want an error", resp)
			}
			if !strings.HasPrefix(err.Error(), "sd: ") {
				t.Errorf("error = %q; want the sd: prefix", err)
			}
			tt.check(t, err)
			// The fault was for one request: the server works again, and no
			// interrupt was sent for a job that ended on its own.
			if _, err := c.Generate(context.Background(), req, nil); err != nil {
				t.Errorf("Generate after the fault: %v", err)
			}
			if n := len(records(srv, "POST", "/sdapi/v1/interrupt")); n != 0 {
				t.Errorf("interrupt requests = %d; want 0", n)
			}
		})
	}
}

func TestServerClosed(t *testing.T) {
	srv := sdsim.NewServer(sdsim.Options{})
	c := newClient(t, srv, nil)
	srv.Close()
	_, err := c.Generate(context.Background(), sd.Txt2ImgRequest{Prompt: "x", Seed: 1}, func(sd.Progress) {})
	if !errors.Is(err, sd.ErrUnreachable) {
		t.Fatalf("Generate error = %v; want ErrUnreachable", err)
	}
	want := "sd: cannot reach " + srv.URL + ": connection refused; is the WebUI running and is sd.url right?"
	if err.Error() != want {
		t.Errorf("error = %q; want %q", err, want)
	}
	if err := c.Ping(context.Background()); !errors.Is(err, sd.ErrUnreachable) {
		t.Errorf("Ping error = %v; want ErrUnreachable", err)
	}
}

func TestBasicAuth(t *testing.T) {
	srv := fastSim(t, sdsim.Options{Username: "alice", Password: "s3cret"})
	tests := []struct {
		name      string
		url       string
		user      string
		pass      string
		wantOK    bool
		wantInMsg string
	}{
		{"good", srv.URL, "alice", "s3cret", true, ""},
		{"in the url", strings.Replace(srv.URL, "http://", "http://alice:s3cret@", 1), "", "", true, ""},
		{"wrong", srv.URL, "alice", "hunter2", false, "401 unauthorized (Incorrect username or password); check sd.username and sd.password"},
		{"missing", srv.URL, "", "", false, "401 unauthorized (Not authenticated); check sd.username and sd.password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, srv, func(cfg *sd.Config) { cfg.URL, cfg.Username, cfg.Password = tt.url, tt.user, tt.pass })
			if c.URL() != srv.URL {
				t.Errorf("URL() = %q; want %q without credentials", c.URL(), srv.URL)
			}
			pingErr := c.Ping(context.Background())
			_, genErr := c.Generate(context.Background(), sd.Txt2ImgRequest{Prompt: "x", Width: 64, Height: 64, Steps: 3, Seed: 1}, func(sd.Progress) {})
			for _, err := range []error{pingErr, genErr} {
				if tt.wantOK {
					if err != nil {
						t.Errorf("error = %v; want none", err)
					}
					continue
				}
				var ae *sd.APIError
				if !errors.As(err, &ae) || ae.StatusCode != 401 || !strings.Contains(err.Error(), tt.wantInMsg) {
					t.Errorf("error = %v; want a 401 *APIError saying %q", err, tt.wantInMsg)
				}
				if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "s3cret") {
					t.Errorf("error = %q; want no password in it", err)
				}
			}
		})
	}
}

func TestTrailingSlash(t *testing.T) {
	srv := fastSim(t, sdsim.Options{})
	c := newClient(t, srv, func(cfg *sd.Config) { cfg.URL = srv.URL + "/" })
	if c.URL() != srv.URL {
		t.Errorf("URL() = %q; want %q", c.URL(), srv.URL)
	}
	if err := c.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if _, err := c.Generate(context.Background(), sd.Txt2ImgRequest{Prompt: "x", Width: 64, Height: 64, Steps: 3, Seed: 1}, func(sd.Progress) {}); err != nil {
		t.Fatalf("Generate: %v", err)
	}
	for _, r := range srv.Records() {
		if strings.Contains(r.Path, "//") || r.Status == 404 && strings.HasPrefix(r.Path, "/sdapi/") {
			t.Errorf("request %s %s answered %d; want clean paths", r.Method, r.Path, r.Status)
		}
	}
}
