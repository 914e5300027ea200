package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"image/png"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imaginebot/imaginebot/internal/discord/discordtest"
	"github.com/imaginebot/imaginebot/internal/sdsim"
	"github.com/imaginebot/imaginebot/internal/store"
	"github.com/imaginebot/imaginebot/internal/telegram/telegramtest"
)

// runBot calls run with a fresh environment and returns stdout, stderr and
// the error.
func runBot(t *testing.T, ctx context.Context, env map[string]string, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(ctx, args, func(k string) string { return env[k] }, &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestUsage(t *testing.T) {
	tests := []struct {
		args     []string
		wantCode int
		wantOut  string
	}{
		{[]string{"help"}, 0, "bot generate"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"generate", "-h"}, 0, "-sim"},
		{[]string{"generate", "-bogus"}, 2, "flag provided but not defined"},
		{[]string{"generate", "-sim"}, 2, "Usage: bot generate"},
		{[]string{"-config", "x.yaml", "extra"}, 2, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			stdout, stderr, err := runBot(t, context.Background(), nil, tt.args...)
			code := 0
			if err != nil {
				code = exitCode(err)
			}
			if code != tt.wantCode || !strings.Contains(stdout+stderr, tt.wantOut) {
				t.Errorf("exit %d, output %q; want exit %d and %q", code, stdout+stderr, tt.wantCode, tt.wantOut)
			}
		})
	}
}

// TestHelpFlag: -h, -help and --help without a command show the overview
// of "bot help" (with the run flags) on stdout and exit 0; a command's -h
// keeps its own flag help; a bad run flag shows the overview on stderr.
func TestHelpFlag(t *testing.T) {
	overview, _, err := runBot(t, context.Background(), nil, "help")
	if err != nil {
		t.Fatalf("bot help: %v", err)
	}
	for _, want := range []string{"bot generate", "bot check", "bot sdsim", "-config string", `config file (default "config.yaml")`} {
		if !strings.Contains(overview, want) {
			t.Errorf("bot help lacks %q:\n%s", want, overview)
		}
	}
	for _, args := range [][]string{{"-h"}, {"-help"}, {"--help"}, {"-config", "x.yaml", "-h"}} {
		stdout, stderr, err := runBot(t, context.Background(), nil, args...)
		if code := exitCode(err); err != nil && code != 0 {
			t.Errorf("bot %s: exit %d, want 0", strings.Join(args, " "), code)
		}
		if stdout != overview || stderr != "" {
			t.Errorf("bot %s: stdout %q, stderr %q; want the overview of bot help on stdout", strings.Join(args, " "), stdout, stderr)
		}
	}
	stdout, stderr, err := runBot(t, context.Background(), nil, "check", "-h")
	if exitCode(err) != 0 || stdout != "" || !strings.Contains(stderr, "Usage: bot check") || strings.Contains(stderr, "bot sdsim") {
		t.Errorf("bot check -h: exit %d, stdout %q, stderr %q; want the check flags only", exitCode(err), stdout, stderr)
	}
	stdout, stderr, err = runBot(t, context.Background(), nil, "-bogus")
	if exitCode(err) != 2 || stdout != "" || !strings.HasPrefix(stderr, "flag provided but not defined: -bogus\n") || !strings.HasSuffix(stderr, overview) {
		t.Errorf("bot -bogus: exit %d, stdout %q, stderr %q; want exit 2, the error and the overview on stderr", exitCode(err), stdout, stderr)
	}
}

func TestGenerateSim(t *testing.T) {
	dir := t.TempDir()
	stdout, stderr, err := runBot(t, context.Background(), nil, "generate", "-sim", "-o", dir, "-n", "2", "-steps", "4", "-seed", "7", "a lighthouse", "at dusk", "--ar", "16:9")
	if err != nil {
		t.Fatalf("generate: %v\nstderr: %s", err, stderr)
	}
	paths := strings.Fields(stdout)
	want := []string{filepath.Join(dir, "a-lighthouse-at-dusk-7.png"), filepath.Join(dir, "a-lighthouse-at-dusk-8.png")}
	if strings.Join(paths, " ") != strings.Join(want, " ") {
		t.Fatalf("stdout paths = %q, want %q", paths, want)
	}
	data, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil || img.Bounds().Dx() != 680 || img.Bounds().Dy() != 384 {
		t.Errorf("image: %v, size %v; want a 680x384 PNG", err, img.Bounds())
	}
	if !strings.Contains(stderr, "100%") {
		t.Errorf("stderr %q lacks the finished progress bar", stderr)
	}
}

func TestGenerateErrors(t *testing.T) {
	down := writeConfig(t, "sd:\n  url: http://127.0.0.1:1\n")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no config and no sim", []string{"generate", "x"}, "-sim"},
		{"bad option", []string{"generate", "-sim", "x --steps many"}, `--steps needs a whole number, got "many"`},
		{"over the limit", []string{"generate", "-sim", "-steps", "500", "x"}, "--steps must be between 1 and 60"},
		{"unknown style", []string{"generate", "-sim", "-style", "nope", "x"}, `no style called "nope"`},
		{"server down", []string{"generate", "-config", down, "x"}, "not reachable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := runBot(t, context.Background(), nil, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error = %v, want one line containing %q", err, tt.want)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	srv := sdsim.NewServer(sdsim.Options{Username: "u", Password: "secret-pw"})
	defer srv.Close()
	good := writeConfig(t, "sd:\n  url: "+srv.URL+"/\n  username: u\n  password: ${SD_PASS}\n")
	stdout, _, err := runBot(t, context.Background(), map[string]string{"SD_PASS": "secret-pw"}, "check", "-config", good)
	if err != nil || !strings.Contains(stdout, "ok    sd default") || !strings.Contains(stdout, "2 models") ||
		!strings.Contains(stdout, "imaginebot.db: created") {
		t.Errorf("check of a good config: %v\n%s", err, stdout)
	}
	if strings.Contains(stdout, "defaults.upscaler") {
		t.Errorf("check warned about the default upscaler, which the server lists:\n%s", stdout)
	}
	db, err := store.Open(context.Background(), filepath.Join(filepath.Dir(good), "imaginebot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	stdout, _, err = runBot(t, context.Background(), map[string]string{"SD_PASS": "secret-pw"}, "check", "-config", good)
	if err != nil || !strings.Contains(stdout, "imaginebot.db: in use by a running bot") {
		t.Errorf("check while a bot holds the store: %v\n%s", err, stdout)
	}
	db.Close()

	stdout, _, err = runBot(t, context.Background(), map[string]string{"SD_PASS": "wrong"}, "check", "-config", good)
	if err == nil || !strings.Contains(stdout, "sd.username") {
		t.Errorf("check with a wrong password: err %v, output %q; want a failure naming sd.username", err, stdout)
	}
	if strings.Contains(stdout, "wrong") {
		t.Errorf("check printed the password: %q", stdout)
	}

	for _, up := range []string{"SwinIR 9x", "Latent"} {
		noUp := writeConfig(t, "sd:\n  url: "+srv.URL+"/\n  username: u\n  password: ${SD_PASS}\ndefaults:\n  upscaler: "+up+"\n")
		stdout, _, err = runBot(t, context.Background(), map[string]string{"SD_PASS": "secret-pw"}, "check", "-config", noUp)
		if err != nil || !strings.Contains(stdout, `warn  sd default: defaults.upscaler "`+up+`" is not among the server's upscalers`) {
			t.Errorf("check with upscaler %q: %v\n%s", up, err, stdout)
		}
	}

	bad := writeConfig(t, "sd:\n  url: "+srv.URL+"\ndefaults:\n  width: -5\n")
	_, _, err = runBot(t, context.Background(), nil, "check", "-config", bad)
	if err == nil || !strings.Contains(err.Error(), "line 4") || !strings.Contains(err.Error(), "defaults.width") {
		t.Errorf("check of a bad config = %v, want the line and key", err)
	}
}

func TestSDSim(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	// sdsim prints its address once it listens: read stdout line by line
	// instead of retrying until the port answers.
	pr, pw := io.Pipe()
	go func() {
		done <- run(ctx, []string{"sdsim", "-addr", addr, "-step", "1ms", "-fault", "null-image", "-fault-times", "1"}, os.Getenv, pw, &bytes.Buffer{})
		pw.Close()
	}()
	lines := make(chan string, 10)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	var stdout strings.Builder
	select {
	case line := <-lines:
		stdout.WriteString(line + "\n")
		if !strings.Contains(line, "listening on http://"+addr) {
			t.Fatalf("sdsim printed %q first, want its address", line)
		}
	case err := <-done:
		t.Fatalf("sdsim returned %v before listening", err)
	case <-time.After(15 * time.Second):
		t.Fatal("sdsim did not listen within 15s")
	}
	resp, err := http.Get("http://" + addr + "/sdapi/v1/sd-models")
	if err != nil {
		t.Fatalf("sdsim does not answer: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET sd-models = %d", resp.StatusCode)
	}
	// -fault null-image -fault-times 1: the first txt2img answers
	// "images": [null], the next one a real image.
	for i, want := range []string{`{"images":[null],`, `{"images":["iVBOR`} {
		resp, err := http.Post("http://"+addr+"/sdapi/v1/txt2img", "application/json", strings.NewReader(`{"steps":2,"width":64,"height":64}`))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.HasPrefix(string(body), want) {
			t.Errorf("txt2img %d = %.60s; want %s…", i+1, body, want)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("sdsim returned %v, want nil after ctx ends", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("sdsim did not stop")
	}
	for line := range lines { // closed once run has returned
		stdout.WriteString(line + "\n")
	}
	if _, _, err := runBot(t, context.Background(), nil, "sdsim", "-flavor", "comfy"); err == nil || !strings.Contains(err.Error(), "-flavor") {
		t.Errorf("sdsim -flavor comfy = %v, want a flavor error", err)
	}
	if _, _, err := runBot(t, context.Background(), nil, "sdsim", "-fault", "gremlins"); err == nil || !strings.Contains(err.Error(), "-fault: ") || !strings.Contains(err.Error(), "empty-image") {
		t.Errorf("sdsim -fault gremlins = %v, want an error listing the faults", err)
	}
	if !strings.Contains(stdout.String(), "injecting fault null-image on /sdapi/v1/txt2img (the next request)") {
		t.Errorf("sdsim printed %q; want the fault announced", stdout.String())
	}
}

func TestServeNeedsAPlatform(t *testing.T) {
	cfg := writeConfig(t, "sd:\n  url: http://127.0.0.1:1\n")
	_, _, err := runBot(t, context.Background(), nil, "-config", cfg)
	if err == nil || !strings.Contains(err.Error(), "no front end is enabled") {
		t.Errorf("serve without tokens = %v", err)
	}
}

func TestCheckPlatforms(t *testing.T) {
	sim := sdsim.NewServer(sdsim.Options{})
	defer sim.Close()
	tg := telegramtest.NewServer(telegramtest.Options{})
	defer tg.Close()
	dc := discordtest.NewServer(discordtest.Options{})
	defer dc.Close()
	cfg := writeConfig(t, "sd: {url: "+sim.URL+"}\n"+
		"telegram: {token: \"${TELEGRAM_TOKEN}\", api_url: "+tg.URL+"}\n"+
		"discord: {token: \"${DISCORD_TOKEN}\", api_url: "+dc.URL+"}\n")
	env := map[string]string{"TELEGRAM_TOKEN": tg.Token(), "DISCORD_TOKEN": dc.BotToken()}
	stdout, _, err := runBot(t, context.Background(), env, "check", "-config", cfg)
	if err != nil || !strings.Contains(stdout, "ok    telegram: connected as @"+telegramtest.DefaultBotUsername) || !strings.Contains(stdout, "ok    discord: connected as") {
		t.Errorf("check with both platforms: %v\n%s", err, stdout)
	}

	env["TELEGRAM_TOKEN"], env["DISCORD_TOKEN"] = "123:wrong-telegram-secret", "wrong-discord-secret"
	stdout, _, err = runBot(t, context.Background(), env, "check", "-config", cfg)
	if err == nil || !strings.Contains(stdout, "FAIL  telegram: the bot token was refused") || !strings.Contains(stdout, "FAIL  discord: the bot token was refused") {
		t.Errorf("check with wrong tokens: %v\n%s", err, stdout)
	}
	if strings.Contains(stdout, "wrong-telegram-secret") || strings.Contains(stdout, "wrong-discord-secret") {
		t.Errorf("check printed a token:\n%s", stdout)
	}
}

// TestServeStoreErrors: a store file the bot cannot use stops it at start
// with one line that names the file and what is wrong.
func TestServeStoreErrors(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, db string)
		want  error
		says  string
	}{
		{"not a database", func(t *testing.T, db string) {
			if err := os.WriteFile(db, []byte("these are not the pages you are looking for"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, store.ErrNotDatabase, "not"},
		{"used by another bot", func(t *testing.T, db string) {
			other, err := store.Open(context.Background(), db, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { other.Close() })
		}, store.ErrInUse, "in use"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := writeConfig(t, "sd:\n  url: http://127.0.0.1:1\ntelegram:\n  token: \"1:x\"\n")
			db := filepath.Join(filepath.Dir(cfg), "imaginebot.db")
			tt.setup(t, db)
			_, _, err := runBot(t, context.Background(), nil, "-config", cfg)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), db) || !strings.Contains(err.Error(), tt.says) || strings.Contains(err.Error(), "\n") {
				t.Errorf("run = %v, want one line naming %s and saying %q", err, db, tt.says)
			}
		})
	}
}
