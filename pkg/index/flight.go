package index

import (
	"context"
	"errors"

	"github.com/modeltrace/soroban-datasource/pkg/soroban"
)

// errTooBig ends a scan whose records alone would exceed Options.MaxBytes.
var errTooBig = errors.New("scanned range exceeds the index byte cap")

// flight is one scan in progress, shared by every query that needs a part of its range.
// It runs on its own goroutine, so a waiter that gives up does not stop it for the others.
// Only the last waiter to give up cancels it.
type flight struct {
	rng    soroban.LedgerRange
	done   chan struct{}
	cancel context.CancelFunc

	waiters int // guarded by Index.mu

	// Set before done is closed.
	batch  batch
	result soroban.ScanResult
	err    error
}

// piece is the next step of a query: a cached range, a scan to wait for, or a range to stream.
type piece struct {
	rng    soroban.LedgerRange
	cached bool
	batch  batch   // when cached
	flight *flight // when waiting for a scan
	own    bool    // the query started the flight
}

// plan returns how to serve the ledgers from cursor on, up to end: from the segment or flight
// that covers cursor, or else from a new flight (or a stream) over the gap up to the next
// covered ledger, at most one chunk long.
func (ix *Index) plan(ctx context.Context, cursor, end uint32, streaming bool) piece {
	ix.mu.Lock()
	defer ix.mu.Unlock()

	i, found := ix.cache.find(cursor)
	if found {
		seg := ix.cache.segments[i]
		return piece{rng: soroban.LedgerRange{Start: cursor, End: min(end, seg.rng.End)}, cached: true, batch: seg.batch}
	}
	if i < len(ix.cache.segments) {
		end = min(end, ix.cache.segments[i].rng.Start)
	}

	for _, f := range ix.flights {
		if f.rng.Start <= cursor && cursor < f.rng.End {
			f.waiters++
			return piece{rng: soroban.LedgerRange{Start: cursor, End: min(end, f.rng.End)}, flight: f}
		}
		if f.rng.Start > cursor {
			end = min(end, f.rng.Start)
		}
	}

	gap := soroban.LedgerRange{Start: cursor, End: end}
	if streaming {
		return piece{rng: gap}
	}
	chunk := uint64(ix.opts.ChunkLedgers)
	if chunkEnd := (uint64(cursor)/chunk + 1) * chunk; chunkEnd < uint64(gap.End) {
		gap.End = uint32(chunkEnd)
	}
	return piece{rng: gap, flight: ix.startLocked(ctx, gap), own: true}
}

// startLocked starts a flight over rng with one waiter. The caller holds ix.mu.
func (ix *Index) startLocked(ctx context.Context, rng soroban.LedgerRange) *flight {
	// The scan keeps the starter's context values (loggers, tracing) but not its cancellation.
	scanCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	f := &flight{rng: rng, done: make(chan struct{}), cancel: cancel, waiters: 1}
	ix.flights = append(ix.flights, f)
	go ix.run(scanCtx, f)
	return f
}

// wait blocks until f is done, and reports false when ctx ended first. The last waiter to give
// up cancels the scan.
func (ix *Index) wait(ctx context.Context, f *flight) bool {
	select {
	case <-f.done:
		return true
	case <-ctx.Done():
	}

	ix.release(f)
	return false
}

// release gives up one waiter's claim on f. The last waiter to give up cancels the scan. A
// scan that is already done is left alone: its records are cached.
func (ix *Index) release(f *flight) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	select {
	case <-f.done:
		return
	default:
	}
	f.waiters--
	if f.waiters == 0 {
		// No query waits for the range any more, so a later query starts a new scan.
		ix.removeFlightLocked(f)
		f.cancel()
	}
}

// run scans f's range, then caches it unless the scan failed.
func (ix *Index) run(ctx context.Context, f *flight) {
	defer f.cancel()

	b := builder{rng: f.rng, keep: ix.opts.KeepRawNewest}
	result, err := ix.scanner.ScanEvents(ctx, f.rng, ix.filters, func(ev soroban.Event) error {
		b.add(decodeRecord(ev), ev)
		if b.bytes() > ix.opts.MaxBytes {
			return errTooBig
		}
		return nil
	})

	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.removeFlightLocked(f)
	f.result = result
	if result.Clamped {
		ix.trimLocked(result.OldestLedger)
	}

	switch {
	case errors.Is(err, errTooBig):
		f.err = errTooBig
	case err != nil:
		f.err = ix.scanError(f.rng, err)
	default:
		f.batch = b.finish()
		ix.cacheLocked(f.rng, result.LatestLedger, f.batch)
	}
	close(f.done)
}

// cacheLocked stores the records of a complete scan of rng. The caller holds ix.mu.
func (ix *Index) cacheLocked(rng soroban.LedgerRange, latest uint32, b batch) {
	// A server behind the caller's latest ledger has not seen the tail of rng yet, so only the
	// ledgers it had closed are complete. A zero latest ledger means the scanner did not report it.
	if latest != 0 && uint64(latest)+1 < uint64(rng.End) {
		rng.End = latest + 1
	}
	rng.Start = max(rng.Start, ix.oldest)
	if rng.Start >= rng.End {
		return
	}

	ix.cache.insert(rng, b)
	ix.cache.keepRawNewest(ix.opts.KeepRawNewest)
	ix.cache.evict(ix.opts.MaxBytes)
}

func (ix *Index) removeFlightLocked(f *flight) {
	for i, other := range ix.flights {
		if other == f {
			ix.flights = append(ix.flights[:i], ix.flights[i+1:]...)
			return
		}
	}
}
