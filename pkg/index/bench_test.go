package index

import (
	"context"
	"sync"
	"testing"

	"github.com/modeltrace/soroban-datasource/pkg/registry"
	"github.com/modeltrace/soroban-datasource/pkg/soroban"
)

// A day of ledgers at one close every 5 s, and a dashboard of ten panels over it.
const (
	dayLedgers     = 17_280
	panels         = 10
	benchPerLedger = 20 // ledger n holds n % 21 events: 10 a ledger on average
	benchStart     = 1_000_000
)

func benchChain(b *testing.B, extra uint32) *chain {
	c := newChain(b, benchPerLedger)
	c.prebuild(lr(benchStart, benchStart+dayLedgers+extra))
	return c
}

// BenchmarkDashboardCold runs ten concurrent panel queries over one day on an empty index.
func BenchmarkDashboardCold(b *testing.B) {
	c := benchChain(b, 0)
	day := lr(benchStart, benchStart+dayLedgers)
	var calls, records int

	for b.Loop() {
		fake := newFake(c)
		ix := New(fake, testContract, Options{MaxBytes: 256 << 20})
		var wg sync.WaitGroup
		for range panels {
			wg.Go(func() {
				stats, err := ix.Query(context.Background(), day, day.End-1, func(Record) bool { return true })
				if err != nil {
					b.Error(err)
				}
				records = stats.Records
			})
		}
		wg.Wait()
		calls += fake.calls
	}

	b.ReportMetric(float64(calls)/float64(b.N), "rpc_calls/op")
	b.ReportMetric(float64(records), "records/panel")
}

// BenchmarkDashboardDirect is the baseline without the index: every panel scans and decodes
// the day itself.
func BenchmarkDashboardDirect(b *testing.B) {
	c := benchChain(b, 0)
	day := lr(benchStart, benchStart+dayLedgers)
	var calls int

	for b.Loop() {
		fake := newFake(c)
		var wg sync.WaitGroup
		for range panels {
			wg.Go(func() {
				_, err := fake.ScanEvents(context.Background(), day, New(fake, testContract, Options{}).Filters(),
					func(ev soroban.Event) error {
						_, _ = registry.DecodeEvent(ev.Topics, ev.Value)
						return nil
					})
				if err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
		calls += fake.calls
	}

	b.ReportMetric(float64(calls)/float64(b.N), "rpc_calls/op")
}

// BenchmarkRefresh runs one panel refresh of the last day on a warm index, one new ledger
// later each time, trimming the ledger that left the day.
func BenchmarkRefresh(b *testing.B) {
	c := benchChain(b, 4096)
	fake := newFake(c)
	ix := New(fake, testContract, Options{MaxBytes: 256 << 20, KeepRawNewest: 1000})
	latest := uint32(benchStart + dayLedgers - 1)
	if _, err := ix.Query(context.Background(), lr(benchStart, latest+1), latest, func(Record) bool { return true }); err != nil {
		b.Fatal(err)
	}
	callsBefore := fake.calls
	var scanned uint32

	for b.Loop() {
		latest++
		day := lr(latest+1-dayLedgers, latest+1)
		ix.Trim(day.Start)
		stats, err := ix.Query(context.Background(), day, latest, func(Record) bool { return true })
		if err != nil {
			b.Fatal(err)
		}
		for _, rng := range stats.Scanned {
			scanned += rng.End - rng.Start
		}
	}

	b.ReportMetric(float64(fake.calls-callsBefore)/float64(b.N), "rpc_calls/op")
	b.ReportMetric(float64(scanned)/float64(b.N), "scanned_ledgers/op")
	b.ReportMetric(float64(ix.Usage().Bytes)/(1<<20), "cache_MiB")
}
