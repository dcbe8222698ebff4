package frames

import (
	"testing"
	"time"

	"github.com/modeltrace/soroban-datasource/pkg/registry"
)

// BenchmarkRiskCounter measures RiskCounter.Add over a day of 1-minute buckets, with events
// spread over the day, 4 risk levels and 50 models, and reports events counted per second.
// Building the frame is outside the timed loop.
func BenchmarkRiskCounter(b *testing.B) {
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	grid := NewGrid(from, from.Add(24*time.Hour), time.Minute, 2000)

	const distinct = 4096
	times := make([]time.Time, distinct)
	for i := range times {
		times[i] = from.Add(time.Duration(i) * 24 * time.Hour / distinct)
	}

	for _, grouped := range []bool{false, true} {
		name := "total"
		if grouped {
			name = "by_model"
		}
		b.Run(name, func(b *testing.B) {
			c := NewRiskCounter(grid, grouped)
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				i := n % distinct
				if !c.Add(times[i], uint64(i%50), registry.RiskLevel(i%4)) {
					b.Fatal("event outside the grid")
				}
				n++
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
