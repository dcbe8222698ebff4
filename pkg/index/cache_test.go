package index

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modeltrace/soroban-datasource/pkg/registry"
	"github.com/modeltrace/soroban-datasource/pkg/soroban"
)

// rawIDs returns the ids of the events that a query should deliver with Raw set when the index
// keeps raws for the newest keep events of rng, or for all of them when keep is negative.
// Events that do not decode as a whole get no Raw.
func rawIDs(c *chain, rng soroban.LedgerRange, keep int) []string {
	var all []soroban.Event
	for ledger := rng.Start; ledger < rng.End; ledger++ {
		all = append(all, c.events(ledger)...)
	}
	if keep < 0 {
		keep = len(all)
	}
	var ids []string
	for _, ev := range all[len(all)-keep:] {
		if _, err := registry.DecodeEvent(ev.Topics, ev.Value); err == nil {
			ids = append(ids, ev.ID)
		}
	}
	return ids
}

func queryRawIDs(t *testing.T, ix *Index, rng soroban.LedgerRange) []string {
	t.Helper()
	var ids []string
	_, err := ix.Query(context.Background(), rng, 10_000, func(r Record) bool {
		if r.Raw != nil {
			ids = append(ids, r.Raw.ID)
		}
		return true
	})
	require.NoError(t, err)
	return ids
}

func TestKeepRawNewest(t *testing.T) {
	c := newChain(t, 6)
	ix := New(newFake(c), testContract, Options{KeepRawNewest: 10})

	assert.Equal(t, rawIDs(c, lr(1, 200), 10), queryRawIDs(t, ix, lr(1, 200)))
	assert.Equal(t, 10, ix.Usage().Raws)

	t.Run("refresh moves the raws to the new ledgers", func(t *testing.T) {
		// The query that scans the new ledgers still receives the raws of the old ones because
		// it read them from the cache before its scan. The next query receives only the newest.
		both := append(rawIDs(c, lr(1, 200), 10), rawIDs(c, lr(200, 250), 10)...)
		assert.Equal(t, both, queryRawIDs(t, ix, lr(1, 250)))
		assert.Equal(t, 10, ix.Usage().Raws)
		assert.Equal(t, rawIDs(c, lr(200, 250), 10), queryRawIDs(t, ix, lr(1, 250)))
	})

	t.Run("raw holds the decoded event", func(t *testing.T) {
		var last Record
		_, err := ix.Query(context.Background(), lr(1, 250), 10_000, func(r Record) bool {
			last = r
			return true
		})
		require.NoError(t, err)
		require.NotNil(t, last.Raw)

		events := c.events(249)
		ev := events[len(events)-1]
		decoded, err := registry.DecodeEvent(ev.Topics, ev.Value)
		require.NoError(t, err)
		assert.Equal(t, Raw{ID: ev.ID, TxHash: ev.TxHash, Event: decoded}, *last.Raw)
	})
}

func TestQueryLargerThanCapStreams(t *testing.T) {
	c := newChain(t, 5)
	const maxBytes = 2_000

	t.Run("after the cap is reached", func(t *testing.T) {
		fake := newFake(c)
		ix := New(fake, testContract, Options{MaxBytes: maxBytes, ChunkLedgers: 16})
		got, stats, err := collect(context.Background(), ix, lr(1, 400), 1000)
		require.NoError(t, err)

		assert.Equal(t, direct(t, c, lr(1, 400)), got)
		require.NotEmpty(t, stats.Streamed)
		assert.Equal(t, uint32(400), stats.Streamed[len(stats.Streamed)-1].End)
		assert.LessOrEqual(t, ix.Usage().Bytes, int64(maxBytes))
	})

	t.Run("when one chunk exceeds the cap", func(t *testing.T) {
		fake := newFake(c)
		ix := New(fake, testContract, Options{MaxBytes: maxBytes, ChunkLedgers: 1000})
		got, stats, err := collect(context.Background(), ix, lr(1, 400), 1000)
		require.NoError(t, err)

		assert.Equal(t, direct(t, c, lr(1, 400)), got)
		assert.Equal(t, []soroban.LedgerRange{lr(1, 400)}, stats.Streamed)
		assert.Empty(t, stats.Scanned)
		assert.Equal(t, []soroban.LedgerRange{lr(1, 400), lr(1, 400)}, fake.scanned())
		assert.Empty(t, ix.Usage().Ranges)
	})

	t.Run("streamed records carry raws", func(t *testing.T) {
		ix := New(newFake(c), testContract, Options{MaxBytes: maxBytes, ChunkLedgers: 1000})
		assert.Equal(t, rawIDs(c, lr(1, 400), -1), queryRawIDs(t, ix, lr(1, 400)))
	})
}

func TestTrim(t *testing.T) {
	c := newChain(t, 4)
	fake := newFake(c)
	ix := New(fake, testContract, Options{ChunkLedgers: 100})
	// One query scans its chunks concurrently and caches them in any order, so the ranges
	// are read one by one here to get the same segments every time.
	for _, rng := range []soroban.LedgerRange{lr(1, 100), lr(100, 200), lr(200, 300)} {
		_, _, err := collect(context.Background(), ix, rng, 1000)
		require.NoError(t, err)
	}
	require.Equal(t, []soroban.LedgerRange{lr(1, 200), lr(200, 300)}, ix.Usage().Ranges)
	before := ix.Usage()

	ix.Trim(150)

	after := ix.Usage()
	assert.Equal(t, []soroban.LedgerRange{lr(150, 200), lr(200, 300)}, after.Ranges)
	assert.Equal(t, len(direct(t, c, lr(150, 300)).records)+direct(t, c, lr(150, 300)).malformed+
		direct(t, c, lr(150, 300)).unknown, after.Records)
	assert.Less(t, after.Bytes, before.Bytes)

	t.Run("small cut keeps sharing the records", func(t *testing.T) {
		ix.Trim(152)
		assert.Equal(t, []soroban.LedgerRange{lr(152, 200), lr(200, 300)}, ix.Usage().Ranges)
		assert.Equal(t, after.Bytes, ix.Usage().Bytes)
		checkInvariants(t, ix)
		ix.Trim(150)
		assert.Equal(t, lr(152, 200), ix.Usage().Ranges[0])
		after = ix.Usage()
	})

	t.Run("later query starts at the trim point", func(t *testing.T) {
		got, stats, err := collect(context.Background(), ix, lr(1, 300), 1000)
		require.NoError(t, err)
		assert.Equal(t, direct(t, c, lr(152, 300)), got)
		assert.Equal(t, lr(152, 300), stats.Range)
		assert.True(t, stats.Clamped)
		assert.Equal(t, uint32(152), stats.OldestLedger)
		assert.True(t, stats.FromCache())
		assert.Equal(t, after.Ranges, ix.Usage().Ranges)
	})
}

func TestQueryVisitorStops(t *testing.T) {
	c := newChain(t, 5)
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"cached", Options{}},
		{"streamed", Options{MaxBytes: 100}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ix := New(newFake(c), testContract, tc.opts)
			var got []uint32
			stats, err := ix.Query(context.Background(), lr(1, 300), 1000, func(r Record) bool {
				got = append(got, r.Ledger)
				return len(got) < 5
			})
			require.NoError(t, err)
			assert.Len(t, got, 5)
			assert.Equal(t, 5, stats.Records)
		})
	}
}

func TestCacheMergesShortAdjacentRanges(t *testing.T) {
	c := newChain(t, 3)
	ix := New(newFake(c), testContract, Options{ChunkLedgers: 100})
	for end := uint32(10); end <= 250; end += 10 {
		_, _, err := collect(context.Background(), ix, lr(1, end), end-1)
		require.NoError(t, err)
	}
	assert.Equal(t, []soroban.LedgerRange{lr(1, 110), lr(110, 210), lr(210, 250)}, ix.Usage().Ranges)
	got, _, err := collect(context.Background(), ix, lr(1, 250), 1000)
	require.NoError(t, err)
	assert.Equal(t, direct(t, c, lr(1, 250)), got)
}

// checkInvariants fails t unless the cache is sorted, disjoint, within its byte count and
// trim point, and every segment holds only records of its range in chain order.
func checkInvariants(t *testing.T, ix *Index) {
	t.Helper()
	ix.mu.Lock()
	defer ix.mu.Unlock()

	var total int64
	var prevEnd uint32
	for i, seg := range ix.cache.segments {
		require.Less(t, seg.rng.Start, seg.rng.End, "segment %d", i)
		require.LessOrEqual(t, prevEnd, seg.rng.Start, "segment %d overlaps the one before", i)
		require.LessOrEqual(t, ix.oldest, seg.rng.Start, "segment %d starts before the trim point", i)
		for j, rec := range seg.records {
			require.True(t, rec.ledger >= seg.rng.Start && rec.ledger < seg.rng.End, "segment %d record %d", i, j)
			if j > 0 {
				require.LessOrEqual(t, seg.records[j-1].ledger, rec.ledger, "segment %d record %d", i, j)
			}
		}
		require.Equal(t, len(seg.records)-seg.rawFrom, len(seg.raws), "segment %d raws", i)
		prevEnd = seg.rng.End
		total += seg.bytes()
	}
	require.Equal(t, total, ix.cache.bytes)
	require.LessOrEqual(t, total, ix.opts.MaxBytes)
}

func TestRandomQueriesWithTrims(t *testing.T) {
	for _, concurrent := range []int{1, 4} {
		t.Run(fmt.Sprintf("%d at a time", concurrent), func(t *testing.T) {
			c := newChain(t, 9)
			c.prebuild(lr(1, 3400))
			ix := New(newFake(c), testContract, Options{MaxBytes: 60_000, ChunkLedgers: 64, KeepRawNewest: 15})
			rnd := rand.New(rand.NewPCG(13, uint64(concurrent)))
			oldest := uint32(1)

			for round := range 60 {
				if round%5 == 4 {
					oldest += uint32(rnd.IntN(40))
					ix.Trim(oldest)
				}
				ranges := make([]soroban.LedgerRange, concurrent)
				for i := range ranges {
					start := max(1, int(oldest)+rnd.IntN(2500)-50)
					ranges[i] = lr(uint32(start), uint32(start+rnd.IntN(300)))
				}

				results := make([]result, concurrent)
				stats := make([]Stats, concurrent)
				errs := make([]error, concurrent)
				var wg sync.WaitGroup
				for i := range ranges {
					wg.Go(func() { results[i], stats[i], errs[i] = collect(context.Background(), ix, ranges[i], 3000) })
				}
				wg.Wait()

				for i := range ranges {
					require.NoError(t, errs[i], "round %d query %v", round, ranges[i])
					require.Equal(t, direct(t, c, stats[i].Range), results[i], "round %d query %v", round, ranges[i])
					served := stats[i].Range
					require.True(t, served.Start == served.End || oldest <= served.Start,
						"round %d query %v served %v before the trim point %d", round, ranges[i], served, oldest)
				}
				checkInvariants(t, ix)
			}
			assert.Positive(t, ix.Usage().Evicted)
		})
	}
}

func TestCachedArraysFitTheirRecords(t *testing.T) {
	c := newChain(t, 40)
	ix := New(newFake(c), testContract, Options{ChunkLedgers: 5000})

	_, _, err := collect(context.Background(), ix, lr(1, 12000), 1_000_000)
	require.NoError(t, err)

	ix.mu.Lock()
	defer ix.mu.Unlock()
	require.NotEmpty(t, ix.cache.segments)
	for _, seg := range ix.cache.segments {
		n := len(seg.records)
		assert.LessOrEqual(t, cap(seg.records), n+n/16+1, "segment %v keeps %d records in an array of %d", seg.rng, n, cap(seg.records))
	}
}
