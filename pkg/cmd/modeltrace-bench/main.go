// Command modeltrace-bench runs the ModelTrace performance benchmarks and prints each
// measured figure next to its target:
//
//   - P1: events/s of decode + bucket in Go against @stellar/stellar-sdk in Node, one core each;
//   - P2: RPC calls of a 10-panel dashboard, cold and on refresh, against one scan per panel;
//   - P3: a riskSeries query over a day of 3 million events against bare page fetching, and the
//     plugin's peak RSS;
//   - P4: RPC calls to map time ranges to ledgers;
//   - P5: Live stream latency from a new ledger to the frame reaching the gRPC client.
//
// The plugin runs as its compiled binary over gRPC, and every RPC server listens on 127.0.0.1.
// scripts/bench.sh installs the Node dependencies, builds this command and runs it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := dispatch(ctx, os.Args[1:], os.Stdout)
	stop()
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case errors.Is(err, errTargetsMissed):
		fmt.Fprintln(os.Stderr, "modeltrace-bench:", err)
		os.Exit(3)
	}
	fmt.Fprintln(os.Stderr, "modeltrace-bench:", err)
	os.Exit(1)
}

// dispatch runs the subcommand named by args[0]; no subcommand means "run".
func dispatch(ctx context.Context, args []string, stdout io.Writer) error {
	name := "run"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	switch name {
	case "run":
		return runAll(ctx, args, stdout)
	case "serve":
		return runServe(ctx, args, stdout)
	case "decode":
		return runDecode(ctx, args, stdout)
	}
	return fmt.Errorf("unknown subcommand %q: use run (the default), serve or decode", name)
}
