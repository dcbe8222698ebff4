package sorobantest

import (
	"fmt"
	"strings"
	"testing"

	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func getEvents(t *testing.T, url string, params map[string]any) protocol.GetEventsResponse {
	t.Helper()
	var resp protocol.GetEventsResponse
	result(t, url, "getEvents", params, &resp)
	return resp
}

func eventIDs(events []protocol.EventInfo) []string {
	ids := make([]string, len(events))
	for i, e := range events {
		ids[i] = e.ID
	}
	return ids
}

func endCursor(ledger uint32) string {
	c := protocol.MaxCursor
	c.Ledger = ledger
	return c.String()
}

func TestGetEventsRange(t *testing.T) {
	s := NewServer(Config{})
	chain(t, s, 100, 120, 3)
	url := serve(t, s)

	t.Run("endLedger exclusive", func(t *testing.T) {
		resp := getEvents(t, url, map[string]any{"startLedger": 100, "endLedger": 103})
		require.Len(t, resp.Events, 9)
		assert.Equal(t, "0000000429496733696-0000000000", resp.Events[0].ID)
		assert.Equal(t, protocol.Cursor{Ledger: 102, Tx: 3}.String(), resp.Events[8].ID)
		assert.Equal(t, "0000000442381631487-4294967295", resp.Cursor)
		assert.Equal(t, uint32(120), resp.LatestLedger)
		assert.Equal(t, uint32(100), resp.OldestLedger)
		assert.Equal(t, closeAt(120).Unix(), resp.LatestLedgerCloseTime)
		assert.Equal(t, closeAt(100).Unix(), resp.OldestLedgerCloseTime)
	})

	t.Run("event fields", func(t *testing.T) {
		resp := getEvents(t, url, map[string]any{"startLedger": 101, "endLedger": 102})
		require.Len(t, resp.Events, 3)
		e := resp.Events[1]
		assert.Equal(t, "contract", e.EventType)
		assert.Equal(t, int32(101), e.Ledger)
		assert.Equal(t, "2026-01-01T00:08:25Z", e.LedgerClosedAt)
		assert.Equal(t, testContract, e.ContractID)
		assert.Equal(t, uint32(2), e.TxIndex)
		assert.Equal(t, uint32(0), e.OpIndex)
		assert.Equal(t, DerivedTxHash(101, 2), e.TransactionHash)
		assert.True(t, e.InSuccessfulContractCall)
		assert.Equal(t, []string{symbolTopic(t, "ping"), u64Topic(t, 1)}, e.TopicXDR)
		assert.Equal(t, u64Topic(t, 101), e.ValueXDR)
	})

	t.Run("cursor continues after the named event", func(t *testing.T) {
		first := getEvents(t, url, map[string]any{"startLedger": 100, "pagination": map[string]any{"limit": 4}})
		require.Len(t, first.Events, 4)
		assert.Equal(t, first.Events[3].ID, first.Cursor)
		assert.Equal(t, protocol.Cursor{Ledger: 101, Tx: 1}.String(), first.Cursor)

		next := getEvents(t, url, map[string]any{"pagination": map[string]any{"cursor": first.Cursor, "limit": 4}})
		assert.Equal(t, []string{
			protocol.Cursor{Ledger: 101, Tx: 2}.String(),
			protocol.Cursor{Ledger: 101, Tx: 3}.String(),
			protocol.Cursor{Ledger: 102, Tx: 1}.String(),
			protocol.Cursor{Ledger: 102, Tx: 2}.String(),
		}, eventIDs(next.Events))
	})

	t.Run("empty page at the latest ledger", func(t *testing.T) {
		resp := getEvents(t, url, map[string]any{"pagination": map[string]any{"cursor": endCursor(120)}})
		assert.Empty(t, resp.Events)
		assert.NotNil(t, resp.Events)
		assert.Equal(t, endCursor(120), resp.Cursor)
	})

	t.Run("default limit 100", func(t *testing.T) {
		big := NewServer(Config{})
		chain(t, big, 1, 60, 2)
		resp := getEvents(t, serve(t, big), map[string]any{"startLedger": 1})
		require.Len(t, resp.Events, 100)
		assert.Equal(t, protocol.Cursor{Ledger: 50, Tx: 2}.String(), resp.Cursor)
	})
}

func TestGetEventsFilters(t *testing.T) {
	s := NewServer(Config{})
	chain(t, s, 10, 12, 3)
	url := serve(t, s)
	ping := symbolTopic(t, "ping")

	cases := []struct {
		name    string
		filters []map[string]any
		want    int
	}{
		{"no filter", nil, 9},
		{"contract id", []map[string]any{{"contractIds": []string{testContract}}}, 9},
		{"other contract", []map[string]any{{"contractIds": []string{otherContract}}}, 0},
		{"exact topics", []map[string]any{{"topics": [][]string{{ping, u64Topic(t, 1)}}}}, 3},
		{"wildcard one", []map[string]any{{"topics": [][]string{{ping, "*"}}}}, 9},
		{"too few segments", []map[string]any{{"topics": [][]string{{ping}}}}, 0},
		{"zero or more", []map[string]any{{"topics": [][]string{{ping, "**"}}}}, 9},
		{"two topic filters", []map[string]any{{"topics": [][]string{{"*", u64Topic(t, 0)}, {"*", u64Topic(t, 2)}}}}, 6},
		{"system type", []map[string]any{{"type": "system"}}, 0},
		{"two filters", []map[string]any{
			{"contractIds": []string{otherContract}},
			{"topics": [][]string{{ping, u64Topic(t, 2)}}},
		}, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			params := map[string]any{"startLedger": 10}
			if tc.filters != nil {
				params["filters"] = tc.filters
			}
			resp := getEvents(t, url, params)
			assert.Len(t, resp.Events, tc.want)
			assert.Equal(t, endCursor(12), resp.Cursor)
		})
	}
}

func TestGetEventsErrors(t *testing.T) {
	s := NewServer(Config{MaxEventsLimit: 500, RetentionWindow: 100})
	chain(t, s, 1, 300, 0)
	url := serve(t, s)
	ping := symbolTopic(t, "ping")

	six := func(v any) []any {
		out := make([]any, 6)
		for i := range out {
			out[i] = v
		}
		return out
	}

	cases := []struct {
		name   string
		params map[string]any
		code   int
		msg    string
	}{
		{"cursor and startLedger", map[string]any{"startLedger": 250, "pagination": map[string]any{"cursor": endCursor(250)}},
			CodeInvalidParams, "ledger ranges and cursor cannot both be set"},
		{"no start", map[string]any{}, CodeInvalidParams, "startLedger must be positive"},
		{"limit above max", map[string]any{"startLedger": 250, "pagination": map[string]any{"limit": 501}},
			CodeInvalidParams, "limit must not exceed 500"},
		{"six filters", map[string]any{"startLedger": 250, "filters": six(map[string]any{})},
			CodeInvalidParams, "maximum 5 filters per request"},
		{"six contract ids", map[string]any{"startLedger": 250, "filters": []any{map[string]any{"contractIds": six(testContract)}}},
			CodeInvalidParams, "filter 1 invalid: maximum 5 contract IDs per filter"},
		{"six topic filters", map[string]any{"startLedger": 250, "filters": []any{map[string]any{"topics": six([]string{ping})}}},
			CodeInvalidParams, "filter 1 invalid: maximum 5 topics per filter"},
		{"five segments", map[string]any{"startLedger": 250, "filters": []any{map[string]any{"topics": [][]string{{ping, "*", "*", "*", "*"}}}}},
			CodeInvalidParams, "filter 1 invalid: topic 1 invalid: topic cannot have more than 4 segments"},
		{"before retention", map[string]any{"startLedger": 150},
			CodeInvalidRequest, "startLedger must be within the ledger range: 201 - 300"},
		{"after latest", map[string]any{"startLedger": 301},
			CodeInvalidRequest, "startLedger must be within the ledger range: 201 - 300"},
		{"cursor before retention", map[string]any{"pagination": map[string]any{"cursor": endCursor(150)}},
			CodeInvalidRequest, "startLedger must be within the ledger range: 201 - 300"},
		{"json format", map[string]any{"startLedger": 250, "xdrFormat": "json"},
			CodeInvalidParams, `xdrFormat "json" is not supported by the sorobantest server: omit xdrFormat or send "base64"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := rpcError(t, url, "getEvents", tc.params)
			assert.Equal(t, tc.code, err.Code)
			assert.Equal(t, tc.msg, err.Message)
		})
	}

	t.Run("limit at max", func(t *testing.T) {
		resp := getEvents(t, url, map[string]any{"startLedger": 250, "pagination": map[string]any{"limit": 500}})
		assert.Empty(t, resp.Events)
	})

	t.Run("default max limit", func(t *testing.T) {
		d := NewServer(Config{})
		chain(t, d, 1, 2, 0)
		err := rpcError(t, serve(t, d), "getEvents", map[string]any{"startLedger": 1, "pagination": map[string]any{"limit": 10001}})
		assert.Equal(t, CodeInvalidParams, err.Code)
		assert.Equal(t, "limit must not exceed 10000", err.Message)
	})
}

func TestGetEventsScanWindow(t *testing.T) {
	s := NewServer(Config{})
	chain(t, s, 1, 12000, 0)
	s.AddEvent(StoredEvent{Ledger: 11000, TxIndex: 4, ContractID: testContract,
		Topics: []string{symbolTopic(t, "late")}, Value: u64Topic(t, 1)})
	url := serve(t, s)

	first := getEvents(t, url, map[string]any{"startLedger": 1})
	assert.Empty(t, first.Events)
	assert.Equal(t, endCursor(10000), first.Cursor)

	second := getEvents(t, url, map[string]any{"pagination": map[string]any{"cursor": first.Cursor}})
	assert.Equal(t, []string{protocol.Cursor{Ledger: 11000, Tx: 4}.String()}, eventIDs(second.Events))
	assert.Equal(t, endCursor(12000), second.Cursor)

	t.Run("window from ledger 1000", func(t *testing.T) {
		resp := getEvents(t, url, map[string]any{"startLedger": 1000, "endLedger": 12001})
		assert.Empty(t, resp.Events)
		assert.Equal(t, endCursor(10999), resp.Cursor)
	})
}

func TestEventIDFormat(t *testing.T) {
	id := protocol.Cursor{Ledger: 123456, Tx: 7, Op: 1, Event: 2}.String()
	parts := strings.Split(id, "-")
	require.Len(t, parts, 2)
	assert.Len(t, parts[0], 19)
	assert.Len(t, parts[1], 10)
	assert.Equal(t, fmt.Sprintf("%019d-%010d", int64(123456)<<32|7<<12|1, 2), id)
}
