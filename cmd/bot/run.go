package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// errUsage is returned after a usage error was printed, errHelp after
// help was asked for and printed: main prints nothing more and exits 2 or 0.
var (
	errUsage = errors.New("usage")
	errHelp  = errors.New("help")
)

func exitCode(err error) int {
	switch {
	case errors.Is(err, errHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	return 1
}

const usage = `imaginebot: generate images with your Stable Diffusion server from Discord, Telegram and the web.

Usage:
  bot demo [-addr HOST:PORT]       try it in the browser: simulated SD server, core and web playground, no config
  bot -config FILE                 run the bot (Discord, Telegram and/or the web playground, as configured)
  bot generate [flags] PROMPT...   make one image from the command line (-sim: no GPU needed)
  bot check -config FILE           validate the config, reach the SD servers and platforms, open the store
  bot sdsim [-addr HOST:PORT]      serve a simulated SD WebUI API (A1111; -kind comfyui: ComfyUI) for trying things out
  bot help (or bot -h)             show this text

Run "bot COMMAND -h" for a command's flags.
`

// run is the whole program: main only adds signals and the exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, rest := args[0], args[1:]
		switch cmd {
		case "demo":
			return runDemo(ctx, rest, getenv, stdout, stderr)
		case "generate":
			return runGenerate(ctx, rest, getenv, stdout, stderr)
		case "check":
			return runCheck(ctx, rest, getenv, stdout, stderr)
		case "sdsim":
			return runSDSim(ctx, rest, stdout, stderr)
		case "serve":
			return runServe(ctx, rest, getenv, stdout, stderr)
		case "help":
			printOverview(stdout)
			return nil
		default:
			fmt.Fprintf(stderr, "bot: unknown command %q\n\n%s", cmd, usage)
			return errUsage
		}
	}
	return runServe(ctx, args, getenv, stdout, stderr)
}

// printOverview writes what "bot help" and "bot -h" show: the commands,
// then the flags of running the bot.
func printOverview(w io.Writer) {
	fmt.Fprint(w, usage)
	fmt.Fprint(w, "\n"+serveAbout+"\n\nFlags of running the bot (bot [flags]):\n")
	fs, _ := newServeFlags(w)
	fs.PrintDefaults()
}

// newFlags returns a flag set that prints its usage to stderr and returns
// errors instead of exiting.
func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, mapping -h and flag errors to errUsage (the flag
// package has already printed why).
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return errHelp
	case err != nil:
		return errUsage
	}
	return nil
}
