package soroban

import (
	"context"
	"fmt"
	"sort"

	"github.com/stellar/go-stellar-sdk/clients/rpcclient"
	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"
)

// ledgerPoint is a ledger with a known close time in unix seconds.
type ledgerPoint struct {
	seq    uint32
	closed int64
}

// ledgerMap holds the ledgers whose close times LedgerWindow has read, and derives safe
// range bounds from them.
type ledgerMap struct {
	c              *Client
	stats          *callStats
	oldest, latest ledgerPoint
	points         []ledgerPoint // ascending by sequence
	// oneSecondRule is set while every pair of known ledgers is at least one second apart
	// per ledger, as stellar-core enforces. A node that breaks it (a test server, say) gets
	// the looser bounds that need only ascending close times.
	oneSecondRule bool
}

func newLedgerMap(c *Client, stats *callStats, health protocol.GetHealthResponse) *ledgerMap {
	m := &ledgerMap{
		c:      c,
		stats:  stats,
		oldest: ledgerPoint{seq: health.OldestLedger, closed: health.OldestLedgerCloseTime},
		latest: ledgerPoint{seq: health.LatestLedger, closed: health.LatestLedgerCloseTime},
	}
	m.add(m.oldest, m.latest)
	return m
}

func (m *ledgerMap) add(points ...ledgerPoint) {
	m.points = append(m.points, points...)
	sort.Slice(m.points, func(i, j int) bool { return m.points[i].seq < m.points[j].seq })
	unique := m.points[:0]
	for _, p := range m.points {
		if len(unique) == 0 || unique[len(unique)-1].seq != p.seq {
			unique = append(unique, p)
		}
	}
	m.points = unique

	m.oneSecondRule = true
	for i := 1; i < len(m.points); i++ {
		a, b := m.points[i-1], m.points[i]
		if b.closed-a.closed < int64(b.seq-a.seq) {
			m.oneSecondRule = false
		}
	}
}

// addKnown adds remembered points that lie inside the node's retention window.
func (m *ledgerMap) addKnown(points ...ledgerPoint) {
	for _, p := range points {
		if p.seq >= m.oldest.seq && p.seq <= m.latest.seq {
			m.add(p)
		}
	}
}

// split returns the last known ledger that closed before second and the first that closed
// at or after it.
func (m *ledgerMap) split(second int64) (before ledgerPoint, hasBefore bool, after ledgerPoint, hasAfter bool) {
	i := sort.Search(len(m.points), func(i int) bool { return m.points[i].closed >= second })
	if i > 0 {
		before, hasBefore = m.points[i-1], true
	}
	if i < len(m.points) {
		after, hasAfter = m.points[i], true
	}
	return before, hasBefore, after, hasAfter
}

// startFor returns the lowest ledger that may have closed at or after fromSec.
func (m *ledgerMap) startFor(fromSec int64) uint32 {
	before, hasBefore, after, hasAfter := m.split(fromSec)
	switch {
	case !hasAfter:
		return m.latest.seq + 1
	case !hasBefore:
		return after.seq
	}
	start := int64(before.seq) + 1
	if m.oneSecondRule {
		// A ledger k before `after` closed at least k seconds before it.
		start = max(start, int64(after.seq)-(after.closed-fromSec))
	}
	return uint32(start)
}

// endFor returns the ledger after the highest ledger that may have closed at or before
// toSec: the exclusive end of the range.
func (m *ledgerMap) endFor(toSec int64) uint32 {
	before, hasBefore, after, hasAfter := m.split(toSec + 1)
	switch {
	case !hasAfter:
		return m.latest.seq + 1
	case !hasBefore:
		return after.seq
	}
	end := int64(after.seq)
	if m.oneSecondRule {
		// A ledger k after `before` closed at least k seconds after it.
		end = min(end, int64(before.seq)+(toSec-before.closed)+1)
	}
	return uint32(end)
}

// exactStart reports whether the first ledger that closed at or after fromSec is known.
func (m *ledgerMap) exactStart(fromSec int64) bool {
	before, hasBefore, after, hasAfter := m.split(fromSec)
	return hasAfter && (!hasBefore || after.seq == before.seq+1)
}

// exactEnd reports whether the first ledger that closed after toSec is known.
func (m *ledgerMap) exactEnd(toSec int64) bool {
	before, hasBefore, after, hasAfter := m.split(toSec + 1)
	return hasAfter && (!hasBefore || after.seq == before.seq+1)
}

// estimate interpolates the ledger that closed at second between the nearest known ones.
func (m *ledgerMap) estimate(second int64) uint32 {
	before, hasBefore, after, hasAfter := m.split(second)
	switch {
	case !hasBefore:
		return m.oldest.seq
	case !hasAfter:
		return m.latest.seq
	case after.closed == before.closed:
		return after.seq
	}
	span := int64(after.seq - before.seq)
	offset := (second - before.closed) * span / (after.closed - before.closed)
	return before.seq + uint32(offset)
}

// pagePlacement is the position of a getLedgers page relative to an estimated boundary.
type pagePlacement int

const (
	// startPage puts most of the page before the estimate: a page that ends before the
	// true start still bounds the range tightly, a page after it only loosely.
	startPage pagePlacement = iota
	// endPage puts most of the page after the estimate, for the mirror-image reason.
	endPage
)

// readNear reads one getLedgers page around the estimated ledger seq and adds its close
// times.
func (m *ledgerMap) readNear(ctx context.Context, seq uint32, placement pagePlacement) error {
	before := uint32(ledgerPageSize * 3 / 4)
	if placement == endPage {
		before = ledgerPageSize / 4
	}
	first := m.oldest.seq
	if seq > first+before {
		first = seq - before
	}
	if m.latest.seq >= ledgerPageSize-1 {
		first = min(first, max(m.oldest.seq, m.latest.seq-(ledgerPageSize-1)))
	}
	limit := min(ledgerPageSize, m.latest.seq-first+1)

	var resp protocol.GetLedgersResponse
	request := protocol.GetLedgersRequest{
		StartLedger: first,
		Pagination:  &protocol.LedgerPaginationOptions{Limit: uint(limit)},
	}
	err := m.c.call(ctx, protocol.GetLedgersMethodName, m.stats, func(rc *rpcclient.Client) (err error) {
		resp, err = rc.GetLedgers(ctx, request)
		return err
	})
	if err != nil {
		return err
	}

	points := make([]ledgerPoint, 0, len(resp.Ledgers))
	for i, ledger := range resp.Ledgers {
		if i > 0 && (ledger.Sequence <= resp.Ledgers[i-1].Sequence || ledger.LedgerCloseTime < resp.Ledgers[i-1].LedgerCloseTime) {
			return fmt.Errorf("getLedgers returned ledgers out of order (ledger %d closed at %d after ledger %d closed at %d): "+
				"the RPC node misbehaves; try another node", ledger.Sequence, ledger.LedgerCloseTime,
				resp.Ledgers[i-1].Sequence, resp.Ledgers[i-1].LedgerCloseTime)
		}
		points = append(points, ledgerPoint{seq: ledger.Sequence, closed: ledger.LedgerCloseTime})
	}
	m.add(points...)
	m.c.opts.LedgerTimes.add(points...)
	return nil
}
