package main

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// childEnv makes the test binary run the bot instead of the tests.
const childEnv = "IMAGINEBOT_E2E_CHILD"

// TestMain lets the test binary be the bot: with IMAGINEBOT_E2E_CHILD=1 it
// runs main, so that the end-to-end suite can kill a real bot process with
// SIGKILL and start it again on the same files.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// childBot is one bot process.
type childBot struct {
	cmd  *exec.Cmd
	done chan error // cmd.Wait's result, once
}

// startChild starts a bot process on b.config and waits until it is up.
// The bot's log replaces b.logs; the earlier processes' logs are kept in
// b.pastLogs for failure messages.
func (b *e2eBot) startChild() {
	b.t.Helper()
	if b.pastLogs.String() == "" && b.logs.String() == "" {
		b.t.Cleanup(func() {
			if b.proc != nil {
				b.kill()
			}
			if b.t.Failed() {
				b.t.Logf("earlier bot processes' logs (last 40 lines):\n%s", lastLines(b.pastLogs.String(), 40))
				b.t.Logf("bot log (last 60 lines):\n%s", b.tail(60))
			}
		})
	} else {
		b.pastLogs.Write([]byte(b.logs.String()))
	}
	if b.tg != nil {
		b.tgMenus = len(b.tg.CallsTo("setMyCommands"))
	}
	if b.dc != nil {
		b.dcIdentifies = b.dc.GatewayStats().Identifies
	}
	b.logs = &syncBuffer{}
	cmd := exec.Command(os.Args[0], "-config", b.config)
	cmd.Env = append(os.Environ(), childEnv+"=1",
		"TELEGRAM_TOKEN="+e2eTelegramToken, "DISCORD_TOKEN="+e2eDiscordToken, "SD_PASSWORD="+e2eSDPassword)
	cmd.Stdout, cmd.Stderr = b.stdout, b.logs
	if err := cmd.Start(); err != nil {
		b.t.Fatalf("starting the bot process: %v", err)
	}
	p := &childBot{cmd: cmd, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	b.proc, b.done, b.opsURL = p, p.done, ""
	b.cancel = func() { _ = cmd.Process.Signal(syscall.SIGTERM) }
	b.stop = sync.OnceValue(b.term)
	b.waitUp()
}

// kill stops the bot process with SIGKILL, as an OOM kill or a power cut
// would, and waits until it is gone.
func (b *e2eBot) kill() {
	b.t.Helper()
	p := b.proc
	_ = p.cmd.Process.Kill()
	<-p.done
	b.proc = nil
}

// term stops the bot process with SIGTERM and returns its error: nil when
// it exited 0 in time.
func (b *e2eBot) term() error {
	p := b.proc
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		b.proc = nil
		return err
	case <-time.After(e2eWait):
		b.kill()
		return errors.New("the bot did not exit after SIGTERM")
	}
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
