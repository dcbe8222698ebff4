package soroban

import (
	"slices"
	"sort"
	"sync"
)

// maxLedgerTimes bounds a LedgerTimes: a week of ledgers at one every 5 s, about 1.4 MB.
const maxLedgerTimes = 7 * 17_280

// LedgerTimes remembers ledger close times that clients have seen: in getEvents pages, in
// getLedgers reads and in getHealth. A ledger's close time never changes, so LedgerWindow can
// place a range boundary between two remembered consecutive ledgers without an RPC call.
// Clients that read the same node can share one. It is safe for concurrent use.
type LedgerTimes struct {
	mu     sync.Mutex
	points []ledgerPoint // ascending by sequence and by close time
}

// NewLedgerTimes returns an empty LedgerTimes.
func NewLedgerTimes() *LedgerTimes {
	return &LedgerTimes{}
}

// add remembers points. Ledgers already known are kept as they are.
func (t *LedgerTimes) add(points ...ledgerPoint) {
	if t == nil || len(points) == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, p := range points {
		n := len(t.points)
		if n == 0 || t.points[n-1].seq < p.seq {
			t.points = append(t.points, p)
			continue
		}
		i, found := slices.BinarySearchFunc(t.points, p.seq, func(q ledgerPoint, seq uint32) int { return int(q.seq) - int(seq) })
		if !found {
			t.points = slices.Insert(t.points, i, p)
		}
	}
	if len(t.points) > maxLedgerTimes {
		// Drop the oldest quarter at once, so trimming is rare.
		t.points = slices.Delete(t.points, 0, len(t.points)-maxLedgerTimes*3/4)
	}
}

// around returns the remembered ledgers next to the boundary at second: the last one that
// closed before it and the first that closed at or after it, where they exist.
func (t *LedgerTimes) around(second int64) []ledgerPoint {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	i := sort.Search(len(t.points), func(i int) bool { return t.points[i].closed >= second })
	var out []ledgerPoint
	if i > 0 {
		out = append(out, t.points[i-1])
	}
	if i < len(t.points) {
		out = append(out, t.points[i])
	}
	return out
}

// len returns how many ledgers t remembers.
func (t *LedgerTimes) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.points)
}
