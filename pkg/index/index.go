// Package index keeps the registry events of one contract in memory, scanned once per ledger
// range and shared by every query of a datasource instance.
//
// Events in closed ledgers never change, so a range that was scanned completely is reused by
// every later panel query and refresh. A query scans only the parts of its range that are not
// cached yet and that no other query is scanning at that moment. Cached events are compact
// records (ledger, close time, kind, risk level, model id); the full event is kept only for the
// newest events. The cache is capped in bytes and drops its oldest ranges first.
package index

import (
	"context"
	"sync"

	"github.com/modeltrace/soroban-datasource/pkg/registry"
	"github.com/modeltrace/soroban-datasource/pkg/soroban"
)

// Scanner reads contract events; *soroban.Client implements it.
type Scanner interface {
	// ScanEvents visits every event in rng that matches any filter, in chain order, exactly once.
	ScanEvents(ctx context.Context, rng soroban.LedgerRange, filters []soroban.Filter,
		visit func(soroban.Event) error) (soroban.ScanResult, error)
}

var _ Scanner = (*soroban.Client)(nil)

// Default option values.
const (
	DefaultMaxBytes     int64  = 128 << 20 // about 5.5 million compact records
	DefaultChunkLedgers uint32 = 10_000
)

// Options configures an Index.
type Options struct {
	// MaxBytes caps the estimated memory of the cached records in bytes; 0 means
	// DefaultMaxBytes. The oldest ranges are dropped first.
	MaxBytes int64
	// KeepRawNewest is how many of the newest cached events keep their full fields (Record.Raw),
	// for event tables. 0 keeps none.
	KeepRawNewest int
	// ChunkLedgers is the longest ledger range one scan covers; 0 means DefaultChunkLedgers
	// (the most ledgers one getEvents request may span). Longer gaps are scanned chunk by
	// chunk, and each chunk is cached as soon as it is complete.
	ChunkLedgers uint32
}

func (o Options) withDefaults() Options {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.KeepRawNewest < 0 {
		o.KeepRawNewest = 0
	}
	if o.ChunkLedgers == 0 {
		o.ChunkLedgers = DefaultChunkLedgers
	}
	return o
}

// Index is the shared event cache of one contract. It is safe for concurrent use.
type Index struct {
	scanner    Scanner
	contractID string
	filters    []soroban.Filter
	opts       Options

	mu      sync.Mutex
	cache   cache
	flights []*flight // scans in progress, disjoint
	oldest  uint32    // ledgers before this were trimmed and are not cached again
}

// New returns an empty index of the registry events of contractID, read through scanner.
func New(scanner Scanner, contractID string, opts Options) *Index {
	opts = opts.withDefaults()

	// One topic filter per event name, with exactly three segments, so only events shaped
	// like registry events match.
	topics := make([][]string, 0, len(registry.EventKinds))
	for _, kind := range registry.EventKinds {
		topics = append(topics, []string{registry.TopicSymbol(kind), "*", "*"})
	}

	return &Index{
		scanner:    scanner,
		contractID: contractID,
		filters:    []soroban.Filter{{ContractIDs: []string{contractID}, Topics: topics}},
		opts:       opts,
		cache:      cache{mergeSpan: opts.ChunkLedgers},
	}
}

// Filters returns the event filters the index scans with.
func (ix *Index) Filters() []soroban.Filter {
	return ix.filters
}

// Trim drops the cached events of ledgers before oldest, for when the RPC's retention window
// moves forward. Later queries start at oldest at the earliest and report Stats.Clamped.
// A scan that the node clamped to its retention window trims the index the same way.
func (ix *Index) Trim(oldest uint32) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.trimLocked(oldest)
}

func (ix *Index) trimLocked(oldest uint32) {
	if oldest <= ix.oldest {
		return
	}
	ix.oldest = oldest
	ix.cache.trim(oldest)
}

func (ix *Index) oldestLedger() uint32 {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.oldest
}

// Usage describes what the index holds.
type Usage struct {
	Bytes   int64                 // estimated memory of the cached records
	Records int                   // cached events, including malformed and unknown ones
	Raws    int                   // cached events that keep their full fields
	Ranges  []soroban.LedgerRange // cached ledger ranges, ascending; adjacent ranges may touch
	Evicted int                   // ranges dropped so far to stay under Options.MaxBytes
}

// Usage returns what the index holds now.
func (ix *Index) Usage() Usage {
	ix.mu.Lock()
	defer ix.mu.Unlock()

	u := Usage{Bytes: ix.cache.bytes, Ranges: ix.cache.ranges(), Evicted: ix.cache.evicted}
	for _, seg := range ix.cache.segments {
		u.Records += len(seg.records)
		u.Raws += len(seg.raws)
	}
	return u
}
