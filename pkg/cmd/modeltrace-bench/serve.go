package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/modeltrace/soroban-datasource/pkg/sorobantest"
)

// serveInfo is the JSON line `modeltrace-bench serve` prints once the chain is generated and
// the server listens.
type serveInfo struct {
	URL          string  `json:"url"`     // JSON-RPC endpoint
	Control      string  `json:"control"` // base URL of the /bench/ endpoints
	Contract     string  `json:"contract"`
	FirstLedger  uint32  `json:"first_ledger"`
	LatestLedger uint32  `json:"latest_ledger"`
	FirstClose   int64   `json:"first_close"` // unix seconds
	LatestClose  int64   `json:"latest_close"`
	Events       int     `json:"events"`
	Inferences   int     `json:"inferences"`
	GenerateSec  float64 `json:"generate_seconds"`
}

// runServe is the RPC server process of P3. It generates the chain and serves it on a loopback
// address through benchHandler. It exits on SIGINT or SIGTERM and when its standard input
// closes, so that it does not outlive the run that started it.
func runServe(ctx context.Context, args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("serve", flag.ContinueOnError)
	flags.SetOutput(stdout)
	addr := flags.String("addr", "127.0.0.1:0", "loopback host:port to listen on")
	ledgers := flags.Int("ledgers", 17_281, "ledgers to generate, 5 s apart")
	perLedger := flags.Int("events-per-ledger", 174, "contract calls per generated ledger")
	seed := flags.Uint64("seed", 3, "seed of the generated traffic")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if host, _, err := net.SplitHostPort(*addr); err != nil || !net.ParseIP(host).IsLoopback() {
		return fmt.Errorf("invalid --addr %q: use a loopback address such as 127.0.0.1:0", *addr)
	}

	start := time.Now()
	server := sorobantest.NewServer(sorobantest.Config{RetentionWindow: uint32(*ledgers) + 10})
	info, err := generateEventsOnly(server, sorobantest.GeneratorOptions{
		Seed: *seed, EventsPerLedger: *perLedger, BiasRate: 0.02,
	}, *ledgers)
	if err != nil {
		return err
	}
	info.GenerateSec = time.Since(start).Seconds()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	base := "http://" + ln.Addr().String()
	info.URL, info.Control = base+"/rpc", base+"/bench"
	httpServer := &http.Server{Handler: newBenchHandler(server).mux(), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- httpServer.Serve(ln) }()
	if err := json.NewEncoder(stdout).Encode(info); err != nil {
		return err
	}

	stdinClosed := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(stdinClosed)
	}()
	select {
	case <-ctx.Done():
	case <-stdinClosed:
	case err := <-served:
		return fmt.Errorf("serve JSON-RPC on %s: %w", ln.Addr(), err)
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := httpServer.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shut down the RPC server: %w", err)
	}
	return nil
}

// generateEventsOnly adds generated ledgers and their events to server. Of the ledger entries,
// which cost more to store than the events, it keeps only those of the last ledger: they hold
// the contract instance, which the datasource reads before its first query.
func generateEventsOnly(server *sorobantest.Server, opts sorobantest.GeneratorOptions, ledgers int) (serveInfo, error) {
	gen, err := sorobantest.NewGenerator(opts)
	if err != nil {
		return serveInfo{}, err
	}
	info := serveInfo{Contract: gen.ContractID()}
	var last sorobantest.Block
	for i := range ledgers {
		block, err := gen.NextLedger()
		if err != nil {
			return serveInfo{}, err
		}
		last = block
		for _, ev := range block.Events {
			if err := server.AppendEvent(ev); err != nil {
				return serveInfo{}, fmt.Errorf("ledger %d: %w", block.Sequence, err)
			}
		}
		server.AddLedger(block.Sequence, block.CloseTime)
		info.Events += len(block.Events)
		if i == 0 {
			info.FirstLedger, info.FirstClose = block.Sequence, block.CloseTime.Unix()
		}
		info.LatestLedger, info.LatestClose = block.Sequence, block.CloseTime.Unix()
	}
	for _, entry := range last.Entries {
		if err := server.PutLedgerEntry(entry.Key, entry.Entry); err != nil {
			return serveInfo{}, fmt.Errorf("ledger %d: %w", last.Sequence, err)
		}
	}
	stats := gen.Stats()
	info.Inferences = int(stats.TotalEvents - stats.BiasFlags)
	return info, nil
}
