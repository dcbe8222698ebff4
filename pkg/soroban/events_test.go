package soroban

import (
	"errors"
	"testing"

	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestScanEventsPaging(t *testing.T) {
	tests := []struct {
		name        string
		latest      uint32
		events      map[uint32]int // ledger -> event count
		rng         LedgerRange
		pageLimit   int
		wantPages   int
		wantEvents  int
		wantCursor  string
		wantEventTo uint32 // events of ledgers [rng.Start, wantEventTo) are visited
	}{
		{
			name: "one page", latest: 100, events: map[uint32]int{10: 3, 20: 2},
			rng: LedgerRange{1, 101}, wantPages: 1, wantEvents: 5,
			wantCursor: ledgerEnd(100).String(), wantEventTo: 101,
		},
		{
			name: "limit splits pages", latest: 100, events: map[uint32]int{10: 3, 20: 2},
			rng: LedgerRange{1, 101}, pageLimit: 2, wantPages: 3, wantEvents: 5,
			wantCursor: ledgerEnd(100).String(), wantEventTo: 101,
		},
		{
			name: "full last page then empty page", latest: 100, events: map[uint32]int{10: 2, 20: 2},
			rng: LedgerRange{1, 101}, pageLimit: 2, wantPages: 3, wantEvents: 4,
			wantCursor: ledgerEnd(100).String(), wantEventTo: 101,
		},
		{
			// Windows of 10,000 ledgers: [1, 10001), then from the cursors in ledgers
			// 10000, 19999 (an empty page) and 29998.
			name: "10,000-ledger windows with an empty page", latest: 35000,
			events: map[uint32]int{5: 1, 15000: 1, 34990: 1},
			rng:    LedgerRange{1, 35001}, wantPages: 4, wantEvents: 3,
			wantCursor: ledgerEnd(35000).String(), wantEventTo: 35001,
		},
		{
			name: "range ends before latest", latest: 100, events: map[uint32]int{50: 1, 60: 1, 70: 1},
			rng: LedgerRange{1, 65}, wantPages: 1, wantEvents: 2,
			wantCursor: ledgerEnd(64).String(), wantEventTo: 65,
		},
		{
			// The cursor request cannot carry endLedger, so its page runs past the range.
			name: "cursor page passes range end", latest: 100, events: map[uint32]int{50: 2, 60: 1, 70: 1},
			rng: LedgerRange{1, 65}, pageLimit: 2, wantPages: 2, wantEvents: 3,
			wantCursor: ledgerEnd(64).String(), wantEventTo: 65,
		},
		{
			name: "range past latest stops at latest", latest: 100, events: map[uint32]int{99: 1, 100: 2},
			rng: LedgerRange{90, 200}, pageLimit: 2, wantPages: 2, wantEvents: 3,
			wantCursor: ledgerEnd(100).String(), wantEventTo: 101,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			node := newFakeNode(t, 1, tt.latest, uniformTimes)
			for ledger, count := range tt.events {
				node.addEvents(ledger, count)
			}
			client := node.start(t, Options{PageLimit: tt.pageLimit})

			var ids []string
			result, err := client.ScanEvents(background, tt.rng, nil, collect(&ids))

			require.NoError(t, err)
			assert.Equal(t, node.eventIDs(tt.rng.Start, tt.wantEventTo), ids)
			assert.Equal(t, tt.wantPages, result.Pages)
			assert.Equal(t, tt.wantPages, result.Calls)
			assert.Equal(t, tt.wantPages, node.callCount(protocol.GetEventsMethodName))
			assert.Equal(t, tt.wantEvents, result.Events)
			assert.Equal(t, 0, result.Duplicates)
			assert.Equal(t, tt.wantCursor, result.Cursor)
			assert.Equal(t, tt.latest, result.LatestLedger)
			assert.False(t, result.Clamped)
		})
	}
}

func TestScanEventsRequestShape(t *testing.T) {
	node := newFakeNode(t, 1, 35000, uniformTimes)
	node.addEvents(5, 1)
	client := node.start(t, Options{})

	_, err := client.ScanEvents(background, LedgerRange{1, 35001}, nil, collect(new([]string)))
	require.NoError(t, err)

	requests := node.eventRequests(t)
	require.Len(t, requests, 4)
	assert.Equal(t, uint32(1), requests[0].StartLedger)
	assert.Equal(t, uint32(35001), requests[0].EndLedger)
	assert.Nil(t, requests[0].Pagination.Cursor)
	assert.Equal(t, uint(10000), requests[0].Pagination.Limit)
	for i, wantLedger := range []uint32{10000, 19999, 29998} {
		req := requests[i+1]
		assert.Equal(t, uint32(0), req.StartLedger, "request %d", i+2)
		assert.Equal(t, uint32(0), req.EndLedger, "request %d", i+2)
		require.NotNil(t, req.Pagination.Cursor, "request %d", i+2)
		assert.Equal(t, ledgerEnd(wantLedger), *req.Pagination.Cursor, "request %d", i+2)
	}
}

func TestScanEventsPageLimitRejected(t *testing.T) {
	tests := []struct {
		name          string
		maxLimit      uint
		message       string
		wantFirstScan []uint
	}{
		{name: "node names its maximum", maxLimit: 2500, wantFirstScan: []uint{10000, 2500}},
		{name: "halved without a number", maxLimit: 3000, message: "limit is too large for this node",
			wantFirstScan: []uint{10000, 5000, 2500}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			node := newFakeNode(t, 1, 100, uniformTimes)
			node.maxLimit, node.limitMessage = tt.maxLimit, tt.message
			node.addEvents(10, 3)
			client := node.start(t, Options{})

			var ids []string
			first, err := client.ScanEvents(background, LedgerRange{1, 101}, nil, collect(&ids))
			require.NoError(t, err)
			assert.Equal(t, tt.wantFirstScan, node.sentLimits(t))
			assert.Equal(t, 1, first.Pages)
			assert.Equal(t, len(tt.wantFirstScan), first.Calls)
			assert.Equal(t, 3, first.Events)

			_, err = client.ScanEvents(background, LedgerRange{1, 101}, nil, collect(&ids))
			require.NoError(t, err)
			assert.Equal(t, append(tt.wantFirstScan, 2500), node.sentLimits(t), "the lower limit is kept")
			assert.Equal(t, append(node.eventIDs(1, 101), node.eventIDs(1, 101)...), ids)
		})
	}

	t.Run("rejected down to 1", func(t *testing.T) {
		node := newFakeNode(t, 1, 100, uniformTimes)
		node.maxLimit, node.limitMessage = 0, "limit is too large"
		client := node.start(t, Options{})

		result, err := client.ScanEvents(background, LedgerRange{1, 101}, nil, collect(new([]string)))

		var rpcErr *RPCError
		require.ErrorAs(t, err, &rpcErr)
		assert.Equal(t, codeInvalidParams, rpcErr.Code)
		assert.Equal(t, []uint{10000, 5000, 2500, 1250, 625, 312, 156, 78, 39, 19, 9, 4, 2, 1}, node.sentLimits(t))
		assert.Equal(t, 14, result.Calls)
		assert.Equal(t, 0, result.Pages)
	})
}

func TestScanEventsDuplicates(t *testing.T) {
	node := newFakeNode(t, 1, 100, uniformTimes)
	node.overlap = 1
	for _, ledger := range []uint32{10, 11, 12, 13, 14} {
		node.addEvents(ledger, 2)
	}
	client := node.start(t, Options{PageLimit: 3})

	var ids []string
	result, err := client.ScanEvents(background, LedgerRange{1, 101}, nil, collect(&ids))

	require.NoError(t, err)
	assert.Equal(t, node.eventIDs(1, 101), ids, "every event once, in chain order")
	assert.Len(t, ids, 10)
	assert.Equal(t, 5, result.Pages)
	assert.Equal(t, 4, result.Duplicates)
	assert.Equal(t, 10, result.Events)
}

func TestScanEventsMaxEvents(t *testing.T) {
	tests := []struct {
		name        string
		maxEvents   int
		wantVisited int
		wantErr     string
	}{
		{name: "over the cap", maxEvents: 5, wantVisited: 5,
			wantErr: "too many events: ledgers [1, 101) hold more than 5 matching events; stopped at ledger 30"},
		{name: "exactly the cap", maxEvents: 8, wantVisited: 8},
		{name: "unlimited", maxEvents: 0, wantVisited: 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			node := newFakeNode(t, 1, 100, uniformTimes)
			node.addEvents(10, 4)
			node.addEvents(30, 4)
			client := node.start(t, Options{MaxEvents: tt.maxEvents, PageLimit: 3})

			var ids []string
			result, err := client.ScanEvents(background, LedgerRange{1, 101}, nil, collect(&ids))

			assert.Len(t, ids, tt.wantVisited)
			assert.Equal(t, tt.wantVisited, result.Events)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrTooManyEvents)
			assert.EqualError(t, err, tt.wantErr)
		})
	}
}

func TestScanEventsRetention(t *testing.T) {
	tests := []struct {
		name        string
		rng         LedgerRange
		wantIDsFrom LedgerRange
		wantCalls   int
		wantClamped bool
		wantCursor  string
	}{
		{name: "start before oldest", rng: LedgerRange{500, 1600}, wantIDsFrom: LedgerRange{1000, 1600},
			wantCalls: 2, wantClamped: true, wantCursor: ledgerEnd(1599).String()},
		{name: "range before retention", rng: LedgerRange{100, 900}, wantIDsFrom: LedgerRange{0, 0},
			wantCalls: 1, wantClamped: true, wantCursor: ledgerEnd(899).String()},
		{name: "range after latest", rng: LedgerRange{2500, 2600}, wantIDsFrom: LedgerRange{0, 0},
			wantCalls: 1, wantClamped: false, wantCursor: ledgerEnd(2499).String()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			node := newFakeNode(t, 1000, 2000, uniformTimes)
			node.addEvents(1000, 1)
			node.addEvents(1500, 2)
			client := node.start(t, Options{})

			var ids []string
			result, err := client.ScanEvents(background, tt.rng, nil, collect(&ids))

			require.NoError(t, err)
			assert.Equal(t, node.eventIDs(tt.wantIDsFrom.Start, tt.wantIDsFrom.End), ids)
			assert.Equal(t, tt.wantCalls, result.Calls)
			assert.Equal(t, tt.wantCalls, node.callCount(protocol.GetEventsMethodName))
			assert.Equal(t, tt.wantClamped, result.Clamped)
			if tt.wantClamped {
				assert.Equal(t, uint32(1000), result.OldestLedger)
			}
			assert.Equal(t, tt.wantCursor, result.Cursor)
			assert.Equal(t, uint32(2000), result.LatestLedger)
		})
	}
}

func TestScanEventsStops(t *testing.T) {
	t.Run("visit error", func(t *testing.T) {
		node := newFakeNode(t, 1, 100, uniformTimes)
		node.addEvents(10, 3)
		client := node.start(t, Options{})
		stop := errors.New("frame is full")

		visited := 0
		_, err := client.ScanEvents(background, LedgerRange{1, 101}, nil, func(Event) error {
			visited++
			return stop
		})

		require.ErrorIs(t, err, stop)
		assert.Equal(t, 1, visited)
	})

	t.Run("cursor does not advance", func(t *testing.T) {
		node := newFakeNode(t, 1, 100, uniformTimes)
		node.repeatCursor = true
		node.addEvents(10, 2)
		client := node.start(t, Options{PageLimit: 1})

		result, err := client.ScanEvents(background, LedgerRange{1, 101}, nil, collect(new([]string)))

		require.Error(t, err)
		assert.Contains(t, err.Error(), "did not advance")
		assert.Equal(t, 2, result.Calls)
	})

	t.Run("invalid range", func(t *testing.T) {
		node := newFakeNode(t, 1, 100, uniformTimes)
		client := node.start(t, Options{})

		_, err := client.ScanEvents(background, LedgerRange{50, 40}, nil, collect(new([]string)))

		assert.EqualError(t, err, "invalid ledger range [50, 40): the start must be at least 1 and not after the end")
		assert.Equal(t, 0, node.callCount(protocol.GetEventsMethodName))
	})

	t.Run("empty range", func(t *testing.T) {
		node := newFakeNode(t, 1, 100, uniformTimes)
		client := node.start(t, Options{})

		result, err := client.ScanEvents(background, LedgerRange{50, 50}, nil, collect(new([]string)))

		require.NoError(t, err)
		assert.Equal(t, ledgerEnd(49).String(), result.Cursor)
		assert.Equal(t, 0, node.callCount(protocol.GetEventsMethodName))
	})
}

func TestScanEventsConvertsEvents(t *testing.T) {
	node := newFakeNode(t, 1, 100, uniformTimes)
	node.addEvents(42, 1)
	client := node.start(t, Options{})

	var events []Event
	_, err := client.ScanEvents(background, LedgerRange{1, 101}, nil, func(ev Event) error {
		events = append(events, ev)
		return nil
	})

	require.NoError(t, err)
	require.Len(t, events, 1)
	ev := events[0]
	assert.Equal(t, protocol.Cursor{Ledger: 42, Tx: 1}.String(), ev.ID)
	assert.Equal(t, uint32(42), ev.Ledger)
	assert.Equal(t, uniformTimes(42), ev.ClosedAt.Unix())
	assert.Equal(t, testContractID, ev.ContractID)
	assert.Equal(t, "0000000000000000000000000000000000000000000000000000000002a00001", ev.TxHash)
	assert.Equal(t, []string{"topic-42-1"}, ev.Topics)
	assert.Equal(t, "value-42-1", ev.Value)
}
