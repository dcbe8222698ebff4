package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/modeltrace/soroban-datasource/pkg/sorobantest"
)

func init() {
	commands["sandbox"] = command{
		summary: "serve a local Soroban RPC with simulated audit-registry traffic",
		run:     runSandbox,
	}
}

// sandboxOptions are the parsed flags of `modeltrace sandbox`.
type sandboxOptions struct {
	Addr       string
	Passphrase string
	Fixture    string
	History    time.Duration
	Retention  uint
	Generator  sorobantest.GeneratorOptions
}

func parseSandboxFlags(args []string, output io.Writer) (sandboxOptions, error) {
	opts := sandboxOptions{}
	g := &opts.Generator
	var riskMix string
	flags := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	flags.SetOutput(output)
	flags.StringVar(&opts.Addr, "addr", "127.0.0.1:8000", "host:port to serve JSON-RPC on (any path, e.g. /rpc)")
	flags.StringVar(&opts.Addr, "listen", "127.0.0.1:8000", "same as --addr")
	flags.StringVar(&opts.Passphrase, "passphrase", sorobantest.DefaultNetworkPassphrase, "network passphrase getNetwork returns")
	flags.StringVar(&opts.Fixture, "fixture", "", "scenario.json to seed the chain with; live traffic continues from its state")
	flags.DurationVar(&g.LedgerInterval, "ledger-interval", 5*time.Second, "time between simulated ledgers")
	flags.IntVar(&g.EventsPerLedger, "events-per-ledger", 20, "contract calls per simulated ledger")
	flags.StringVar(&riskMix, "risk-mix", "79,19,1,1",
		"relative weights of low,medium,high,critical inferences, or level:weight pairs; the default keeps high and critical at 2 %, below the bundled 5 % alert")
	flags.Float64Var(&g.BiasRate, "bias-rate", 0.02, "share of calls, from 0 to 1, that flag bias instead of logging an inference")
	flags.IntVar(&g.Models, "models", 6, "models registered before inferences start")
	flags.Uint64Var(&g.Seed, "seed", 1, "seed of the simulated traffic; the same flags give the same chain")
	flags.UintVar(&opts.Retention, "retention", sorobantest.DefaultRetentionWindow, "ledgers the RPC keeps (getHealth ledgerRetentionWindow)")
	flags.DurationVar(&opts.History, "history", time.Hour, "simulated history generated before serving, ending now (ignored with --fixture)")
	if err := flags.Parse(args); err != nil {
		return opts, err
	}
	if flags.NArg() > 0 {
		return opts, fmt.Errorf("unexpected arguments %q: sandbox takes only flags", flags.Args())
	}

	weights, err := parseRiskMix(riskMix)
	if err != nil {
		return opts, err
	}
	g.RiskWeights = weights
	return opts, opts.validate()
}

func (o sandboxOptions) validate() error {
	g := o.Generator
	switch {
	case g.LedgerInterval <= 0:
		return fmt.Errorf("invalid --ledger-interval %s: use a duration above 0, e.g. 5s", g.LedgerInterval)
	case g.EventsPerLedger < 0:
		return fmt.Errorf("invalid --events-per-ledger %d: use 0 or more", g.EventsPerLedger)
	case g.Models < 1:
		return fmt.Errorf("invalid --models %d: register at least 1 model", g.Models)
	case g.BiasRate < 0 || g.BiasRate > 1:
		return fmt.Errorf("invalid --bias-rate %v: use a share from 0 to 1", g.BiasRate)
	case o.Retention < 1 || o.Retention > 1<<31:
		return fmt.Errorf("invalid --retention %d: use a number of ledgers above 0", o.Retention)
	case o.History < 0:
		return fmt.Errorf("invalid --history %s: use 0 or a positive duration", o.History)
	}
	return nil
}

// parseRiskMix reads four weights in level order ("70,20,8,2") or level:weight pairs
// ("low:70,high:30"). Levels left out of the pairs get weight 0.
func parseRiskMix(text string) ([4]int, error) {
	var weights [4]int
	levels := []string{"low", "medium", "high", "critical"}
	parts := strings.Split(text, ",")
	named := strings.Contains(text, ":")
	if !named && len(parts) != len(levels) {
		return weights, fmt.Errorf("invalid --risk-mix %q: give four weights for low,medium,high,critical, e.g. 70,20,8,2", text)
	}

	for i, part := range parts {
		level, weightText := i, strings.TrimSpace(part)
		if named {
			name, value, ok := strings.Cut(weightText, ":")
			level = indexOf(levels, strings.ToLower(strings.TrimSpace(name)))
			if !ok || level < 0 {
				return weights, fmt.Errorf("invalid --risk-mix entry %q: use level:weight with levels %v", part, levels)
			}
			weightText = strings.TrimSpace(value)
		}
		w, err := strconv.Atoi(weightText)
		if err != nil || w < 0 {
			return weights, fmt.Errorf("invalid --risk-mix weight %q: use a whole number of 0 or more", weightText)
		}
		weights[level] = w
	}
	if weights == [4]int{} {
		return weights, fmt.Errorf("invalid --risk-mix %q: at least one weight must be above 0", text)
	}
	return weights, nil
}

func indexOf(values []string, v string) int {
	for i, x := range values {
		if x == v {
			return i
		}
	}
	return -1
}

// runSandbox serves the sandbox until ctx is canceled.
func runSandbox(ctx context.Context, args []string, stdout io.Writer) error {
	opts, err := parseSandboxFlags(args, stdout)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(stdout, nil))

	sb, err := newSandbox(opts, time.Now())
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w: choose a free --addr", opts.Addr, err)
	}
	return sb.serve(ctx, ln, time.Now, logger)
}

// serve handles JSON-RPC requests on ln and closes a new ledger every interval until ctx
// is canceled, then shuts the HTTP server down.
func (sb *sandbox) serve(ctx context.Context, ln net.Listener, now func() time.Time, logger *slog.Logger) error {
	srv := &http.Server{Handler: sb.server, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	latest, _ := sb.gen.Ledger()
	logger.Info("sandbox started", "rpc_url", "http://"+ln.Addr().String()+"/rpc",
		"contract", sb.gen.ContractID(), "passphrase", sb.server.Config().NetworkPassphrase,
		"latest_ledger", latest, "ledger_interval", sb.interval)

	ticker := time.NewTicker(sb.interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return sb.shutdown(srv, logger)
		case err := <-served:
			return fmt.Errorf("serve JSON-RPC on %s: %w", ln.Addr(), err)
		case <-ticker.C:
			if err := sb.advance(now()); err != nil {
				logger.Error("sandbox ledger failed", "error", err)
				_ = srv.Close()
				return err
			}
		}
	}
}

func (sb *sandbox) shutdown(srv *http.Server, logger *slog.Logger) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(ctx)
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		logger.Error("sandbox shutdown failed", "error", err)
		return fmt.Errorf("shut down the sandbox RPC: %w", err)
	}
	latest, _ := sb.gen.Ledger()
	logger.Info("sandbox stopped", "latest_ledger", latest)
	return nil
}
