package main

import (
	"sync"
	"testing"

	"go.uber.org/goleak"
)

// TestE2E runs the program through run, with YAML configs pointing at the
// fakes: the fault suite on both platforms, graceful shutdown, /healthz and
// /metrics, and the log. In every scenario each request ends in a message
// that shows the image or says what went wrong, the next user's request
// succeeds afterwards, nothing is lost, and run returns nil once its
// context ends; at the end no goroutine outlives the bots.
//
// All scenarios run at once (see runScenarios), so the suite takes as long
// as its slowest scenario.
func TestE2E(t *testing.T) {
	checkNoLeaks(t)
	groups := []struct {
		name      string
		scenarios []scenario
	}{
		{"telegram faults", telegramFaults()},
		{"discord faults", discordFaults()},
		{"shutdown", shutdownScenarios()},
		{"ops", opsScenarios()},
		{"log", logScenarios()},
	}
	var wg sync.WaitGroup
	for _, g := range groups {
		wg.Go(func() { t.Run(g.name, func(t *testing.T) { runScenarios(t, g.scenarios) }) })
	}
	wg.Wait()
}

// checkNoLeaks registers, for the end of t and all its subtests, a check
// that no goroutine started since this call is still running. It takes no
// exceptions: every bot has stopped and every fake has closed by then, and
// closing a fake closes the connections the bot's HTTP clients kept idle.
func checkNoLeaks(t *testing.T) {
	t.Helper()
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() {
		if t.Failed() {
			return // a failed scenario may leave its bot running; a leak report would bury the failure
		}
		goleak.VerifyNone(t, before)
	})
}

// scenario is one named sub-test of an end-to-end suite.
type scenario struct {
	name string
	opts e2eOptions
	run  func(t *testing.T, b *e2eBot)
}

// runScenarios starts a bot for each scenario, runs it and checks that
// nothing was lost, all scenarios at once. They are not t.Parallel, which
// would run only GOMAXPROCS (2 in CI) at a time: they spend their time
// waiting for real-time limits (Telegram's one message per second per
// chat, the core's retry delays), not on the CPU.
func runScenarios(t *testing.T, scenarios []scenario) {
	t.Helper()
	var wg sync.WaitGroup
	for _, sc := range scenarios {
		wg.Go(func() {
			t.Run(sc.name, func(t *testing.T) {
				b := startBot(t, sc.opts)
				sc.run(t, b)
				b.requireNothingLost()
			})
		})
	}
	wg.Wait()
}
