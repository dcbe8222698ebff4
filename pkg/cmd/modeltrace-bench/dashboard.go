package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/modeltrace/soroban-datasource/pkg/sorobantest"
)

// dashboardPanels are the queries of a 10-panel dashboard that reads the registry's events.
var dashboardPanels = []map[string]any{
	{"queryType": "riskSeries"},
	{"queryType": "riskSeries", "groupByModel": true},
	{"queryType": "riskSeries", "total": true},
	{"queryType": "riskSeries", "minRisk": "high"},
	{"queryType": "riskSeries", "modelIds": []string{"1", "2"}},
	{"queryType": "riskSeries", "modelIds": []string{"3"}, "groupByModel": true},
	{"queryType": "riskSeries", "total": true, "minRisk": "critical"},
	{"queryType": "riskSeries", "live": true},
	{"queryType": "biasFlags"},
	{"queryType": "biasFlags", "groupByModel": true},
}

// Chain of P2: a day of ledgers 5 s apart with 10 calls each, then refreshes one ledger apart.
const (
	dashboardLedgers   = 17_281
	dashboardPerLedger = 10
	dashboardRefreshes = 5
)

// dashboardRun is the outcome of one dashboard load: the RPC calls by method and a checksum
// of each panel's frames.
type dashboardRun struct {
	calls     callCounts
	checksums []float64
}

// dashboardBench holds the plugin, the chain and the time range of P2.
type dashboardBench struct {
	plugin   *pluginProcess
	server   *sorobantest.Server
	gen      *sorobantest.Generator
	rpcURL   string
	from, to time.Time
}

// benchDashboard is P2: the RPC calls of ten panels loaded at once through one datasource
// instance, cold and on refresh, against the same panels each on its own instance (one scan
// per panel).
func benchDashboard(ctx context.Context, env *benchEnv) error {
	b, cleanup, err := newDashboardBench(env)
	if err != nil {
		return err
	}
	defer cleanup()

	onePanel, err := b.load(ctx, dashboardPanels[:1], func(int) string { return "p2-one-panel" })
	if err != nil {
		return err
	}
	perPanel, err := b.load(ctx, dashboardPanels, func(i int) string { return fmt.Sprintf("p2-panel-%d", i) })
	if err != nil {
		return err
	}
	cold, err := b.load(ctx, dashboardPanels, func(int) string { return "p2-dashboard" })
	if err != nil {
		return err
	}
	for i := range dashboardPanels {
		if cold.checksums[i] != perPanel.checksums[i] {
			return fmt.Errorf("panel %d: the shared index returned frames with checksum %g, its own instance %g: the index changed a result",
				i+1, cold.checksums[i], perPanel.checksums[i])
		}
	}
	refreshes, err := b.refresh(ctx, dashboardPanels, "p2-dashboard", dashboardRefreshes)
	if err != nil {
		return err
	}

	scan := onePanel.calls["getEvents"]
	maxCalls := 0
	for _, r := range refreshes {
		maxCalls = max(maxCalls, r.calls.total())
	}
	env.report.add(figure{ID: "P2", Name: "10 panels cold: getEvents scans of the day",
		Measured: float64(cold.calls["getEvents"]) / float64(scan), Target: 1, AtMost: true, Unit: "scans"})
	env.report.add(figure{ID: "P2", Name: "10 panels refresh: RPC calls per refresh (max of 5)",
		Measured: float64(maxCalls), Target: 2, AtMost: true, Unit: "calls"})

	r := env.report
	r.note("P2", "chain: %d ledgers 5 s apart, %d calls a ledger; range: the last 24 h, ending 1 s after the latest close; panels: %s",
		dashboardLedgers, dashboardPerLedger, panelSummary(dashboardPanels))
	r.note("P2", "one panel alone (one scan): %s", onePanel.calls)
	r.note("P2", "one scan per panel (each panel on its own instance): %s = %.1f scans",
		perPanel.calls, float64(perPanel.calls["getEvents"])/float64(scan))
	r.note("P2", "10 panels on one instance, cold: %s; every panel's frames equal its own instance's", cold.calls)
	for i, run := range refreshes {
		r.note("P2", "refresh %d (1 new ledger, range moved 5 s): %s", i+1, run.calls)
	}
	return b.bundled(ctx, env)
}

func newDashboardBench(env *benchEnv) (*dashboardBench, func(), error) {
	server := sorobantest.NewServer(sorobantest.Config{})
	gen, _, err := generateChain(server, sorobantest.GeneratorOptions{
		Seed: 2, EventsPerLedger: dashboardPerLedger, BiasRate: 0.02,
	}, dashboardLedgers)
	if err != nil {
		return nil, nil, err
	}
	rpc := httptest.NewServer(server)
	p, err := startPlugin(env.plugin)
	if err != nil {
		rpc.Close()
		return nil, nil, err
	}
	_, last := gen.Ledger()
	to := last.Add(time.Second)
	b := &dashboardBench{plugin: p, server: server, gen: gen, rpcURL: rpc.URL, from: to.Add(-24 * time.Hour), to: to}
	return b, func() { p.Stop(); rpc.Close() }, nil
}

// load sends every panel's QueryData at once, panel i to the instance uid(i), and returns
// the RPC calls they caused.
func (b *dashboardBench) load(ctx context.Context, panels []map[string]any, uid func(int) string) (dashboardRun, error) {
	b.server.ResetCalls()
	run := dashboardRun{checksums: make([]float64, len(panels))}
	errs := make([]error, len(panels))
	var wg sync.WaitGroup
	for i, panel := range panels {
		wg.Go(func() {
			inst := instance(uid(i), b.rpcURL, b.gen.ContractID(), nil)
			resp, err := b.plugin.QueryData(ctx, inst, nil, panelQuery("A", panel, b.from, b.to))
			if err == nil {
				err = responseError(resp)
			}
			if err != nil {
				errs[i] = fmt.Errorf("panel %d %v: %w", i+1, panel, err)
				return
			}
			run.checksums[i] = frameChecksum(resp)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return run, err
		}
	}
	run.calls = snapshotCalls(b.server)
	return run, nil
}

// refresh closes one ledger, moves the range 5 s forward and reloads the panels on instance
// uid, n times.
func (b *dashboardBench) refresh(ctx context.Context, panels []map[string]any, uid string, n int) ([]dashboardRun, error) {
	var runs []dashboardRun
	for range n {
		block, err := b.gen.NextLedger()
		if err != nil {
			return nil, err
		}
		if err := b.server.AddBlock(block); err != nil {
			return nil, err
		}
		b.from, b.to = b.from.Add(5*time.Second), b.to.Add(5*time.Second)
		run, err := b.load(ctx, panels, func(int) string { return uid })
		if err != nil {
			return nil, err
		}
		runs = append(runs, run)
	}
	return runs, nil
}

// bundled loads the bundled dashboard's panels cold and on one refresh, for the details.
func (b *dashboardBench) bundled(ctx context.Context, env *benchEnv) error {
	panels, err := bundledPanels(env.opts.root)
	if err != nil {
		return err
	}
	cold, err := b.load(ctx, panels, func(int) string { return "p2-bundled" })
	if err != nil {
		return err
	}
	refreshes, err := b.refresh(ctx, panels, "p2-bundled", 1)
	if err != nil {
		return err
	}
	env.report.note("P2", "bundled dashboard (%d panels: %s), cold: %s; refresh: %s",
		len(panels), panelSummary(panels), cold.calls, refreshes[0].calls)
	return nil
}

// bundledPanels reads the first query of every panel of the bundled dashboard, with the
// $model variable set to all models.
func bundledPanels(root string) ([]map[string]any, error) {
	path := filepath.Join(root, "provisioning", "dashboards", "modeltrace-risk.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the bundled dashboard: %w", err)
	}
	raw = []byte(strings.ReplaceAll(string(raw), `"$model"`, `"$__all"`))
	var dashboard struct {
		Panels []struct {
			Targets []map[string]any `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dashboard); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	var panels []map[string]any
	for _, p := range dashboard.Panels {
		if len(p.Targets) > 0 {
			panels = append(panels, p.Targets[0])
		}
	}
	return panels, nil
}

// panelSummary lists the query types of panels with their counts, e.g. "riskSeries ×8".
func panelSummary(panels []map[string]any) string {
	counts := map[string]int{}
	var order []string
	for _, p := range panels {
		name, _ := p["queryType"].(string)
		if format, ok := p["format"].(string); ok {
			name += " " + format
		}
		if counts[name] == 0 {
			order = append(order, name)
		}
		counts[name]++
	}
	parts := make([]string, len(order))
	for i, name := range order {
		parts[i] = fmt.Sprintf("%s ×%d", name, counts[name])
	}
	return strings.Join(parts, ", ")
}
