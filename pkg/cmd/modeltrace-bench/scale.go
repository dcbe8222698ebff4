package main

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/modeltrace/soroban-datasource/pkg/soroban"
)

// scaleOptions sizes the P3 chain.
type scaleOptions struct {
	ledgers, perLedger int
}

// scaleBench is the P3 state: the server process and the query both sides run.
type scaleBench struct {
	env   *benchEnv
	rpc   *rpcProcess
	query backend.DataQuery
}

// pluginRun is one cold riskSeries query in a fresh plugin process.
type pluginRun struct {
	elapsed, warm   time.Duration
	startMB, peakMB float64
	rpcCalls, pages int
	scanned         []soroban.LedgerRange
	counted         int64
	server          serverStats
}

// benchScale is P3: a riskSeries query over a generated day through a cold index, timed in
// a fresh plugin process against a loop of bare getEvents calls for the same pages. Both run
// twice: first with the server computing every page, then with the server's pages cached.
func benchScale(ctx context.Context, env *benchEnv) error {
	fmt.Fprintf(env.log, "    generating %d ledgers × %d calls in the RPC server process\n", env.opts.scale.ledgers, env.opts.scale.perLedger)
	rpc, err := startRPCProcess(ctx, env.opts.scale)
	if err != nil {
		return err
	}
	defer rpc.stop()
	info := rpc.info
	from, to := time.Unix(info.FirstClose, 0).UTC(), time.Unix(info.LatestClose, 0).UTC()
	b := &scaleBench{env: env, rpc: rpc, query: panelQuery("A", map[string]any{"queryType": "riskSeries"}, from, to)}

	computed, err := b.runPlugin(ctx)
	if err != nil {
		return err
	}
	if err := rpc.setCache(ctx, cacheRecord); err != nil {
		return err
	}
	bareComputed, err := b.fetchBare(ctx, computed.scanned)
	if err != nil {
		return err
	}
	if err := rpc.setCache(ctx, cacheServe); err != nil {
		return err
	}
	bareCached, err := b.fetchBare(ctx, computed.scanned)
	if err != nil {
		return err
	}
	cached, err := b.runPlugin(ctx)
	if err != nil {
		return err
	}
	if err := b.check(computed, cached, bareComputed); err != nil {
		return err
	}
	b.reportFigures(computed, cached, bareComputed, bareCached)
	return nil
}

// runPlugin starts a plugin process, runs the query cold and then warm, and reads the
// process's peak RSS after the cold query.
func (b *scaleBench) runPlugin(ctx context.Context) (pluginRun, error) {
	p, err := startPlugin(b.env.plugin)
	if err != nil {
		return pluginRun{}, err
	}
	defer p.Stop()
	var run pluginRun
	if run.startMB, err = peakRSSMB(p.pid); err != nil {
		return run, err
	}
	if err := b.rpc.resetStats(ctx); err != nil {
		return run, err
	}

	inst := instance("p3", b.rpc.info.URL, b.rpc.info.Contract, nil)
	start := time.Now()
	resp, err := p.QueryData(ctx, inst, nil, b.query)
	run.elapsed = time.Since(start)
	if err == nil {
		err = responseError(resp)
	}
	if err != nil {
		return run, fmt.Errorf("cold riskSeries query: %w", err)
	}
	if run.server, err = b.rpc.stats(ctx); err != nil {
		return run, err
	}
	if run.peakMB, err = peakRSSMB(p.pid); err != nil {
		return run, err
	}
	frame := resp.Responses["A"].Frames[0]
	run.counted = int64(seriesTotal(frame))
	if err := run.parseExecuted(frame.Meta.ExecutedQueryString); err != nil {
		return run, err
	}

	start = time.Now()
	resp, err = p.QueryData(ctx, inst, nil, b.query)
	run.warm = time.Since(start)
	if err == nil {
		err = responseError(resp)
	}
	if err != nil {
		return run, fmt.Errorf("warm riskSeries query: %w", err)
	}
	return run, nil
}

var (
	scannedPattern = regexp.MustCompile(`scanned((?: \[\d+, \d+\))+)`)
	rangePattern   = regexp.MustCompile(`\[(\d+), (\d+)\)`)
	callsPattern   = regexp.MustCompile(`rpcCalls=(\d+) pages=(\d+)`)
)

// parseExecuted reads the scanned ranges, calls and pages from the index's summary in the
// frame's ExecutedQueryString.
func (run *pluginRun) parseExecuted(executed string) error {
	scanned := scannedPattern.FindStringSubmatch(executed)
	calls := callsPattern.FindStringSubmatch(executed)
	if scanned == nil || calls == nil {
		return fmt.Errorf("the riskSeries frame's ExecutedQueryString %q names no scanned ranges or calls: "+
			"update parseExecuted to its format", executed)
	}
	for _, m := range rangePattern.FindAllStringSubmatch(scanned[1], -1) {
		start, _ := strconv.ParseUint(m[1], 10, 32)
		end, _ := strconv.ParseUint(m[2], 10, 32)
		run.scanned = append(run.scanned, soroban.LedgerRange{Start: uint32(start), End: uint32(end)})
	}
	run.rpcCalls, _ = strconv.Atoi(calls[1])
	run.pages, _ = strconv.Atoi(calls[2])
	return nil
}

// check verifies that both plugin runs counted every inference and read the same pages as
// the bare loop.
func (b *scaleBench) check(computed, cached pluginRun, bare bareRun) error {
	want := int64(b.rpc.info.Inferences)
	for _, run := range []pluginRun{computed, cached} {
		if run.counted != want {
			return fmt.Errorf("the riskSeries query counted %d inferences, expected %d (all of the chain's)", run.counted, want)
		}
	}
	if computed.server.Calls["getEvents"] != bare.pages {
		return fmt.Errorf("the plugin sent %d getEvents calls and the bare loop %d for the same ranges: the comparison is not like for like",
			computed.server.Calls["getEvents"], bare.pages)
	}
	if hits := cached.server.CacheHits; hits != cached.server.Calls["getEvents"] {
		return fmt.Errorf("the plugin's cached run hit the page cache %d of %d times: its requests differ from the bare loop's",
			hits, cached.server.Calls["getEvents"])
	}
	return nil
}

func (b *scaleBench) reportFigures(computed, cached pluginRun, bareComputed, bareCached bareRun) {
	info, r := b.rpc.info, b.env.report
	r.add(figure{ID: "P3", Name: fmt.Sprintf("riskSeries, 24 h of %.1fM events ÷ bare page fetch (pages cached)", float64(info.Events)/1e6),
		Measured: cached.elapsed.Seconds() / bareCached.elapsed.Seconds(), Target: 1.1, AtMost: true, Unit: "×"})
	r.add(figure{ID: "P3", Name: "same, server computing every page",
		Measured: computed.elapsed.Seconds() / bareComputed.elapsed.Seconds(), Target: 1.1, AtMost: true, Unit: "×"})
	r.add(figure{ID: "P3", Name: "plugin process peak RSS (VmHWM)",
		Measured: max(computed.peakMB, cached.peakMB), Target: 200, AtMost: true, Unit: "MB"})

	r.note("P3", "chain: %d ledgers 5 s apart (%s – %s), %d events, %d inferences, generated in %.0f s in the server process; the server is `modeltrace-bench serve`, the plugin its compiled binary over gRPC",
		info.LatestLedger-info.FirstLedger+1, time.Unix(info.FirstClose, 0).UTC().Format(time.RFC3339),
		time.Unix(info.LatestClose, 0).UTC().Format(time.RFC3339), info.Events, info.Inferences, info.GenerateSec)
	r.note("P3", "both sides read the ranges the index scanned, %s, with limit %d and the index's filter: %d getEvents pages each",
		formatRanges(computed.scanned), soroban.DefaultPageLimit, bareComputed.pages)
	r.note("P3", "server computing pages: plugin %s (server busy %.1f s), bare loop %s (server busy %.1f s, %.0f MB of JSON)",
		round(computed.elapsed), computed.server.ComputeSeconds, round(bareComputed.elapsed),
		bareComputed.server.ComputeSeconds, float64(bareComputed.bytes)/1e6)
	r.note("P3", "pages cached in the server (%.0f MB): plugin %s (server busy %.1f s), bare loop %s (server busy %.1f s)",
		float64(cached.server.CacheBytes)/1e6, round(cached.elapsed), cached.server.ComputeSeconds,
		round(bareCached.elapsed), bareCached.server.ComputeSeconds)
	r.note("P3", "the same query again on the warm index: %s and %s; peak RSS %.0f MB and %.0f MB (%.0f MB after start)",
		round(computed.warm), round(cached.warm), computed.peakMB, cached.peakMB, computed.startMB)
}

func formatRanges(ranges []soroban.LedgerRange) string {
	parts := make([]string, len(ranges))
	for i, rng := range ranges {
		parts[i] = fmt.Sprintf("[%d, %d)", rng.Start, rng.End)
	}
	return strings.Join(parts, " ")
}

func round(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(10 * time.Millisecond).String()
}
