package index

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modeltrace/soroban-datasource/pkg/soroban"
)

func TestQueryConcurrentScansOnce(t *testing.T) {
	c := newChain(t, 7)
	fake := newFake(c)
	fake.gate = make(chan struct{})
	ix := New(fake, testContract, Options{})
	rng := lr(1000, 3000)
	want := direct(t, c, rng)

	const queries = 8
	results := make([]result, queries)
	stats := make([]Stats, queries)
	errs := make([]error, queries)
	var wg sync.WaitGroup
	for i := range queries {
		wg.Go(func() { results[i], stats[i], errs[i] = collect(context.Background(), ix, rng, 5000) })
	}
	waitUntil(t, func() bool { return ix.waitersOf(rng) == queries })
	close(fake.gate)
	wg.Wait()

	assert.Equal(t, []soroban.LedgerRange{rng}, fake.scanned())
	scanned, joined := 0, 0
	for i := range queries {
		require.NoError(t, errs[i])
		assert.Equal(t, want, results[i])
		scanned += len(stats[i].Scanned)
		joined += len(stats[i].Joined)
	}
	assert.Equal(t, 1, scanned)
	assert.Equal(t, queries-1, joined)
}

func TestQueryRefreshScansNewLedgers(t *testing.T) {
	c := newChain(t, 5)
	fake := newFake(c)
	ix := New(fake, testContract, Options{})

	_, first, err := collect(context.Background(), ix, lr(1000, 2000), 1999)
	require.NoError(t, err)
	assert.Equal(t, []soroban.LedgerRange{lr(1000, 2000)}, first.Scanned)

	got, second, err := collect(context.Background(), ix, lr(1010, 2100), 2050)
	require.NoError(t, err)

	assert.ElementsMatch(t, []soroban.LedgerRange{lr(1000, 2000), lr(2000, 2051)}, fake.scanned())
	assert.Equal(t, lr(1010, 2051), second.Range)
	assert.Equal(t, []soroban.LedgerRange{lr(2000, 2051)}, second.Scanned)
	assert.Equal(t, uint32(990), second.CachedLedgers)
	assert.Equal(t, direct(t, c, lr(1010, 2051)), got)

	t.Run("unchanged range is answered from cache", func(t *testing.T) {
		_, third, err := collect(context.Background(), ix, lr(1010, 2051), 2050)
		require.NoError(t, err)
		assert.True(t, third.FromCache())
		assert.Equal(t, 0, third.RPCCalls)
		assert.Len(t, fake.scanned(), 2)
	})
}

func TestQueryOverlapScansGaps(t *testing.T) {
	c := newChain(t, 4)
	fake := newFake(c)
	ix := New(fake, testContract, Options{})
	for _, rng := range []soroban.LedgerRange{lr(100, 200), lr(300, 400)} {
		_, _, err := collect(context.Background(), ix, rng, 1000)
		require.NoError(t, err)
	}

	got, stats, err := collect(context.Background(), ix, lr(50, 450), 1000)
	require.NoError(t, err)

	gaps := []soroban.LedgerRange{lr(50, 100), lr(200, 300), lr(400, 450)}
	assert.ElementsMatch(t, gaps, fake.scanned()[2:])
	assert.Equal(t, gaps, stats.Scanned)
	assert.Equal(t, uint32(200), stats.CachedLedgers)
	assert.Equal(t, direct(t, c, lr(50, 450)), got)
}

func TestQueryJoinedRangeOnceInOrder(t *testing.T) {
	c := newChain(t, 6)
	fake := newFake(c)
	fake.gate = make(chan struct{})
	ix := New(fake, testContract, Options{})

	var first result
	var firstErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		first, _, firstErr = collect(context.Background(), ix, lr(1, 100), 1000)
	}()
	waitUntil(t, func() bool { return ix.waitersOf(lr(1, 100)) == 1 })

	var second result
	var stats Stats
	var err error
	secondDone := make(chan struct{})
	go func() {
		defer close(secondDone)
		second, stats, err = collect(context.Background(), ix, lr(50, 150), 1000)
	}()
	waitUntil(t, func() bool { return ix.waitersOf(lr(1, 100)) == 2 })
	close(fake.gate)
	<-done
	<-secondDone

	require.NoError(t, firstErr)
	require.NoError(t, err)
	assert.Equal(t, direct(t, c, lr(1, 100)), first)
	assert.Equal(t, direct(t, c, lr(50, 150)), second)
	assert.Equal(t, []soroban.LedgerRange{lr(50, 100)}, stats.Joined)
	assert.Equal(t, []soroban.LedgerRange{lr(100, 150)}, stats.Scanned)
	assert.ElementsMatch(t, []soroban.LedgerRange{lr(1, 100), lr(100, 150)}, fake.scanned())
}

func TestQueryCancelledWaiter(t *testing.T) {
	t.Run("others still get the scan", func(t *testing.T) {
		c := newChain(t, 5)
		fake := newFake(c)
		fake.gate = make(chan struct{})
		ix := New(fake, testContract, Options{})
		rng := lr(500, 900)

		ctx, cancel := context.WithCancel(context.Background())
		cancelledErr := make(chan error, 1)
		go func() {
			_, _, err := collect(ctx, ix, rng, 1000)
			cancelledErr <- err
		}()
		waitUntil(t, func() bool { return ix.waitersOf(rng) == 1 })

		results := make([]result, 2)
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i := range results {
			wg.Go(func() { results[i], _, errs[i] = collect(context.Background(), ix, rng, 1000) })
		}
		waitUntil(t, func() bool { return ix.waitersOf(rng) == 3 })

		cancel()
		assert.ErrorIs(t, <-cancelledErr, context.Canceled)
		assert.Equal(t, 2, ix.waitersOf(rng))
		close(fake.gate)
		wg.Wait()

		for i := range results {
			require.NoError(t, errs[i])
			assert.Equal(t, direct(t, c, rng), results[i])
		}
		assert.Equal(t, []soroban.LedgerRange{rng}, fake.scanned())
	})

	t.Run("last waiter cancels the scan", func(t *testing.T) {
		c := newChain(t, 5)
		fake := newFake(c)
		fake.gate = make(chan struct{})
		ix := New(fake, testContract, Options{})
		rng := lr(500, 900)

		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() {
			_, _, err := collect(ctx, ix, rng, 1000)
			errc <- err
		}()
		waitUntil(t, func() bool { return ix.waitersOf(rng) == 1 })
		cancel()
		assert.ErrorIs(t, <-errc, context.Canceled)
		assert.Empty(t, ix.Usage().Ranges)

		fake.mu.Lock()
		fake.gate = nil
		fake.mu.Unlock()
		got, stats, err := collect(context.Background(), ix, rng, 1000)
		require.NoError(t, err)
		assert.Equal(t, direct(t, c, rng), got)
		assert.Equal(t, []soroban.LedgerRange{rng}, stats.Scanned)
		assert.Equal(t, []soroban.LedgerRange{rng, rng}, fake.scanned())
	})
}

func TestQueryScanErrorCachesNothing(t *testing.T) {
	c := newChain(t, 8)
	fake := newFake(c)
	failure := errors.New("server returned HTTP 503")
	fake.fail = failure
	ix := New(fake, testContract, Options{})
	rng := lr(1, 400)

	_, _, err := collect(context.Background(), ix, rng, 1000)
	require.ErrorIs(t, err, failure)
	assert.EqualError(t, err, "scan registry events of contract CCONTRACTUNDERTEST in ledgers [1, 400): server returned HTTP 503")
	assert.Empty(t, ix.Usage().Ranges)
	assert.Equal(t, int64(0), ix.Usage().Bytes)

	got, stats, err := collect(context.Background(), ix, rng, 1000)
	require.NoError(t, err)
	assert.Equal(t, direct(t, c, rng), got)
	assert.Equal(t, []soroban.LedgerRange{rng}, stats.Scanned)
	assert.Equal(t, []soroban.LedgerRange{rng}, ix.Usage().Ranges)
}

func TestQueryEvictionKeepsCountsExact(t *testing.T) {
	c := newChain(t, 9)
	c.prebuild(lr(1, 3400))
	fake := newFake(c)
	const maxBytes = 40_000
	ix := New(fake, testContract, Options{MaxBytes: maxBytes, ChunkLedgers: 64, KeepRawNewest: 20})
	rnd := rand.New(rand.NewPCG(7, 11))

	for i := range 300 {
		start := uint32(rnd.IntN(3000))
		rng := lr(start, start+uint32(rnd.IntN(400)))
		latest := uint32(2000 + rnd.IntN(1500))

		got, stats, err := collect(context.Background(), ix, rng, latest)
		require.NoError(t, err, "query %d over %v", i, rng)
		require.Equal(t, direct(t, c, stats.Range), got, "query %d over %v", i, rng)
		require.LessOrEqual(t, ix.Usage().Bytes, int64(maxBytes), "query %d over %v", i, rng)
	}

	usage := ix.Usage()
	assert.Positive(t, usage.Evicted)
	assert.LessOrEqual(t, usage.Raws, 20)
}

func TestQueryLatestLedgerBounds(t *testing.T) {
	c := newChain(t, 3)

	t.Run("caller latest clamps the range", func(t *testing.T) {
		fake := newFake(c)
		ix := New(fake, testContract, Options{})
		got, stats, err := collect(context.Background(), ix, lr(100, 500), 299)
		require.NoError(t, err)
		assert.Equal(t, lr(100, 300), stats.Range)
		assert.Equal(t, []soroban.LedgerRange{lr(100, 300)}, fake.scanned())
		assert.Equal(t, direct(t, c, lr(100, 300)), got)
	})

	t.Run("range after latest is empty", func(t *testing.T) {
		fake := newFake(c)
		ix := New(fake, testContract, Options{})
		got, stats, err := collect(context.Background(), ix, lr(400, 500), 299)
		require.NoError(t, err)
		assert.Empty(t, got.records)
		assert.Empty(t, fake.scanned())
		assert.True(t, stats.FromCache())
	})

	t.Run("server behind caller caches only its closed ledgers", func(t *testing.T) {
		fake := newFake(c)
		fake.latest = 249
		ix := New(fake, testContract, Options{})
		_, _, err := collect(context.Background(), ix, lr(100, 300), 299)
		require.NoError(t, err)
		assert.Equal(t, []soroban.LedgerRange{lr(100, 250)}, ix.Usage().Ranges)
	})
}

func TestQueryRetentionClamp(t *testing.T) {
	c := newChain(t, 4)
	fake := newFake(c)
	fake.oldest = 100
	ix := New(fake, testContract, Options{})

	got, stats, err := collect(context.Background(), ix, lr(1, 300), 1000)
	require.NoError(t, err)
	assert.Equal(t, direct(t, c, lr(100, 300)), got)
	assert.True(t, stats.Clamped)
	assert.Equal(t, uint32(100), stats.OldestLedger)
	assert.Equal(t, lr(100, 300), stats.Range)
	assert.Equal(t, []soroban.LedgerRange{lr(100, 300)}, ix.Usage().Ranges)

	t.Run("later query starts at the oldest ledger", func(t *testing.T) {
		got, stats, err := collect(context.Background(), ix, lr(1, 300), 1000)
		require.NoError(t, err)
		assert.Equal(t, direct(t, c, lr(100, 300)), got)
		assert.True(t, stats.Clamped)
		assert.Equal(t, lr(100, 300), stats.Range)
		assert.True(t, stats.FromCache())
		assert.Len(t, fake.scanned(), 1)
	})
}

func TestQueryCountsUndecodableEvents(t *testing.T) {
	c := newChain(t, 8)
	ix := New(newFake(c), testContract, Options{})
	want := direct(t, c, lr(1, 500))
	require.Positive(t, want.malformed)
	require.Positive(t, want.unknown)

	for _, name := range []string{"scanned", "cached"} {
		t.Run(name, func(t *testing.T) {
			_, stats, err := collect(context.Background(), ix, lr(1, 500), 1000)
			require.NoError(t, err)
			assert.Equal(t, want.malformed, stats.Malformed)
			assert.Equal(t, want.unknown, stats.Unknown)
			assert.Equal(t, len(want.records), stats.Records)
		})
	}
}

func TestQueryScanErrorReachesEveryWaiter(t *testing.T) {
	c := newChain(t, 8)
	fake := newFake(c)
	fake.gate = make(chan struct{})
	failure := errors.New("server returned HTTP 503")
	fake.fail = failure
	ix := New(fake, testContract, Options{})
	rng := lr(1, 400)

	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() { _, _, errs[i] = collect(context.Background(), ix, rng, 1000) })
	}
	waitUntil(t, func() bool { return ix.waitersOf(rng) == len(errs) })
	close(fake.gate)
	wg.Wait()

	for i := range errs {
		assert.ErrorIs(t, errs[i], failure, "waiter %d", i)
	}
	assert.Equal(t, []soroban.LedgerRange{rng}, fake.scanned())
	assert.Empty(t, ix.Usage().Ranges)
}

func TestStatsString(t *testing.T) {
	stats := Stats{
		Range:         lr(100, 400),
		Records:       12,
		Malformed:     1,
		CachedLedgers: 200,
		Scanned:       []soroban.LedgerRange{lr(300, 400)},
		Joined:        []soroban.LedgerRange{lr(100, 150)},
		RPCCalls:      3,
		Pages:         2,
	}
	assert.Equal(t, "index ledgers [100, 400): 200 from cache, scanned [300, 400), "+
		"joined [100, 150); records=12 malformed=1 unknown=0 rpcCalls=3 pages=2", stats.String())

	stats.Streamed = []soroban.LedgerRange{lr(400, 500), lr(600, 700)}
	stats.Clamped, stats.OldestLedger = true, 100
	assert.Equal(t, "index ledgers [100, 400): 200 from cache, scanned [300, 400), "+
		"joined [100, 150), streamed without caching [400, 500) [600, 700), clamped to oldest ledger 100; "+
		"records=12 malformed=1 unknown=0 rpcCalls=3 pages=2", stats.String())
}

func TestQueryScansChunksAhead(t *testing.T) {
	c := newChain(t, 4)
	fake := newFake(c)
	fake.gate = make(chan struct{})
	ix := New(fake, testContract, Options{ChunkLedgers: 100})

	done := make(chan error, 1)
	go func() {
		_, _, err := collect(context.Background(), ix, lr(1, 500), 1000)
		done <- err
	}()
	// The first chunk cannot finish, yet the next prefetchPieces chunks are already scanning.
	require.Eventually(t, func() bool { return len(fake.scanned()) == 1+prefetchPieces }, 5*time.Second, time.Millisecond)
	assert.ElementsMatch(t, []soroban.LedgerRange{lr(1, 100), lr(100, 200), lr(200, 300)}, fake.scanned())
	close(fake.gate)
	require.NoError(t, <-done)

	assert.ElementsMatch(t, []soroban.LedgerRange{lr(1, 100), lr(100, 200), lr(200, 300), lr(300, 400), lr(400, 500)}, fake.scanned())
	got, stats, err := collect(context.Background(), ix, lr(1, 500), 1000)
	require.NoError(t, err)
	assert.Equal(t, direct(t, c, lr(1, 500)), got)
	assert.True(t, stats.FromCache())
}

func TestQueryStoppedEarlyCancelsPrefetch(t *testing.T) {
	c := newChain(t, 4)
	fake := newFake(c)
	fake.gate = make(chan struct{})
	ix := New(fake, testContract, Options{ChunkLedgers: 100})
	ctx, cancel := context.WithCancel(context.Background())

	done := make(chan error, 1)
	go func() {
		_, _, err := collect(ctx, ix, lr(1, 500), 1000)
		done <- err
	}()
	require.Eventually(t, func() bool { return len(fake.scanned()) == 1+prefetchPieces }, 5*time.Second, time.Millisecond)
	cancel()

	require.ErrorIs(t, <-done, context.Canceled)
	require.Eventually(t, func() bool { return len(ix.Usage().Ranges) == 0 && ix.flightCount() == 0 },
		5*time.Second, time.Millisecond, "canceled scans must neither stay in flight nor be cached")
}
