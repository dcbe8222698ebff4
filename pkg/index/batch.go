package index

import "sort"

// batch is a run of records in chain order together with the Raw form of its newest records.
// Its slices are never written in place once other goroutines can read them: records may only
// grow by append past the length that readers hold, and raws are replaced, not edited.
type batch struct {
	records []compact
	raws    []Raw // raws[i] belongs to records[rawFrom+i]
	rawFrom int
	rawSize int64 // estimated bytes of raws
}

func (b *batch) raw(i int) *Raw {
	if i < b.rawFrom {
		return nil
	}
	return &b.raws[i-b.rawFrom]
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

// builder collects the records of one scan and keeps the Raw form of only the newest keep
// records, in a ring, so a long scan holds at most keep raws.
type builder struct {
	records []compact
	keep    int
	ring    []Raw
	next    int // ring slot the next raw goes to once the ring is full
	ringSz  int64
}

func (b *builder) add(rec compact, raw *Raw) {
	b.records = append(b.records, rec)
	if b.keep == 0 {
		return
	}
	if raw == nil {
		// Malformed and unknown events have no raw form: the ring must still stay aligned
		// with the newest records.
		raw = &Raw{}
	}
	b.ringSz += rawBytes(raw)
	if len(b.ring) < b.keep {
		b.ring = append(b.ring, *raw)
		return
	}
	b.ringSz -= rawBytes(&b.ring[b.next])
	b.ring[b.next] = *raw
	b.next = (b.next + 1) % b.keep
}

func (b *builder) bytes() int64 {
	return int64(len(b.records))*recordBytes + b.ringSz
}

func (b *builder) finish() batch {
	raws := make([]Raw, 0, len(b.ring))
	raws = append(raws, b.ring[b.next:]...)
	raws = append(raws, b.ring[:b.next]...)
	return batch{
		records: b.records,
		raws:    raws,
		rawFrom: len(b.records) - len(raws),
		rawSize: b.ringSz,
	}
}
