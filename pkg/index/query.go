package index

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/modeltrace/soroban-datasource/pkg/soroban"
)

// Stats describes how the index served one query.
type Stats struct {
	// Range is the ledger range served: the requested range, with its end cut to the ledger
	// after latest, and its start moved to OldestLedger when Clamped is set.
	Range soroban.LedgerRange
	// Records is how many records were delivered.
	Records int
	// Malformed and Unknown count the events in Range that failed to decode or are not
	// registry events; they are not delivered.
	Malformed, Unknown int
	// CachedLedgers is how many ledgers of Range were read from the cache.
	CachedLedgers uint32
	// Scanned lists the ranges this query scanned and cached.
	Scanned []soroban.LedgerRange
	// Joined lists the ranges that another query was already scanning, which this query
	// waited for instead of scanning them again.
	Joined []soroban.LedgerRange
	// Streamed lists the ranges scanned without caching because the query needs more than
	// Options.MaxBytes.
	Streamed []soroban.LedgerRange
	// Clamped is set when Range was cut to start at OldestLedger, the oldest ledger the node
	// still keeps; the events before it are not available.
	Clamped      bool
	OldestLedger uint32
	// RPCCalls and Pages count the getEvents calls and pages of the scans this query ran
	// itself (Scanned and Streamed), not those of the scans it joined.
	RPCCalls, Pages int
}

// FromCache reports whether the whole query was served without waiting for any scan.
func (s Stats) FromCache() bool {
	return len(s.Scanned) == 0 && len(s.Joined) == 0 && len(s.Streamed) == 0
}

// errStopped ends a scan when the visitor wants no more records.
var errStopped = errors.New("visitor stopped the query")

// Query visits the records of the ledgers in rng, in chain order and each exactly once, until
// visit returns false. Ledgers after latest, the latest closed ledger, are left out because
// their events may still change. Only the parts of rng that are neither cached nor being
// scanned by another query are scanned.
//
// The records are complete for the returned Stats.Range when the error is nil. On an error
// the records delivered so far are a prefix of the range, and nothing partial is cached.
func (ix *Index) Query(ctx context.Context, rng soroban.LedgerRange, latest uint32,
	visit func(Record) bool) (Stats, error) {
	if end := uint64(latest) + 1; end < uint64(rng.End) {
		rng.End = uint32(end)
	}
	rng.Start = max(rng.Start, 1) // ledger 1 is the genesis ledger
	rng.End = max(rng.End, rng.Start)
	q := &query{ix: ix, ctx: ctx, visit: visit, stats: Stats{Range: rng}}
	if oldest := ix.oldestLedger(); rng.Start < oldest {
		rng.Start = oldest
		q.clamped(oldest)
	}

	// Pieces are planned up to prefetchPieces ahead of the one being served, so the scans of
	// the next chunks run while the query waits for or delivers the current one.
	var ahead []piece
	defer func() {
		for _, p := range ahead {
			if p.flight != nil {
				ix.release(p.flight)
			}
		}
	}()
	for next := rng.Start; next < rng.End || len(ahead) > 0; {
		if err := ctx.Err(); err != nil {
			return q.stats, err
		}
		for next < rng.End && (len(ahead) == 0 || (len(ahead) <= prefetchPieces && !q.streaming)) {
			p := ix.plan(ctx, next, rng.End, q.streaming)
			ahead = append(ahead, p)
			next = p.rng.End
		}

		p := ahead[0]
		ahead = ahead[1:]
		stopped, err := q.serve(p)
		if err != nil || stopped {
			return q.stats, err
		}
	}
	return q.stats, nil
}

// prefetchPieces is how many pieces a query plans beyond the one it serves. Each planned gap
// starts its scan at once, so up to prefetchPieces+1 chunks of one query are scanned at a time.
const prefetchPieces = 2

// query is the state of one Query call.
type query struct {
	ix        *Index
	ctx       context.Context
	visit     func(Record) bool
	stats     Stats
	seenBytes int64 // estimated bytes of the records seen so far
	streaming bool  // set once the query needs more than MaxBytes
}

func (q *query) clamped(oldest uint32) {
	q.stats.Clamped = true
	q.stats.OldestLedger = max(q.stats.OldestLedger, oldest)
	q.stats.Range.Start = max(q.stats.Range.Start, min(oldest, q.stats.Range.End))
}

func (q *query) addResult(result soroban.ScanResult) {
	q.stats.RPCCalls += result.Calls
	q.stats.Pages += result.Pages
	if result.Clamped {
		q.clamped(result.OldestLedger)
	}
}

// serve delivers the records of one planned piece.
func (q *query) serve(p piece) (stopped bool, err error) {
	switch {
	case p.cached:
		q.stats.CachedLedgers += p.rng.End - p.rng.Start
		return !q.deliver(&p.batch, p.rng), nil
	case p.flight != nil:
		return q.await(p)
	default:
		return q.stream(p.rng)
	}
}

// await waits for the flight of p and delivers its records.
func (q *query) await(p piece) (stopped bool, err error) {
	f := p.flight
	if !q.ix.wait(q.ctx, f) {
		return false, q.ctx.Err()
	}

	if errors.Is(f.err, errTooBig) {
		// One chunk alone holds more than MaxBytes: read it again without keeping it.
		if p.own {
			q.addResult(f.result)
		}
		q.streaming = true
		return q.stream(p.rng)
	}

	if p.own {
		q.stats.Scanned = append(q.stats.Scanned, p.rng)
		q.addResult(f.result)
	} else {
		q.stats.Joined = append(q.stats.Joined, p.rng)
		if f.result.Clamped {
			q.clamped(f.result.OldestLedger)
		}
	}
	if f.err != nil {
		return false, f.err
	}
	return !q.deliver(&f.batch, p.rng), nil
}

// deliver visits the records of b in rng and reports whether the visitor wants more.
func (q *query) deliver(b *batch, rng soroban.LedgerRange) bool {
	for i := b.search(rng.Start); i < len(b.records) && b.records[i].ledger < rng.End; i++ {
		if !q.emit(&b.records[i], b.raw(i)) {
			return false
		}
	}
	return true
}

// emit counts one record and visits it unless it is malformed or unknown.
func (q *query) emit(rec *compact, raw *Raw) bool {
	q.seenBytes += recordBytes
	if q.seenBytes > q.ix.opts.MaxBytes {
		q.streaming = true
	}

	switch rec.kind {
	case kindMalformed:
		q.stats.Malformed++
		return true
	case kindUnknown:
		q.stats.Unknown++
		return true
	}
	q.stats.Records++
	return q.visit(rec.record(raw))
}

// stream scans rng and visits its records as they arrive, without caching them.
func (q *query) stream(rng soroban.LedgerRange) (stopped bool, err error) {
	q.stats.Streamed = append(q.stats.Streamed, rng)

	result, err := q.ix.scanner.ScanEvents(q.ctx, rng, q.ix.filters, func(ev soroban.Event) error {
		rec := decodeRecord(ev)
		var raw *Raw
		if rec.kind != kindMalformed && rec.kind != kindUnknown {
			raw = decodeRaw(ev)
		}
		if !q.emit(&rec, raw) {
			return errStopped
		}
		return nil
	})
	q.addResult(result)
	if result.Clamped {
		q.ix.Trim(result.OldestLedger)
	}

	if errors.Is(err, errStopped) {
		return true, nil
	}
	if err != nil {
		return false, q.ix.scanError(rng, err)
	}
	return false, nil
}

func (ix *Index) scanError(rng soroban.LedgerRange, err error) error {
	return fmt.Errorf("scan registry events of contract %s in ledgers [%d, %d): %w",
		ix.contractID, rng.Start, rng.End, err)
}

// String summarises s for a frame's ExecutedQueryString.
func (s Stats) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "index ledgers [%d, %d): %d from cache", s.Range.Start, s.Range.End, s.CachedLedgers)
	writeRanges(&b, "scanned", s.Scanned)
	writeRanges(&b, "joined", s.Joined)
	writeRanges(&b, "streamed without caching", s.Streamed)
	if s.Clamped {
		fmt.Fprintf(&b, ", clamped to oldest ledger %d", s.OldestLedger)
	}
	fmt.Fprintf(&b, "; records=%d malformed=%d unknown=%d rpcCalls=%d pages=%d",
		s.Records, s.Malformed, s.Unknown, s.RPCCalls, s.Pages)
	return b.String()
}

func writeRanges(b *strings.Builder, label string, ranges []soroban.LedgerRange) {
	if len(ranges) == 0 {
		return
	}
	b.WriteString(", " + label)
	for _, rng := range ranges {
		fmt.Fprintf(b, " [%d, %d)", rng.Start, rng.End)
	}
}
