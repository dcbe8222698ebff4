package index

import (
	"sort"

	"github.com/modeltrace/soroban-datasource/pkg/soroban"
)

// segment is a ledger range scanned completely, with every event of the contract in it.
type segment struct {
	rng soroban.LedgerRange
	batch
	// arrayBytes is the size of the array behind records, which a trim may leave starting
	// before records[0].
	arrayBytes int64
}

func newSegment(rng soroban.LedgerRange, b batch) *segment {
	return &segment{rng: rng, batch: b, arrayBytes: int64(cap(b.records)) * recordBytes}
}

func (s *segment) bytes() int64 {
	return segmentBytes + s.arrayBytes + s.rawSize
}

// cache is the sorted, disjoint list of scanned segments. The Index mutex guards it.
type cache struct {
	segments  []*segment
	bytes     int64
	mergeSpan uint32 // a segment shorter than this many ledgers takes the adjacent range after it
	evicted   int    // segments dropped to stay under the byte cap
}

// find returns the index of the segment that contains ledger, or of the first segment after it
// and false.
func (c *cache) find(ledger uint32) (int, bool) {
	i := sort.Search(len(c.segments), func(i int) bool { return c.segments[i].rng.End > ledger })
	return i, i < len(c.segments) && c.segments[i].rng.Start <= ledger
}

// insert adds the records of rng. Parts of rng that another scan cached in the meantime keep
// their segment, so segments stay disjoint.
func (c *cache) insert(rng soroban.LedgerRange, b batch) {
	for rng.Start < rng.End {
		i, found := c.find(rng.Start)
		if found {
			rng.Start = c.segments[i].rng.End
			continue
		}

		end := rng.End
		if i < len(c.segments) {
			end = min(end, c.segments[i].rng.Start)
		}
		lo, hi := b.search(rng.Start), b.search(end)
		piece := b
		if lo != 0 || hi != len(b.records) {
			piece = b.slice(lo, hi)
		}
		c.add(i, soroban.LedgerRange{Start: rng.Start, End: end}, piece)
		rng.Start = end
	}
}

// add puts piece in front of segments[i], or appends it to the segment before it when that one
// ends where piece starts and is still short.
func (c *cache) add(i int, rng soroban.LedgerRange, piece batch) {
	if i > 0 {
		prev := c.segments[i-1]
		if prev.rng.End == rng.Start && prev.rng.End-prev.rng.Start < c.mergeSpan {
			c.bytes -= prev.bytes()
			grown := *prev
			grown.rng.End = rng.End
			oldCap := cap(grown.records)
			grown.appendBatch(piece)
			if cap(grown.records) != oldCap {
				grown.arrayBytes = int64(cap(grown.records)) * recordBytes
			}
			c.segments[i-1] = &grown
			c.bytes += grown.bytes()
			return
		}
	}

	seg := newSegment(rng, piece)
	c.segments = append(c.segments, nil)
	copy(c.segments[i+1:], c.segments[i:])
	c.segments[i] = seg
	c.bytes += seg.bytes()
}

// evict drops the oldest segments until the cache holds at most maxBytes.
func (c *cache) evict(maxBytes int64) {
	n := 0
	for over := c.bytes - maxBytes; n < len(c.segments) && over > 0; n++ {
		over -= c.segments[n].bytes()
	}
	c.drop(n)
	c.evicted += n
}

// trim removes every record before ledger oldest from the segments.
func (c *cache) trim(oldest uint32) {
	i, found := c.find(oldest)
	c.drop(i)
	if !found || c.segments[0].rng.Start == oldest {
		return
	}

	old := c.segments[0]
	lo := old.search(oldest)
	rng := soroban.LedgerRange{Start: oldest, End: old.rng.End}
	rest := old.slice(lo, len(old.records))
	cut := &segment{rng: rng, batch: rest, arrayBytes: old.arrayBytes}
	if 2*lo >= len(old.records) {
		// Copy the records when that frees at least half the array. A smaller cut keeps
		// sharing it, so a retention edge that moves a few ledgers at a time costs no copy.
		cut = newSegment(rng, rest)
		cut.records = append([]compact(nil), rest.records...)
		cut.arrayBytes = int64(cap(cut.records)) * recordBytes
	}
	c.bytes += cut.bytes() - old.bytes()
	c.segments[0] = cut
}

func (c *cache) drop(n int) {
	for _, seg := range c.segments[:n] {
		c.bytes -= seg.bytes()
	}
	c.segments = append(c.segments[:0:0], c.segments[n:]...)
}

// keepRawNewest drops the Raw form of all but the newest n cached records.
func (c *cache) keepRawNewest(n int) {
	for i := len(c.segments) - 1; i >= 0; i-- {
		seg := c.segments[i]
		if len(seg.raws) <= n {
			n -= len(seg.raws)
			continue
		}
		thin := *seg
		thin.keepRaws(n)
		c.bytes += thin.bytes() - seg.bytes()
		c.segments[i] = &thin
		n = 0
	}
}

func (c *cache) ranges() []soroban.LedgerRange {
	out := make([]soroban.LedgerRange, len(c.segments))
	for i, seg := range c.segments {
		out[i] = seg.rng
	}
	return out
}
