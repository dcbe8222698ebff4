package soroban

import (
	"context"
	"fmt"
	"time"

	"github.com/stellar/go-stellar-sdk/clients/rpcclient"
	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"
)

// Window is a time range mapped to ledgers.
type Window struct {
	// Range contains every retained ledger whose close time is within [From, To], and
	// possibly a few ledgers just outside it: callers filter events by exact close time.
	Range          LedgerRange
	From, To       time.Time // the time range covered, with From moved to the oldest ledger's close time when Clamped
	Clamped        bool      // the requested start was before the node's retention window
	OldestLedger   uint32    // the oldest ledger the node retains
	LatestLedger   uint32    // the node's latest ledger
	LatestClosedAt time.Time // the close time of LatestLedger
	Calls          int       // RPC requests sent: at most 3 unless some were retried
	Retries        int       // requests that repeated a failed one
}

// ledgerPageSize is the number of ledgers one getLedgers read requests. Each ledger comes
// with its full LedgerCloseMeta XDR, which is large on busy networks, so the page stays
// small: a read that misses a boundary costs a few extra ledgers in the scan instead.
// NOTE: 16 trades response size against exact bounds, and was not measured on pubnet.
const ledgerPageSize = 16

// LedgerWindow maps the time range [from, to] to a ledger range with at most 3 RPC calls.
// getHealth returns the oldest and latest ledger and their close times. Then up to two
// getLedgers reads, placed by interpolation, fetch close times near the boundaries: the
// first near the start, the second near the end when to is before the latest ledger and
// near the start again otherwise.
//
// Range always includes every retained ledger that closed within [from, to], and an end is
// exact when a read contains its boundary. When the reads miss, that end is widened by the
// stellar-core rule that a ledger closes at least one second after the previous one
// (HerderSCPDriver::checkCloseTime rejects any other close time), so the extra ledgers are
// at most the seconds between the boundary and the nearest ledger read. A node whose close
// times break that rule gets bounds from ascending close times alone, which can be much
// wider. A range that starts before the retention window starts at the oldest ledger and
// sets Clamped. A range after the latest ledger maps to the empty range at latest+1.
func (c *Client) LedgerWindow(ctx context.Context, from, to time.Time) (Window, error) {
	if to.Before(from) {
		return Window{}, fmt.Errorf("invalid time range: to %s is before from %s",
			to.UTC().Format(time.RFC3339), from.UTC().Format(time.RFC3339))
	}
	stats := &callStats{}
	window, err := c.ledgerWindow(ctx, from, to, stats)
	window.Calls, window.Retries = stats.calls, stats.retries
	return window, err
}

func (c *Client) ledgerWindow(ctx context.Context, from, to time.Time, stats *callStats) (Window, error) {
	var health protocol.GetHealthResponse
	err := c.call(ctx, protocol.GetHealthMethodName, stats, func(rc *rpcclient.Client) (err error) {
		health, err = rc.GetHealth(ctx)
		return err
	})
	if err != nil {
		return Window{}, err
	}
	if health.LatestLedgerCloseTime == 0 || health.OldestLedgerCloseTime == 0 || health.LatestLedger < health.OldestLedger {
		return Window{}, fmt.Errorf("getHealth returned no usable ledger range (oldest %d closed at %d, latest %d closed at %d): "+
			"upgrade stellar-rpc to a release whose getHealth reports ledger close times",
			health.OldestLedger, health.OldestLedgerCloseTime, health.LatestLedger, health.LatestLedgerCloseTime)
	}

	m := newLedgerMap(c, stats, health)
	fromSec, toSec := ceilUnix(from), to.Unix()
	c.opts.LedgerTimes.add(m.oldest, m.latest)
	m.addKnown(c.opts.LedgerTimes.around(fromSec)...)
	m.addKnown(c.opts.LedgerTimes.around(toSec + 1)...)
	window := Window{
		From: from, To: to, OldestLedger: m.oldest.seq, LatestLedger: m.latest.seq,
		LatestClosedAt: time.Unix(m.latest.closed, 0).UTC(),
	}
	if fromSec < m.oldest.closed {
		window.Clamped = true
		window.From = time.Unix(m.oldest.closed, 0).UTC()
		fromSec = m.oldest.closed
	}
	switch {
	case toSec < m.oldest.closed:
		window.Range = LedgerRange{Start: m.oldest.seq, End: m.oldest.seq}
		return window, nil
	case fromSec > m.latest.closed:
		window.Range = LedgerRange{Start: m.latest.seq + 1, End: m.latest.seq + 1}
		return window, nil
	}

	// Two getLedgers reads at most: the first for the start, the second for the end, or
	// for the start again (from a better estimate) when the end needs no read.
	for reads := 0; reads < 2; reads++ {
		var err error
		switch {
		case reads == 0 && !m.exactStart(fromSec):
			err = m.readNear(ctx, m.estimate(fromSec), startPage)
		case toSec < m.latest.closed && !m.exactEnd(toSec):
			err = m.readNear(ctx, m.estimate(toSec), endPage)
		case !m.exactStart(fromSec):
			err = m.readNear(ctx, m.estimate(fromSec), startPage)
		}
		if err != nil {
			return window, err
		}
	}
	window.Range = LedgerRange{Start: m.startFor(fromSec), End: m.endFor(toSec)}
	window.Range.End = max(window.Range.End, window.Range.Start)
	return window, nil
}

// ceilUnix returns t in unix seconds, rounded up: ledger close times are whole seconds.
func ceilUnix(t time.Time) int64 {
	if t.Nanosecond() > 0 {
		return t.Unix() + 1
	}
	return t.Unix()
}
