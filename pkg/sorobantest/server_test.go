package sorobantest

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stellar/go-stellar-sdk/clients/rpcclient"
	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"
	"github.com/stellar/go-stellar-sdk/xdr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGetHealth(t *testing.T) {
	s := NewServer(Config{RetentionWindow: 50})
	chain(t, s, 1, 80, 0)
	url := serve(t, s)

	var h protocol.GetHealthResponse
	result(t, url, "getHealth", nil, &h)
	assert.Equal(t, protocol.GetHealthResponse{
		Status:                "healthy",
		LatestLedger:          80,
		LatestLedgerCloseTime: closeAt(80).Unix(),
		OldestLedger:          31,
		OldestLedgerCloseTime: closeAt(31).Unix(),
		LedgerRetentionWindow: 50,
	}, h)

	t.Run("close times are strings", func(t *testing.T) {
		r := call(t, url, "getHealth", nil)
		assert.Contains(t, string(r.Result), `"latestLedgerCloseTime":"1767226000"`)
	})

	t.Run("first ledger inside the window", func(t *testing.T) {
		young := NewServer(Config{})
		chain(t, young, 1000, 1010, 0)
		var h protocol.GetHealthResponse
		result(t, serve(t, young), "getHealth", nil, &h)
		assert.Equal(t, uint32(1000), h.OldestLedger)
		assert.Equal(t, uint32(DefaultRetentionWindow), h.LedgerRetentionWindow)
	})

	t.Run("no ledgers", func(t *testing.T) {
		err := rpcError(t, serve(t, NewServer(Config{})), "getHealth", nil)
		assert.Equal(t, Error{Code: CodeInternalError, Message: "data stores are not initialized"}, err)
	})
}

func TestGetNetworkAndLatestLedger(t *testing.T) {
	s := NewServer(Config{NetworkPassphrase: "Test SDF Network ; September 2015", ProtocolVersion: 25})
	chain(t, s, 5, 9, 0)
	url := serve(t, s)

	var n protocol.GetNetworkResponse
	result(t, url, "getNetwork", nil, &n)
	assert.Equal(t, protocol.GetNetworkResponse{Passphrase: "Test SDF Network ; September 2015", ProtocolVersion: 25}, n)

	var l protocol.GetLatestLedgerResponse
	result(t, url, "getLatestLedger", nil, &l)
	assert.Equal(t, uint32(9), l.Sequence)
	assert.Equal(t, closeAt(9).Unix(), l.LedgerCloseTime)
	assert.Equal(t, uint32(25), l.ProtocolVersion)
	assert.Equal(t, LedgerHash(9), l.Hash)

	t.Run("defaults", func(t *testing.T) {
		d := NewServer(Config{})
		var n protocol.GetNetworkResponse
		result(t, serve(t, d), "getNetwork", nil, &n)
		assert.Equal(t, "Standalone Network ; February 2017", n.Passphrase)
		assert.Equal(t, 23, n.ProtocolVersion)
	})
}

func TestGetLedgers(t *testing.T) {
	s := NewServer(Config{RetentionWindow: 500})
	chain(t, s, 1, 600, 0)
	url := serve(t, s)

	t.Run("default page of 50", func(t *testing.T) {
		var resp protocol.GetLedgersResponse
		result(t, url, "getLedgers", map[string]any{"startLedger": 120}, &resp)
		require.Len(t, resp.Ledgers, 50)
		assert.Equal(t, uint32(120), resp.Ledgers[0].Sequence)
		assert.Equal(t, closeAt(120).Unix(), resp.Ledgers[0].LedgerCloseTime)
		assert.Equal(t, LedgerHash(120), resp.Ledgers[0].Hash)
		assert.Equal(t, "169", resp.Cursor)
		assert.Equal(t, uint32(600), resp.LatestLedger)
		assert.Equal(t, uint32(101), resp.OldestLedger)
		assert.Equal(t, closeAt(101).Unix(), resp.OldestLedgerCloseTime)
	})

	t.Run("cursor pages", func(t *testing.T) {
		var first, next protocol.GetLedgersResponse
		result(t, url, "getLedgers", map[string]any{"startLedger": 101, "pagination": map[string]any{"limit": 200}}, &first)
		require.Len(t, first.Ledgers, 200)
		assert.Equal(t, "300", first.Cursor)

		result(t, url, "getLedgers", map[string]any{"pagination": map[string]any{"cursor": first.Cursor, "limit": 200}}, &next)
		require.Len(t, next.Ledgers, 200)
		assert.Equal(t, uint32(301), next.Ledgers[0].Sequence)
		assert.Equal(t, "500", next.Cursor)
	})

	t.Run("last page is short", func(t *testing.T) {
		var resp protocol.GetLedgersResponse
		result(t, url, "getLedgers", map[string]any{"startLedger": 590, "pagination": map[string]any{"limit": 200}}, &resp)
		assert.Len(t, resp.Ledgers, 11)
		assert.Equal(t, "600", resp.Cursor)
	})

	cases := []struct {
		name   string
		params map[string]any
		code   int
		msg    string
	}{
		{"limit above 200", map[string]any{"startLedger": 200, "pagination": map[string]any{"limit": 201}},
			CodeInvalidRequest, "limit must not exceed 200"},
		{"before retention", map[string]any{"startLedger": 100},
			CodeInvalidRequest, "start ledger (100) must be between the oldest ledger: 101 and the latest ledger: 600 for this rpc instance"},
		{"cursor and start", map[string]any{"startLedger": 200, "pagination": map[string]any{"cursor": "300"}},
			CodeInvalidRequest, "startLedger (200) and cursor (300) cannot both be set"},
		{"cursor at latest", map[string]any{"pagination": map[string]any{"cursor": "600"}},
			CodeInvalidParams, "cursor ('600') must be between the oldest ledger: 101 and the latest ledger: 600 for this rpc instance"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := rpcError(t, url, "getLedgers", tc.params)
			assert.Equal(t, Error{Code: tc.code, Message: tc.msg}, err)
		})
	}
}

func contractDataKey(t *testing.T, n uint64) (string, string) {
	t.Helper()
	var id xdr.ContractId
	id[0] = 7
	u := xdr.Uint64(n)
	key := xdr.ScVal{Type: xdr.ScValTypeScvU64, U64: &u}
	addr := xdr.ScAddress{Type: xdr.ScAddressTypeScAddressTypeContract, ContractId: &id}
	lk := xdr.LedgerKey{Type: xdr.LedgerEntryTypeContractData, ContractData: &xdr.LedgerKeyContractData{
		Contract: addr, Key: key, Durability: xdr.ContractDataDurabilityPersistent,
	}}
	entry := xdr.LedgerEntry{LastModifiedLedgerSeq: xdr.Uint32(n + 10), Data: xdr.LedgerEntryData{
		Type: xdr.LedgerEntryTypeContractData,
		ContractData: &xdr.ContractDataEntry{
			Contract: addr, Key: key, Durability: xdr.ContractDataDurabilityPersistent, Val: key,
		},
	}}
	k, err := xdr.MarshalBase64(lk)
	require.NoError(t, err)
	e, err := xdr.MarshalBase64(entry)
	require.NoError(t, err)
	return k, e
}

func TestGetLedgerEntries(t *testing.T) {
	s := NewServer(Config{})
	chain(t, s, 1, 3, 0)
	k1, e1 := contractDataKey(t, 1)
	k2, e2 := contractDataKey(t, 2)
	missing, _ := contractDataKey(t, 3)
	s.SetLedgerEntry(k1, e1)
	s.SetLedgerEntry(k2, e2)
	url := serve(t, s)

	var resp protocol.GetLedgerEntriesResponse
	result(t, url, "getLedgerEntries", map[string]any{"keys": []string{k2, missing, k1}}, &resp)
	assert.Equal(t, uint32(3), resp.LatestLedger)
	require.Len(t, resp.Entries, 2)
	assert.Equal(t, k2, resp.Entries[0].KeyXDR)
	assert.Equal(t, k1, resp.Entries[1].KeyXDR)
	assert.Equal(t, uint32(12), resp.Entries[0].LastModifiedLedger)

	var data xdr.LedgerEntryData
	require.NoError(t, xdr.SafeUnmarshalBase64(resp.Entries[0].DataXDR, &data))
	assert.Equal(t, xdr.Uint64(2), *data.ContractData.Val.U64)

	t.Run("delete", func(t *testing.T) {
		require.NoError(t, s.DeleteLedgerEntry(k1))
		var resp protocol.GetLedgerEntriesResponse
		result(t, url, "getLedgerEntries", map[string]any{"keys": []string{k1}}, &resp)
		assert.Empty(t, resp.Entries)
		s.SetLedgerEntry(k1, e1)
	})

	ttl, err := xdr.MarshalBase64(xdr.LedgerKey{Type: xdr.LedgerEntryTypeTtl, Ttl: &xdr.LedgerKeyTtl{}})
	require.NoError(t, err)
	cases := []struct {
		name string
		keys []string
		msg  string
	}{
		{"201 keys", make([]string, 201), "key count (201) exceeds maximum supported (200)"},
		{"bad key", []string{k1, "AAAA"}, "cannot unmarshal key value AAAA at index 1"},
		{"ttl key", []string{ttl}, "ledger ttl entries cannot be queried directly"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := rpcError(t, url, "getLedgerEntries", map[string]any{"keys": tc.keys})
			assert.Equal(t, Error{Code: CodeInvalidParams, Message: tc.msg}, err)
		})
	}

	t.Run("200 keys", func(t *testing.T) {
		keys := make([]string, 200)
		for i := range keys {
			keys[i] = k1
		}
		var resp protocol.GetLedgerEntriesResponse
		result(t, url, "getLedgerEntries", map[string]any{"keys": keys}, &resp)
		assert.Len(t, resp.Entries, 1)
	})
}

func TestJSONRPCFraming(t *testing.T) {
	s := NewServer(Config{})
	chain(t, s, 1, 2, 0)
	url := serve(t, s)

	t.Run("unknown method", func(t *testing.T) {
		err := rpcError(t, url, "getFeeStats", nil)
		assert.Equal(t, Error{Code: CodeMethodNotFound, Message: `method "getFeeStats" not found`}, err)
		assert.Equal(t, 1, s.Calls("getFeeStats"))
	})

	t.Run("parse error", func(t *testing.T) {
		r := post(t, url, []byte("{not json"))
		require.NotNil(t, r.Error)
		assert.Equal(t, CodeParseError, r.Error.Code)
	})

	t.Run("bad params", func(t *testing.T) {
		err := rpcError(t, url, "getEvents", []int{1})
		assert.Equal(t, CodeInvalidParams, err.Code)
		assert.True(t, strings.HasPrefix(err.Message, "invalid parameters: "), err.Message)
	})

	t.Run("batch", func(t *testing.T) {
		r := post(t, url, []byte(`[{"jsonrpc":"2.0","id":1,"method":"getNetwork"},{"jsonrpc":"2.0","id":"b","method":"getLatestLedger"}]`))
		require.Equal(t, http.StatusOK, r.Status)
		var replies []struct {
			ID     json.RawMessage `json:"id"`
			Result json.RawMessage `json:"result"`
		}
		require.NoError(t, json.Unmarshal(r.Body, &replies))
		require.Len(t, replies, 2)
		assert.Equal(t, `"b"`, string(replies[1].ID))
		assert.Contains(t, string(replies[1].Result), `"sequence":2`)
	})

	t.Run("GET rejected", func(t *testing.T) {
		resp, err := http.Get(url)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	})

	t.Run("extension handler", func(t *testing.T) {
		s.Handle("getVersionInfo", func(_ context.Context, _ json.RawMessage) (any, error) {
			return protocol.GetVersionInfoResponse{Version: "sorobantest"}, nil
		})
		s.Handle("simulateTransaction", func(_ context.Context, params json.RawMessage) (any, error) {
			return nil, &Error{Code: CodeInvalidParams, Message: "bad transaction " + string(params)}
		})
		var v protocol.GetVersionInfoResponse
		result(t, url, "getVersionInfo", nil, &v)
		assert.Equal(t, "sorobantest", v.Version)
		err := rpcError(t, url, "simulateTransaction", map[string]any{"transaction": "x"})
		assert.Equal(t, Error{Code: CodeInvalidParams, Message: `bad transaction {"transaction":"x"}`}, err)
		assert.Contains(t, s.Methods(), "simulateTransaction")
	})
}

// TestStellarClient reads the server through go-stellar-sdk's rpcclient, which checks
// that the JSON shapes decode as the SDK expects.
func TestStellarClient(t *testing.T) {
	s := NewServer(Config{})
	chain(t, s, 10, 20, 2)
	client := rpcclient.NewClient(serve(t, s), nil)
	t.Cleanup(func() { _ = client.Close() })
	ctx := context.Background()

	health, err := client.GetHealth(ctx)
	require.NoError(t, err)
	assert.Equal(t, uint32(20), health.LatestLedger)

	events, err := client.GetEvents(ctx, protocol.GetEventsRequest{
		StartLedger: 10, EndLedger: 12, Pagination: &protocol.PaginationOptions{Limit: 3},
	})
	require.NoError(t, err)
	assert.Equal(t, []string{
		protocol.Cursor{Ledger: 10, Tx: 1}.String(),
		protocol.Cursor{Ledger: 10, Tx: 2}.String(),
		protocol.Cursor{Ledger: 11, Tx: 1}.String(),
	}, eventIDs(events.Events))

	ledgers, err := client.GetLedgers(ctx, protocol.GetLedgersRequest{StartLedger: 18})
	require.NoError(t, err)
	assert.Len(t, ledgers.Ledgers, 3)

	_, err = client.GetEvents(ctx, protocol.GetEventsRequest{StartLedger: 5})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "startLedger must be within the ledger range: 10 - 20")
}
