// Command modeltrace is the ModelTrace command-line tool: `sandbox` serves a local Soroban
// RPC with simulated audit-registry traffic; other subcommands register themselves in
// their own files.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"slices"
	"syscall"
)

// command is one modeltrace subcommand. run receives the arguments after the subcommand
// name and returns when the work is done or ctx is canceled (SIGINT or SIGTERM).
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout io.Writer) error
}

// commands maps each subcommand name to its implementation. Each subcommand's file adds
// its entry in an init function, so adding a subcommand changes no other file.
var commands = map[string]command{}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run dispatches args to a subcommand and returns the process exit code: 0 on success,
// 1 when the subcommand fails, 2 on a usage error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	name := args[0]
	if name == "help" || name == "-h" || name == "--help" {
		usage(stdout)
		return 0
	}

	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "modeltrace: unknown command %q: use one of %v\n", name, commandNames())
		return 2
	}

	err := cmd.run(ctx, args[1:], stdout)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	}
	fmt.Fprintf(stderr, "modeltrace %s: %v\n", name, err)
	return 1
}

func commandNames() []string {
	return slices.Sorted(maps.Keys(commands))
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: modeltrace <command> [flags]")
	fmt.Fprintln(w, "\ncommands:")
	for _, name := range commandNames() {
		fmt.Fprintf(w, "  %-10s %s\n", name, commands[name].summary)
	}
	fmt.Fprintln(w, "\nRun `modeltrace <command> -h` for the flags of a command.")
}
