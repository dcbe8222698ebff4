package sorobantest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stellar/go-stellar-sdk/strkey"
	"github.com/stellar/go-stellar-sdk/xdr"
	"github.com/stretchr/testify/require"
)

// testContract is a fixed contract strkey for tests.
var testContract = strkey.MustEncode(strkey.VersionByteContract, bytes.Repeat([]byte{7}, 32))

// otherContract is a second contract strkey for filter tests.
var otherContract = strkey.MustEncode(strkey.VersionByteContract, bytes.Repeat([]byte{9}, 32))

// baseTime is the close time of ledger 0 in test chains; ledger n closes n*5s later.
var baseTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func closeAt(seq uint32) time.Time {
	return baseTime.Add(time.Duration(seq) * 5 * time.Second)
}

func symbolTopic(t testing.TB, s string) string {
	t.Helper()
	sym := xdr.ScSymbol(s)
	v, err := xdr.MarshalBase64(xdr.ScVal{Type: xdr.ScValTypeScvSymbol, Sym: &sym})
	require.NoError(t, err)
	return v
}

func u64Topic(t testing.TB, n uint64) string {
	t.Helper()
	u := xdr.Uint64(n)
	v, err := xdr.MarshalBase64(xdr.ScVal{Type: xdr.ScValTypeScvU64, U64: &u})
	require.NoError(t, err)
	return v
}

// chain adds ledgers first..last with perLedger events each. Event j of a ledger is tx
// j+1 with topics [Symbol "ping", U64 j] and value U64 ledger.
func chain(t testing.TB, s *Server, first, last uint32, perLedger int) {
	t.Helper()
	ping := symbolTopic(t, "ping")
	for seq := first; seq <= last; seq++ {
		s.AddLedger(seq, closeAt(seq))
		for j := range perLedger {
			require.NoError(t, s.AppendEvent(StoredEvent{
				Ledger: seq, TxIndex: uint32(j + 1), ContractID: testContract,
				Topics: []string{ping, u64Topic(t, uint64(j))}, Value: u64Topic(t, uint64(seq)),
			}))
		}
	}
}

func serve(t testing.TB, s *Server) string {
	t.Helper()
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts.URL
}

type reply struct {
	Status int
	Header http.Header
	Body   []byte
	Result json.RawMessage `json:"result"`
	Error  *Error          `json:"error"`
}

// call posts one JSON-RPC request and returns the decoded reply.
func call(t testing.TB, url, method string, params any) reply {
	t.Helper()
	req := map[string]any{"jsonrpc": "2.0", "id": 1, "method": method}
	if params != nil {
		req["params"] = params
	}
	body, err := json.Marshal(req)
	require.NoError(t, err)
	return post(t, url, body)
}

func post(t testing.TB, url string, body []byte) reply {
	t.Helper()
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)

	r := reply{Status: resp.StatusCode, Header: resp.Header, Body: data}
	if resp.StatusCode == http.StatusOK && len(data) > 0 && data[0] == '{' {
		require.NoError(t, json.Unmarshal(data, &r), string(data))
	}
	return r
}

// result posts a request that must succeed and decodes its result into dst.
func result(t testing.TB, url, method string, params, dst any) {
	t.Helper()
	r := call(t, url, method, params)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Nil(t, r.Error, string(r.Body))
	require.NoError(t, json.Unmarshal(r.Result, dst))
}

// rpcError posts a request that must fail and returns its JSON-RPC error.
func rpcError(t testing.TB, url, method string, params any) Error {
	t.Helper()
	r := call(t, url, method, params)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.NotNil(t, r.Error, string(r.Body))
	return *r.Error
}
