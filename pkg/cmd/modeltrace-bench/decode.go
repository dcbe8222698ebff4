package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"time"

	"github.com/modeltrace/soroban-datasource/pkg/frames"
	"github.com/modeltrace/soroban-datasource/pkg/index"
	"github.com/modeltrace/soroban-datasource/pkg/registry"
	"github.com/modeltrace/soroban-datasource/pkg/soroban"
)

// scenarioFile is the audit-registry scenario that bench/decode.mjs reads too: events the real
// Soroban host emitted in the contract tests.
const scenarioFile = "contracts/testdata/audit-registry/scenario.json"

// The repeated scenario events are spread over synthetic ledgers, 20 a ledger 5 s apart,
// starting here, so they span about 14 hours of 1-minute buckets at 200,000 events.
const (
	decodePerLedger   = 20
	decodeFirstLedger = 1_000_000
)

var decodeStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// decodeRates is the JSON line `modeltrace-bench decode` prints.
type decodeRates struct {
	Events       int     `json:"events"`
	Rounds       int     `json:"rounds"`
	GoMaxProcs   int     `json:"gomaxprocs"`
	Index        float64 `json:"index_bucket_events_per_s"`  // index.Query records into frames.RiskCounter
	Direct       float64 `json:"direct_bucket_events_per_s"` // registry.DecodeEvent into frames.RiskCounter
	Base64       float64 `json:"base64_events_per_s"`        // base64 decoding of topics and value
	Base64Topics float64 `json:"base64_topics_events_per_s"` // base64 decoding of the topics alone
	Inferences   int     `json:"inferences_counted"`         // per round, the same for both counting decoders
}

// runDecode is the Go side of P1. It runs in its own process so that the parent can pin it
// to one CPU with GOMAXPROCS=1, like the Node side.
func runDecode(ctx context.Context, args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("decode", flag.ContinueOnError)
	flags.SetOutput(stdout)
	scenario := flags.String("scenario", scenarioFile, "scenario.json whose events are decoded")
	events := flags.Int("events", 200_000, "events per timed round")
	rounds := flags.Int("rounds", 3, "timed rounds after one untimed warm-up round; the median is reported")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if *events < 1 || *rounds < 1 {
		return fmt.Errorf("invalid --events %d or --rounds %d: use positive numbers", *events, *rounds)
	}

	source, err := loadScenarioEvents(*scenario)
	if err != nil {
		return err
	}
	evs := repeatEvents(source, *events)
	rates := decodeRates{Events: len(evs), Rounds: *rounds, GoMaxProcs: runtime.GOMAXPROCS(0)}

	var counted []int
	decoders := []struct {
		rate *float64
		fn   func([]soroban.Event) (int, error)
	}{
		{&rates.Index, decodeThroughIndex},
		{&rates.Direct, decodeDirect},
		{&rates.Base64, func(evs []soroban.Event) (int, error) { return decodeBase64(evs, true) }},
		{&rates.Base64Topics, func(evs []soroban.Event) (int, error) { return decodeBase64(evs, false) }},
	}
	for _, d := range decoders {
		rate, n, err := medianRate(ctx, evs, *rounds, d.fn)
		if err != nil {
			return err
		}
		*d.rate = rate
		counted = append(counted, n)
	}
	rates.Inferences = counted[0]
	if counted[0] != counted[1] {
		return fmt.Errorf("the index path counted %d inferences and the direct path %d: the decoders disagree", counted[0], counted[1])
	}
	return json.NewEncoder(stdout).Encode(rates)
}

// medianRate runs fn once untimed, then rounds times, and returns the median events/s and
// fn's count of the last round.
func medianRate(ctx context.Context, evs []soroban.Event, rounds int, fn func([]soroban.Event) (int, error)) (float64, int, error) {
	n, err := fn(evs)
	if err != nil {
		return 0, 0, err
	}
	rates := make([]float64, 0, rounds)
	for range rounds {
		if err := ctx.Err(); err != nil {
			return 0, 0, err
		}
		start := time.Now()
		if n, err = fn(evs); err != nil {
			return 0, 0, err
		}
		rates = append(rates, float64(len(evs))/time.Since(start).Seconds())
	}
	slices.Sort(rates)
	return rates[len(rates)/2], n, nil
}

// loadScenarioEvents reads the scenario's events as getEvents would deliver them.
func loadScenarioEvents(path string) ([]soroban.Event, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read scenario: %w: generate it with the contract tests or pass --scenario", err)
	}
	var scenario struct {
		ContractID string `json:"contract_id"`
		Events     []struct {
			Topics []string `json:"topics"`
			Value  string   `json:"value"`
		} `json:"events"`
	}
	if err := json.Unmarshal(raw, &scenario); err != nil {
		return nil, fmt.Errorf("parse scenario %s: %w", path, err)
	}
	if len(scenario.Events) == 0 {
		return nil, fmt.Errorf("scenario %s has no events: expected the audit-registry scenario format", path)
	}
	events := make([]soroban.Event, len(scenario.Events))
	for i, ev := range scenario.Events {
		events[i] = soroban.Event{ContractID: scenario.ContractID, Topics: ev.Topics, Value: ev.Value}
	}
	return events, nil
}

// repeatEvents repeats source to n events on synthetic ledgers, keeping each payload as is.
func repeatEvents(source []soroban.Event, n int) []soroban.Event {
	out := make([]soroban.Event, n)
	for i := range out {
		ev := source[i%len(source)]
		offset := uint32(i / decodePerLedger)
		ev.Ledger = decodeFirstLedger + offset
		ev.ClosedAt = decodeStart.Add(time.Duration(offset) * 5 * time.Second)
		out[i] = ev
	}
	return out
}

// decodeGrid is a 1-minute grid over the synthetic ledgers of evs.
func decodeGrid(evs []soroban.Event) frames.Grid {
	return frames.NewGrid(evs[0].ClosedAt, evs[len(evs)-1].ClosedAt, time.Minute, frames.MaxPoints)
}

// decodeThroughIndex runs what a cold riskSeries query runs per event: a fresh index scans
// the events into cached compact records, and the query adds every inference record to a
// RiskCounter. The index decodes what the records need, which may be less than the value.
func decodeThroughIndex(evs []soroban.Event) (int, error) {
	ix := index.New(memScanner(evs), evs[0].ContractID, index.Options{MaxBytes: 1 << 30})
	counter := frames.NewRiskCounter(decodeGrid(evs), false)
	counted := 0
	last := evs[len(evs)-1].Ledger
	stats, err := ix.Query(context.Background(), soroban.LedgerRange{Start: evs[0].Ledger, End: last + 1}, last,
		func(r index.Record) bool {
			if r.Kind == index.KindInferenceLogged && counter.Add(time.Unix(r.CloseTime, 0), r.ModelID, r.Risk) {
				counted++
			}
			return true
		})
	if err != nil {
		return 0, err
	}
	if stats.Records != len(evs) {
		return 0, fmt.Errorf("the index delivered %d of %d events (%d malformed, %d unknown)",
			stats.Records, len(evs), stats.Malformed, stats.Unknown)
	}
	return counted, nil
}

// decodeDirect decodes each event with registry.DecodeEvent and counts its inference.
func decodeDirect(evs []soroban.Event) (int, error) {
	counter := frames.NewRiskCounter(decodeGrid(evs), false)
	counted := 0
	for _, ev := range evs {
		decoded, err := registry.DecodeEvent(ev.Topics, ev.Value)
		if err != nil {
			return 0, fmt.Errorf("decode a scenario event: %w", err)
		}
		if decoded.Kind == registry.KindInferenceLogged && counter.Add(ev.ClosedAt, decoded.ModelID, decoded.Risk) {
			counted++
		}
	}
	return counted, nil
}

// decodeBase64 decodes every topic, and the value when withValue is set, to bytes. It
// allocates the output as Buffer.from does in bench/decode.mjs and returns the byte count.
func decodeBase64(evs []soroban.Event, withValue bool) (int, error) {
	size := 0
	for _, ev := range evs {
		for _, topic := range ev.Topics {
			out, err := base64.StdEncoding.DecodeString(topic)
			if err != nil {
				return 0, err
			}
			size += len(out)
		}
		if !withValue {
			continue
		}
		out, err := base64.StdEncoding.DecodeString(ev.Value)
		if err != nil {
			return 0, err
		}
		size += len(out)
	}
	return size, nil
}

// memScanner serves events sorted by ledger as one page per scan, without RPC or JSON.
type memScanner []soroban.Event

func (m memScanner) ScanEvents(ctx context.Context, rng soroban.LedgerRange, _ []soroban.Filter,
	visit func(soroban.Event) error) (soroban.ScanResult, error) {
	lo := sort.Search(len(m), func(i int) bool { return m[i].Ledger >= rng.Start })
	hi := sort.Search(len(m), func(i int) bool { return m[i].Ledger >= rng.End })
	result := soroban.ScanResult{Pages: 1, Calls: 1, LatestLedger: m[len(m)-1].Ledger}
	for _, ev := range m[lo:hi] {
		if err := visit(ev); err != nil {
			return result, err
		}
		result.Events++
	}
	return result, ctx.Err()
}

// scenarioPath returns the scenario file under the repository root.
func scenarioPath(root string) string { return filepath.Join(root, scenarioFile) }
