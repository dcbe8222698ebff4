package index

import (
	"sort"

	"github.com/modeltrace/soroban-datasource/pkg/soroban"
)

// batch is a run of records in chain order together with the Raw form of its newest records.
// Its slices are never written in place once other goroutines can read them: records may only
// grow by append past the length that readers hold, and raws are replaced, not edited.
type batch struct {
	records []compact
	raws    []Raw // raws[i] belongs to records[rawFrom+i]
	rawFrom int
	rawSize int64 // estimated bytes of raws
}

// raw returns the Raw form of record i, or nil when b does not keep it or the event did not
// decode.
func (b *batch) raw(i int) *Raw {
	if i < b.rawFrom {
		return nil
	}
	if raw := &b.raws[i-b.rawFrom]; raw.ID != "" {
		return raw
	}
	return nil
}

// search returns the index of the first record in ledger or later.
func (b *batch) search(ledger uint32) int {
	return sort.Search(len(b.records), func(i int) bool { return b.records[i].ledger >= ledger })
}

// slice returns records [lo, hi) as a batch that shares memory with b but cannot append into it.
func (b *batch) slice(lo, hi int) batch {
	out := batch{records: b.records[lo:hi:hi], rawFrom: hi - lo}
	if hi <= b.rawFrom {
		return out
	}
	from := max(lo, b.rawFrom)
	out.raws = b.raws[from-b.rawFrom : hi-b.rawFrom : hi-b.rawFrom]
	out.rawFrom = from - lo
	out.rawSize = sumRawBytes(out.raws)
	return out
}

// keepRaws drops all but the newest n raws.
func (b *batch) keepRaws(n int) {
	if len(b.raws) <= n {
		return
	}
	kept := make([]Raw, n)
	copy(kept, b.raws[len(b.raws)-n:])
	b.raws = kept
	b.rawFrom = len(b.records) - n
	b.rawSize = sumRawBytes(kept)
}

// appendBatch appends next, which follows b in chain order, to b.
func (b *batch) appendBatch(next batch) {
	oldLen := len(b.records)
	b.records = append(b.records, next.records...)

	// The raws must stay a suffix of the records: keep b's raws only when next has a raw for
	// every one of its records.
	if next.rawFrom == 0 {
		b.raws = append(b.raws[:len(b.raws):len(b.raws)], next.raws...)
		b.rawSize += next.rawSize
		return
	}
	b.raws = next.raws
	b.rawFrom = oldLen + next.rawFrom
	b.rawSize = next.rawSize
}

func sumRawBytes(raws []Raw) int64 {
	var total int64
	for i := range raws {
		total += rawBytes(&raws[i])
	}
	return total
}

// builder collects the records of one scan. It keeps the newest keep events of the scan
// undecoded, in a ring, and decodes only those into their Raw form when the scan is done, so a
// long scan decodes the values of at most keep events.
type builder struct {
	records []compact
	rng     soroban.LedgerRange // the scanned range, to estimate how many records it holds
	keep    int
	ring    []soroban.Event
	next    int // ring slot the next event goes to once the ring is full
	ringSz  int64
}

func (b *builder) add(rec compact, ev soroban.Event) {
	if len(b.records) == cap(b.records) {
		b.grow(rec.ledger)
	}
	b.records = append(b.records, rec)
	if b.keep == 0 {
		return
	}
	b.ringSz += pendingBytes(&ev)
	if len(b.ring) < b.keep {
		b.ring = append(b.ring, ev)
		return
	}
	b.ringSz -= pendingBytes(&b.ring[b.next])
	b.ring[b.next] = ev
	b.next = (b.next + 1) % b.keep
}

// minGrowth is the number of records a builder starts with and adds at least when it grows.
const minGrowth = 4096

// grow makes room for the records the rest of the range is expected to hold, judged by the
// rate so far, instead of doubling. A day of millions of events then needs one or two copies,
// and no array twice the size of its records stays in the cache.
func (b *builder) grow(ledger uint32) {
	n := len(b.records)
	want := n + max(n/4, minGrowth)
	if done := int64(ledger) - int64(b.rng.Start) + 1; n > 0 && done > 0 && b.rng.End > ledger {
		total := int64(b.rng.End - b.rng.Start)
		want = max(want, int(int64(n)*total/done)*21/20)
	}
	grown := make([]compact, n, want)
	copy(grown, b.records)
	b.records = grown
}

// pendingBytes estimates the memory of an event held in the ring: its strings.
func pendingBytes(ev *soroban.Event) int64 {
	size := rawBaseBytes + int64(len(ev.ID)+len(ev.TxHash)+len(ev.Value))
	for _, topic := range ev.Topics {
		size += int64(len(topic))
	}
	return size
}

func (b *builder) bytes() int64 {
	return int64(len(b.records))*recordBytes + b.ringSz
}

// finish decodes the kept events and returns the batch. Records whose event is malformed or
// unknown, or whose value does not decode, get an empty Raw, which queries deliver as nil.
func (b *builder) finish() batch {
	ordered := make([]soroban.Event, 0, len(b.ring))
	ordered = append(ordered, b.ring[b.next:]...)
	ordered = append(ordered, b.ring[:b.next]...)
	raws := make([]Raw, 0, len(ordered))
	for _, ev := range ordered {
		raw := &Raw{}
		if rec := b.records[len(b.records)-len(ordered)+len(raws)]; rec.kind != kindMalformed && rec.kind != kindUnknown {
			if decoded := decodeRaw(ev); decoded != nil {
				raw = decoded
			}
		}
		raws = append(raws, *raw)
	}
	records := b.records
	if spare := cap(records) - len(records); spare > len(records)/16 {
		records = append(make([]compact, 0, len(records)), records...)
	}
	return batch{
		records: records,
		raws:    raws,
		rawFrom: len(b.records) - len(raws),
		rawSize: sumRawBytes(raws),
	}
}
