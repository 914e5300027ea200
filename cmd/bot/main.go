// Command bot runs imaginebot: a Discord and Telegram bot that generates
// images on your own Stable Diffusion WebUI, with a fair per-user queue and
// live previews. It also has tools: generate (one image from the command
// line), check (validate a config and reach its servers) and sdsim (a
// simulated SD server for trying things out without a GPU).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal, a second one kills the process at once.
		<-ctx.Done()
		stop()
	}()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, errUsage) && !errors.Is(err, errHelp) {
		fmt.Fprintln(os.Stderr, "bot:", err)
	}
	if err != nil {
		os.Exit(exitCode(err))
	}
}
