package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/config"
	"github.com/imaginebot/imaginebot/internal/sdsim"
)

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// waitPage polls GET url until it answers 200 and returns the body.
func waitPage(t *testing.T, url string) string {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		resp, err := http.Get(url)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return string(body)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: no page: %v", url, err)
		}
	}
}

// TestServeWebOnly runs the bot with only the web front end: no tokens
// needed, the playground is served, and /healthz counts it.
func TestServeWebOnly(t *testing.T) {
	sim := sdsim.NewServer(sdsim.Options{})
	defer sim.Close()
	addr, ops := freeAddr(t), freeAddr(t)
	cfg := writeConfig(t, "sd:\n  url: "+sim.URL+"\nstore: {path: ':memory:'}\nhttp: {listen: '"+ops+"'}\nweb:\n  listen: "+addr+"\n  admin_password: ${WEB_ADMIN_PASSWORD}\n")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, _, err := runBot(t, ctx, map[string]string{"WEB_ADMIN_PASSWORD": "a long enough secret"}, "-config", cfg)
		done <- err
	}()
	page := waitPage(t, "http://"+addr+"/")
	if !strings.Contains(page, `name="prompt"`) {
		t.Errorf("the playground has no prompt field:\n%s", page)
	}
	if h := waitPage(t, "http://"+ops+"/healthz"); !strings.Contains(h, `"web":"ok"`) {
		t.Errorf("/healthz = %s; want the web front end in it", h)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
}

func TestServeWebPortTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cfg := writeConfig(t, "sd:\n  url: http://127.0.0.1:1\nstore: {path: ':memory:'}\nweb: {listen: '"+ln.Addr().String()+"'}\n")
	_, _, err = runBot(t, context.Background(), nil, "-config", cfg)
	if err == nil || !strings.Contains(err.Error(), "web.listen") {
		t.Errorf("serve on a taken port = %v; want an error naming web.listen", err)
	}
}

// TestWebConfig: the web section reaches the adapter, with the shutdown
// grace the other adapters get and the per-address job cap defaulting to
// twice queue.per_user.
func TestWebConfig(t *testing.T) {
	cfg := config.Default()
	cfg.Web.Listen = "127.0.0.1:8080"
	cfg.Web.TrustedProxies = []string{"127.0.0.1", "10.0.0.0/8"}
	cfg.ShutdownTimeout = 45 * time.Second
	wc := webConfig(&cfg, nil)
	if wc.ShutdownGrace != shutdownGrace(&cfg) || wc.ShutdownGrace == 0 {
		t.Errorf("ShutdownGrace = %s; want %s, as the other adapters", wc.ShutdownGrace, shutdownGrace(&cfg))
	}
	if wc.MaxJobsPerAddress != 2*cfg.Queue.PerUser {
		t.Errorf("MaxJobsPerAddress = %d; want twice queue.per_user", wc.MaxJobsPerAddress)
	}
	if !slices.Equal(wc.TrustedProxies, cfg.Web.TrustedProxies) {
		t.Errorf("TrustedProxies = %v", wc.TrustedProxies)
	}
	cfg.Web.PerAddress = 5
	if wc := webConfig(&cfg, nil); wc.MaxJobsPerAddress != 5 {
		t.Errorf("web.per_address 5 gave %d", wc.MaxJobsPerAddress)
	}
}
