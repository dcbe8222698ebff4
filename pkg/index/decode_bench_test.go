package index

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/modeltrace/soroban-datasource/pkg/soroban"
)

// scenarioPath is the audit-registry scenario that bench/decode.mjs reads too.
const scenarioPath = "../../contracts/testdata/audit-registry/scenario.json"

// loadScenarioEvents returns the scenario's events as getEvents would deliver them, or skips
// the benchmark when the scenario has not been generated.
func loadScenarioEvents(b *testing.B) []soroban.Event {
	raw, err := os.ReadFile(scenarioPath)
	if os.IsNotExist(err) {
		b.Skipf("scenario %s not found: generate it with the contract tests first", scenarioPath)
	}
	if err != nil {
		b.Fatal(err)
	}
	var scenario struct {
		Events []struct {
			Ledger    uint32   `json:"ledger"`
			CloseTime int64    `json:"close_time"`
			Topics    []string `json:"topics"`
			Value     string   `json:"value"`
		} `json:"events"`
	}
	if err := json.Unmarshal(raw, &scenario); err != nil {
		b.Fatalf("parse scenario %s: %v", scenarioPath, err)
	}
	if len(scenario.Events) == 0 {
		b.Fatalf("scenario %s has no events", scenarioPath)
	}

	events := make([]soroban.Event, len(scenario.Events))
	for i, ev := range scenario.Events {
		events[i] = soroban.Event{Ledger: ev.Ledger, ClosedAt: time.Unix(ev.CloseTime, 0),
			Topics: ev.Topics, Value: ev.Value}
	}
	return events
}

// BenchmarkDecodeScenario is the Go side of the decoding comparison with bench/decode.mjs:
// events/s for the index's record decoder (the topics), for a full decode of topics and value
// as event tables need it, and for bare base64 decoding of the same payloads.
func BenchmarkDecodeScenario(b *testing.B) {
	events := loadScenarioEvents(b)

	b.Run("registry", func(b *testing.B) {
		malformed := 0
		for i := 0; b.Loop(); i++ {
			rec := decodeRecord(events[i%len(events)])
			if rec.kind == kindMalformed || rec.kind == kindUnknown {
				malformed++
			}
		}
		if malformed > 0 {
			b.Errorf("%d decoded scenario events were malformed or unknown", malformed)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})

	b.Run("full", func(b *testing.B) {
		failed := 0
		for i := 0; b.Loop(); i++ {
			if decodeRaw(events[i%len(events)]) == nil {
				failed++
			}
		}
		if failed > 0 {
			b.Errorf("%d scenario events did not decode", failed)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})

	b.Run("base64", func(b *testing.B) {
		// DecodeString allocates the output like Buffer.from does in bench/decode.mjs.
		size := 0
		for i := 0; b.Loop(); i++ {
			ev := events[i%len(events)]
			for _, topic := range ev.Topics {
				out, _ := base64.StdEncoding.DecodeString(topic)
				size += len(out)
			}
			out, _ := base64.StdEncoding.DecodeString(ev.Value)
			size += len(out)
		}
		if size == 0 {
			b.Error("scenario payloads decoded to no bytes")
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
}
