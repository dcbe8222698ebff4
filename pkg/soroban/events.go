package soroban

import (
	"context"
	"fmt"
	"math"
	"time"

	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"
	"github.com/stellar/go-stellar-sdk/toid"
)

// Event is one contract event as getEvents returns it.
type Event struct {
	ID         string    // "<19-digit TOID>-<10-digit index>", which sorts in chain order
	Ledger     uint32    // sequence of the ledger that emitted the event
	ClosedAt   time.Time // close time of that ledger
	ContractID string    // strkey (C…) of the emitting contract
	TxHash     string    // hex hash of the emitting transaction
	Topics     []string  // base64 XDR ScVals, undecoded
	Value      string    // base64 XDR ScVal, undecoded
}

// ScanResult describes what a scan read.
type ScanResult struct {
	Pages      int // getEvents responses read
	Calls      int // getEvents requests sent, retries included
	Retries    int // requests that repeated a failed one
	Events     int // events visited
	Duplicates int // events skipped because their id was not after the last visited id
	// Cursor is the resume point after the last page: PollEvents(Cursor) reads what follows.
	// A range scan's cursor never points past the last ledger of the range.
	Cursor       string
	LatestLedger uint32 // the node's latest ledger in the last response
	// LatestClosedAt is the close time of LatestLedger from the last getEvents page, and
	// zero when no page was read (a poll whose cursor is past the latest ledger).
	LatestClosedAt time.Time
	// Clamped is set when the start was before the node's retention window and the scan
	// began at OldestLedger instead: events before it are not available from this node.
	Clamped      bool
	OldestLedger uint32 // the oldest ledger the node reported when Clamped is set
}

// ScanEvents visits every event in rng matching any filter, in chain order, exactly once.
// It pages with the node's cursor until the cursor reaches rng.End or the latest ledger, so
// empty pages, the 10,000-ledger scan window per request and page limits lose nothing.
// A start before the retention window is clamped to the oldest ledger (see
// ScanResult.Clamped). An error from visit stops the scan and is returned wrapped.
func (c *Client) ScanEvents(ctx context.Context, rng LedgerRange, filters []Filter, visit func(Event) error) (ScanResult, error) {
	if rng.Start == 0 || rng.End < rng.Start {
		return ScanResult{}, fmt.Errorf("invalid ledger range [%d, %d): the start must be at least 1 and not after the end", rng.Start, rng.End)
	}
	requestFilters, err := requestFilters(filters)
	if err != nil {
		return ScanResult{}, err
	}
	if rng.Start == rng.End {
		return ScanResult{Cursor: ledgerEnd(rng.Start - 1).String()}, nil
	}
	s := &scan{c: c, filters: requestFilters, start: rng.Start, end: rng.End, visit: visit}
	return s.run(ctx, position{startLedger: rng.Start})
}

// PollEvents visits the events after cursor up to the node's latest ledger, in chain order,
// exactly once (events at or before cursor are counted as duplicates). Pass the returned
// ScanResult.Cursor to the next poll. If cursor has left the retention window, the poll
// restarts at the oldest ledger and reports Clamped.
func (c *Client) PollEvents(ctx context.Context, cursor string, filters []Filter, visit func(Event) error) (ScanResult, error) {
	after, err := protocol.ParseCursor(cursor)
	if err != nil {
		return ScanResult{}, fmt.Errorf("invalid event cursor %q: pass the Cursor of a previous ScanResult: %w", cursor, err)
	}
	requestFilters, err := requestFilters(filters)
	if err != nil {
		return ScanResult{}, err
	}
	s := &scan{c: c, filters: requestFilters, visit: visit, last: after, haveLast: true}
	return s.run(ctx, position{cursor: &after})
}

// LedgerRange is a range of ledger sequences: Start inclusive, End exclusive.
type LedgerRange struct{ Start, End uint32 }

// ledgerEnd returns the cursor after every event of ledger seq, the form stellar-rpc uses
// for the end of a scan window.
func ledgerEnd(seq uint32) protocol.Cursor {
	return protocol.Cursor{Ledger: seq, Tx: toid.TransactionMask, Op: toid.OperationMask, Event: math.MaxUint32}
}

// position is the start of the next getEvents request: a cursor, or a start ledger on the
// first request, because stellar-rpc rejects a request that sends both.
type position struct {
	cursor      *protocol.Cursor
	startLedger uint32
}

// scan is the state of one ScanEvents or PollEvents loop.
type scan struct {
	c          *Client
	filters    []protocol.EventFilter
	start, end uint32 // events outside [start, end) are dropped, and end 0 means no end
	visit      func(Event) error
	last       protocol.Cursor // id of the last event visited or skipped
	haveLast   bool
	result     ScanResult
	stats      callStats

	// The close time of the ledger of the last visited event, parsed once per ledger.
	closedLedger uint32
	closedText   string
	closedAt     time.Time
}

func (s *scan) run(ctx context.Context, pos position) (ScanResult, error) {
	for {
		resp, done, err := s.fetch(ctx, &pos)
		s.result.Calls, s.result.Retries = s.stats.calls, s.stats.retries
		if err != nil || done {
			return s.result, err
		}
		s.result.Pages++
		s.result.LatestLedger = resp.LatestLedger
		if resp.LatestLedgerCloseTime > 0 {
			s.result.LatestClosedAt = time.Unix(resp.LatestLedgerCloseTime, 0).UTC()
		}

		passedEnd, err := s.consume(resp.Events)
		if err != nil {
			return s.result, err
		}
		next, err := parseNextCursor(resp.Cursor)
		if err != nil {
			return s.result, err
		}
		s.result.Cursor = s.resumePoint(next).String()
		if passedEnd || s.reachedEnd(next, resp.LatestLedger) {
			return s.result, nil
		}
		if pos.cursor != nil && next.Cmp(*pos.cursor) <= 0 {
			return s.result, fmt.Errorf("getEvents cursor %q did not advance past the request's cursor %q "+
				"before ledger %d: the RPC node misbehaves; try another node", resp.Cursor, pos.cursor.String(), resp.LatestLedger)
		}
		pos = position{cursor: &next}
	}
}

func parseNextCursor(cursor string) (protocol.Cursor, error) {
	if cursor == "" {
		return protocol.Cursor{}, fmt.Errorf("getEvents returned no cursor: the RPC is too old for cursor pagination; upgrade stellar-rpc")
	}
	next, err := protocol.ParseCursor(cursor)
	if err != nil {
		return protocol.Cursor{}, fmt.Errorf("getEvents returned an invalid cursor %q: %w", cursor, err)
	}
	return next, nil
}

// reachedEnd reports whether cursor covers every event up to the end of the range, or up
// to the latest ledger when that comes first.
func (s *scan) reachedEnd(cursor protocol.Cursor, latest uint32) bool {
	last := latest
	if s.end != 0 && s.end-1 < last {
		last = s.end - 1
	}
	return cursor.Cmp(ledgerEnd(last)) >= 0
}

// resumePoint keeps a range scan's cursor inside the range, so that resuming from it
// reads the events from s.end on that the scan dropped.
func (s *scan) resumePoint(cursor protocol.Cursor) protocol.Cursor {
	if s.end != 0 && cursor.Cmp(ledgerEnd(s.end-1)) > 0 {
		return ledgerEnd(s.end - 1)
	}
	return cursor
}

// consume visits the page's new events inside the range. It reports passedEnd when an
// event at or after s.end arrived: events come in chain order, so the range is complete.
func (s *scan) consume(events []protocol.EventInfo) (passedEnd bool, err error) {
	for _, info := range events {
		id, err := protocol.ParseCursor(info.ID)
		if err != nil {
			return false, fmt.Errorf("getEvents returned an event with invalid id %q: %w", info.ID, err)
		}
		if s.haveLast && id.Cmp(s.last) <= 0 {
			s.result.Duplicates++
			continue
		}
		s.last, s.haveLast = id, true

		ledger := uint32(info.Ledger)
		if ledger < s.start {
			continue
		}
		if s.end != 0 && ledger >= s.end {
			return true, nil
		}
		if err := s.visitEvent(info, ledger); err != nil {
			return false, err
		}
	}
	return false, nil
}

// closeTime parses the event's ledgerClosedAt once per ledger, since the events of a ledger
// share it, and remembers the ledger's close time for LedgerWindow.
func (s *scan) closeTime(info protocol.EventInfo, ledger uint32) (time.Time, error) {
	if s.closedLedger == ledger && s.closedText == info.LedgerClosedAt && !s.closedAt.IsZero() {
		return s.closedAt, nil
	}
	closedAt, err := time.Parse(time.RFC3339, info.LedgerClosedAt)
	if err != nil {
		return time.Time{}, fmt.Errorf("getEvents returned event %s with invalid ledgerClosedAt %q: %w", info.ID, info.LedgerClosedAt, err)
	}
	s.closedLedger, s.closedText, s.closedAt = ledger, info.LedgerClosedAt, closedAt
	s.c.opts.LedgerTimes.add(ledgerPoint{seq: ledger, closed: closedAt.Unix()})
	return closedAt, nil
}

func (s *scan) visitEvent(info protocol.EventInfo, ledger uint32) error {
	maxEvents := s.c.opts.MaxEvents
	if maxEvents > 0 && s.result.Events >= maxEvents {
		return fmt.Errorf("%w: ledgers [%d, %d) hold more than %d matching events; stopped at ledger %d",
			ErrTooManyEvents, s.start, s.end, maxEvents, ledger)
	}
	closedAt, err := s.closeTime(info, ledger)
	if err != nil {
		return err
	}
	s.result.Events++
	event := Event{
		ID:         info.ID,
		Ledger:     ledger,
		ClosedAt:   closedAt,
		ContractID: info.ContractID,
		TxHash:     info.TransactionHash,
		Topics:     info.TopicXDR,
		Value:      info.ValueXDR,
	}
	if err := s.visit(event); err != nil {
		return fmt.Errorf("visit event %s: %w", info.ID, err)
	}
	return nil
}
