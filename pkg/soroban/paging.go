package soroban

import (
	"context"

	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"
)

// fetch requests the getEvents page at pos. When the node rejects the page limit, it
// lowers the limit and sends the request again. When the node rejects the start ledger as outside its
// retention window, a start before the window moves to the oldest ledger (once per scan,
// reported as Clamped), and a start after the latest ledger ends the scan with done set:
// there is nothing to read yet.
func (s *scan) fetch(ctx context.Context, pos *position) (resp protocol.GetEventsResponse, done bool, err error) {
	for {
		limit := s.c.pageLimit.Load()
		resp, err = s.c.getEvents(ctx, s.request(*pos, uint(limit)), &s.stats)
		if err == nil {
			return resp, false, nil
		}
		if lower, ok := reducedLimit(err, int(limit)); ok {
			s.c.lowerPageLimit(int64(lower))
			continue
		}

		oldest, latest, ok := retentionRange(err)
		if !ok {
			return resp, false, err
		}
		requested := pos.startLedger
		if pos.cursor != nil {
			requested = pos.cursor.Ledger
		}
		switch {
		case requested > latest:
			s.result.LatestLedger = latest
			if s.result.Cursor == "" {
				s.result.Cursor = s.startCursor(*pos).String()
			}
			return resp, true, nil
		case requested < oldest && !s.result.Clamped:
			s.result.Clamped, s.result.OldestLedger = true, oldest
			if s.end != 0 && oldest >= s.end {
				s.result.LatestLedger = latest
				s.result.Cursor = ledgerEnd(s.end - 1).String()
				return resp, true, nil
			}
			s.start = max(s.start, oldest)
			*pos = position{startLedger: oldest}
		default:
			return resp, false, err
		}
	}
}

// request builds the getEvents request for pos: a cursor alone, or the start ledger with
// the range's end on the first request, since stellar-rpc rejects a cursor sent with a
// ledger range. With a cursor the node scans up to 10,000 ledgers past it, so events at or
// after s.end can arrive and are dropped by consume.
func (s *scan) request(pos position, limit uint) protocol.GetEventsRequest {
	req := protocol.GetEventsRequest{
		Filters:    s.filters,
		Pagination: &protocol.PaginationOptions{Limit: limit},
	}
	if pos.cursor != nil {
		cursor := *pos.cursor
		req.Pagination.Cursor = &cursor
		return req
	}
	req.StartLedger = pos.startLedger
	req.EndLedger = s.end
	return req
}

// startCursor returns the cursor just before pos: where a later poll should resume.
func (s *scan) startCursor(pos position) protocol.Cursor {
	if pos.cursor != nil {
		return *pos.cursor
	}
	return ledgerEnd(pos.startLedger - 1)
}

func (c *Client) getEvents(ctx context.Context, req protocol.GetEventsRequest, stats *callStats) (protocol.GetEventsResponse, error) {
	var resp protocol.GetEventsResponse
	err := c.retry(ctx, protocol.GetEventsMethodName, stats, func() (err error) {
		resp, err = c.getEventsOnce(ctx, req)
		return err
	})
	return resp, err
}

// lowerPageLimit stores limit as the page limit unless a concurrent scan stored a lower one.
func (c *Client) lowerPageLimit(limit int64) {
	for {
		current := c.pageLimit.Load()
		if limit >= current || c.pageLimit.CompareAndSwap(current, limit) {
			return
		}
	}
}
