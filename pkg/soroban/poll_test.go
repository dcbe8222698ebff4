package soroban

import (
	"strings"
	"testing"
	"time"

	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"
	"github.com/stellar/go-stellar-sdk/xdr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPollEvents(t *testing.T) {
	t.Run("new events after a scan", func(t *testing.T) {
		node := newFakeNode(t, 1, 100, uniformTimes)
		node.addEvents(50, 2)
		client := node.start(t, Options{PageLimit: 2})
		scanned, err := client.ScanEvents(background, LedgerRange{1, 101}, nil, collect(new([]string)))
		require.NoError(t, err)

		node.extend(150, uniformTimes)
		node.addEvents(120, 3)
		var ids []string
		polled, err := client.PollEvents(background, scanned.Cursor, nil, collect(&ids))

		require.NoError(t, err)
		assert.Equal(t, node.eventIDs(101, 151), ids)
		assert.Equal(t, 3, polled.Events)
		assert.Equal(t, 2, polled.Pages)
		assert.Equal(t, ledgerEnd(150).String(), polled.Cursor)
		assert.Equal(t, uint32(150), polled.LatestLedger)
		assert.Equal(t, time.Unix(uniformTimes(150), 0).UTC(), polled.LatestClosedAt)
	})

	t.Run("nothing new", func(t *testing.T) {
		node := newFakeNode(t, 1, 100, uniformTimes)
		client := node.start(t, Options{})
		cursor := ledgerEnd(100).String()

		polled, err := client.PollEvents(background, cursor, nil, collect(new([]string)))

		require.NoError(t, err)
		assert.Equal(t, 1, polled.Calls)
		assert.Equal(t, 0, polled.Events)
		assert.Equal(t, cursor, polled.Cursor)
	})

	t.Run("cursor ahead of the node", func(t *testing.T) {
		node := newFakeNode(t, 1, 100, uniformTimes)
		client := node.start(t, Options{})
		cursor := ledgerEnd(105).String()

		polled, err := client.PollEvents(background, cursor, nil, collect(new([]string)))

		require.NoError(t, err)
		assert.Equal(t, 1, polled.Calls)
		assert.Equal(t, cursor, polled.Cursor)
		assert.Equal(t, uint32(100), polled.LatestLedger)
		assert.True(t, polled.LatestClosedAt.IsZero(), "the page carries no close time")
	})

	t.Run("resent events are duplicates", func(t *testing.T) {
		node := newFakeNode(t, 1, 100, uniformTimes)
		node.overlap = 2
		node.addEvents(50, 4)
		client := node.start(t, Options{})
		cursor := protocol.Cursor{Ledger: 50, Tx: 2}.String()

		var ids []string
		polled, err := client.PollEvents(background, cursor, nil, collect(&ids))

		require.NoError(t, err)
		assert.Equal(t, node.eventIDs(50, 51)[2:], ids)
		assert.Equal(t, 2, polled.Duplicates)
	})

	t.Run("cursor left the retention window", func(t *testing.T) {
		node := newFakeNode(t, 1000, 2000, uniformTimes)
		node.addEvents(1000, 1)
		client := node.start(t, Options{})

		var ids []string
		polled, err := client.PollEvents(background, ledgerEnd(900).String(), nil, collect(&ids))

		require.NoError(t, err)
		assert.Equal(t, node.eventIDs(1000, 2001), ids)
		assert.True(t, polled.Clamped)
		assert.Equal(t, uint32(1000), polled.OldestLedger)
		assert.Equal(t, 2, polled.Calls)
		requests := node.eventRequests(t)
		require.Len(t, requests, 2)
		assert.Equal(t, uint32(1000), requests[1].StartLedger)
		assert.Equal(t, uint32(0), requests[1].EndLedger)
	})

	t.Run("invalid cursor", func(t *testing.T) {
		node := newFakeNode(t, 1, 100, uniformTimes)
		client := node.start(t, Options{})

		_, err := client.PollEvents(background, "yesterday", nil, collect(new([]string)))

		require.Error(t, err)
		assert.True(t, strings.HasPrefix(err.Error(), `invalid event cursor "yesterday": pass the Cursor of a previous ScanResult`), err.Error())
		assert.Equal(t, 0, node.callCount(protocol.GetEventsMethodName))
	})
}

func TestFiltersValidation(t *testing.T) {
	symbol := mustScVal(t, xdr.ScVal{Type: xdr.ScValTypeScvSymbol, Sym: ptr(xdr.ScSymbol("inference_logged"))})
	six := []string{testContractID, testContractID, testContractID, testContractID, testContractID, testContractID}
	tests := []struct {
		name    string
		filters []Filter
		wantErr string
	}{
		{name: "six filters", filters: make([]Filter, 6),
			wantErr: "invalid event filters: 6 filters, getEvents accepts at most 5; combine contract ids or topics into fewer filters"},
		{name: "six contract ids", filters: []Filter{{ContractIDs: six}},
			wantErr: "invalid event filter 1: 6 contract ids, at most 5 are accepted; split them over more filters"},
		{name: "account instead of contract", filters: []Filter{{}, {ContractIDs: []string{"GAAZI4TCR3TY5OJHCTJC2A4QSY6CJWJH5IAJTGKIN2ER7LBNVKOCCWN7"}}},
			wantErr: `invalid event filter 2: contract id 1 "GAAZI4TCR3TY5OJHCTJC2A4QSY6CJWJH5IAJTGKIN2ER7LBNVKOCCWN7" is not a contract strkey (C…): check the contract id`},
		{name: "six topic filters", filters: []Filter{{Topics: [][]string{{"*"}, {"*"}, {"*"}, {"*"}, {"*"}, {"*"}}}},
			wantErr: "invalid event filter 1: 6 topic filters, at most 5 are accepted; split them over more filters"},
		{name: "five segments", filters: []Filter{{Topics: [][]string{{symbol, "*", "*", "*", "*"}}}},
			wantErr: `invalid event filter 1: topic filter 1: topic cannot have more than 4 segments (segments: 5, allowed: 1 to 4 plus a trailing "**")`},
		{name: "no segments", filters: []Filter{{Topics: [][]string{{}}}},
			wantErr: `invalid event filter 1: topic filter 1: topic must have at least 1 segment (segments: 0, allowed: 1 to 4 plus a trailing "**")`},
		{name: "double wildcard first", filters: []Filter{{Topics: [][]string{{"**", symbol}}}},
			wantErr: `invalid event filter 1: topic filter 1: segment 1: "**" is only allowed as the last segment`},
		{name: "not base64 XDR", filters: []Filter{{Topics: [][]string{{symbol, "risk=high"}}}},
			wantErr: `invalid event filter 1: topic filter 1: segment 2 "risk=high" is neither a base64 XDR ScVal nor "*" or "**"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			node := newFakeNode(t, 1, 100, uniformTimes)
			client := node.start(t, Options{})

			_, err := client.ScanEvents(background, LedgerRange{1, 101}, tt.filters, collect(new([]string)))

			require.Error(t, err)
			assert.True(t, strings.HasPrefix(err.Error(), tt.wantErr), "error: %s", err)
			assert.Equal(t, 0, node.callCount(protocol.GetEventsMethodName))
		})
	}

	t.Run("valid filter is sent", func(t *testing.T) {
		node := newFakeNode(t, 1, 100, uniformTimes)
		node.addEvents(10, 1)
		client := node.start(t, Options{})
		filters := []Filter{{ContractIDs: []string{testContractID}, Topics: [][]string{{symbol, "*", "**"}}}}

		result, err := client.ScanEvents(background, LedgerRange{1, 101}, filters, collect(new([]string)))

		require.NoError(t, err)
		assert.Equal(t, 1, result.Events)
		requests := node.eventRequests(t)
		require.Len(t, requests, 1)
		require.Len(t, requests[0].Filters, 1)
		sent := requests[0].Filters[0]
		assert.Equal(t, []string{protocol.EventTypeContract}, sent.EventType.Keys())
		assert.Equal(t, []string{testContractID}, sent.ContractIDs)
		require.Len(t, sent.Topics, 1)
		require.Len(t, sent.Topics[0], 3)
		assert.Equal(t, symbol, mustScVal(t, *sent.Topics[0][0].ScVal))
		assert.Equal(t, "*", *sent.Topics[0][1].Wildcard)
		assert.Equal(t, "**", *sent.Topics[0][2].Wildcard)
	})
}

func mustScVal(t *testing.T, value xdr.ScVal) string {
	t.Helper()
	text, err := xdr.MarshalBase64(value)
	require.NoError(t, err)
	return text
}

func ptr[T any](v T) *T { return &v }
