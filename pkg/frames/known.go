package frames

import "time"

// Known is the part of a series' time range that the RPC has data for: after the start of
// the RPC's retention window and up to its latest closed ledger. Buckets that lie wholly
// outside it hold null instead of 0, so a panel shows a gap, not a count of zero, where the
// RPC has no data. A zero From or To leaves that side open.
type Known struct {
	From, To time.Time
}

// knownSpan returns the indexes of the first and the last bucket of g that overlap k. first is
// above last when no bucket does.
func (g Grid) knownSpan(k Known) (first, last int) {
	first, last = 0, g.Len()-1
	if !k.From.IsZero() {
		for first <= last && !g.bucketEnd(first).After(k.From) {
			first++
		}
	}
	if !k.To.IsZero() {
		for last >= first && g.bucketStart(last).After(k.To) {
			last--
		}
	}
	return first, last
}

func (g Grid) bucketStart(i int) time.Time {
	return time.Unix(0, (g.bucket(g.From)+int64(i))*int64(g.Interval)).UTC()
}

func (g Grid) bucketEnd(i int) time.Time {
	return g.bucketStart(i).Add(g.Interval)
}

// countValues returns counts as field values: counts itself when every bucket is known, else
// a nullable copy with nil outside [first, last].
func countValues(counts []int64, first, last int) any {
	if first == 0 && last == len(counts)-1 {
		return counts
	}
	values := make([]*int64, len(counts))
	for i := max(first, 0); i <= last && i < len(counts); i++ {
		values[i] = &counts[i]
	}
	return values
}
