package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"
	"github.com/stellar/go-stellar-sdk/xdr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modeltrace/soroban-datasource/pkg/registry"
	"github.com/modeltrace/soroban-datasource/pkg/sorobantest"
)

// syncBuffer is a bytes.Buffer safe for the logger and the test to share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func rpcCall(t *testing.T, url, method string, params, dst any) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
	require.NoError(t, err)
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	var reply struct {
		Result json.RawMessage    `json:"result"`
		Error  *sorobantest.Error `json:"error"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&reply))
	require.Nil(t, reply.Error)
	require.NoError(t, json.Unmarshal(reply.Result, dst))
}

func TestParseSandboxFlags(t *testing.T) {
	var out bytes.Buffer
	opts, err := parseSandboxFlags(nil, &out)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:8000", opts.Addr)
	assert.Equal(t, "Standalone Network ; February 2017", opts.Passphrase)
	assert.Equal(t, 5*time.Second, opts.Generator.LedgerInterval)
	assert.Equal(t, 20, opts.Generator.EventsPerLedger)
	assert.Equal(t, [4]int{79, 19, 1, 1}, opts.Generator.RiskWeights)
	assert.Equal(t, 0.02, opts.Generator.BiasRate)
	assert.Equal(t, uint(120960), opts.Retention)

	opts, err = parseSandboxFlags([]string{"--listen=0.0.0.0:9000", "--risk-mix=low:70,critical:30", "--models=3"}, &out)
	require.NoError(t, err)
	assert.Equal(t, "0.0.0.0:9000", opts.Addr)
	assert.Equal(t, [4]int{70, 0, 0, 30}, opts.Generator.RiskWeights)
	assert.Equal(t, 3, opts.Generator.Models)

	cases := []struct {
		name string
		args []string
		msg  string
	}{
		{"three weights", []string{"--risk-mix=1,2,3"}, `invalid --risk-mix "1,2,3": give four weights for low,medium,high,critical, e.g. 70,20,8,2`},
		{"unknown level", []string{"--risk-mix=low:1,severe:2"}, `invalid --risk-mix entry "severe:2": use level:weight with levels [low medium high critical]`},
		{"zero weights", []string{"--risk-mix=0,0,0,0"}, `invalid --risk-mix "0,0,0,0": at least one weight must be above 0`},
		{"bad weight", []string{"--risk-mix=1,x,0,0"}, `invalid --risk-mix weight "x": use a whole number of 0 or more`},
		{"bias rate", []string{"--bias-rate=2"}, "invalid --bias-rate 2: use a share from 0 to 1"},
		{"zero interval", []string{"--ledger-interval=0s"}, "invalid --ledger-interval 0s: use a duration above 0, e.g. 5s"},
		{"no models", []string{"--models=0"}, "invalid --models 0: register at least 1 model"},
		{"extra argument", []string{"extra"}, `unexpected arguments ["extra"]: sandbox takes only flags`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseSandboxFlags(tc.args, &out)
			require.Error(t, err)
			assert.Equal(t, tc.msg, err.Error())
		})
	}
}

func TestNewSandboxHistory(t *testing.T) {
	opts, err := parseSandboxFlags([]string{"--history=1m", "--events-per-ledger=5", "--models=2"}, &bytes.Buffer{})
	require.NoError(t, err)
	now := time.Date(2026, 12, 4, 14, 0, 0, 0, time.UTC)
	sb, err := newSandbox(opts, now)
	require.NoError(t, err)

	ledger, closeTime := sb.gen.Ledger()
	assert.Equal(t, uint32(1012), ledger)
	assert.Equal(t, now, closeTime)
	assert.Equal(t, uint64(2), sb.gen.Stats().TotalModels)
	assert.Equal(t, uint64(12*5), sb.gen.Stats().TotalEvents)

	require.NoError(t, sb.advance(now.Add(5*time.Second)))
	ledger, closeTime = sb.gen.Ledger()
	assert.Equal(t, uint32(1013), ledger)
	assert.Equal(t, now.Add(5*time.Second), closeTime)
}

// TestSandboxServes runs the command in-process on a loopback port with a fast ledger
// interval, reads it over HTTP and stops it through its context.
func TestSandboxServes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var logs syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"sandbox", "--addr=127.0.0.1:0", "--ledger-interval=20ms",
			"--history=100ms", "--events-per-ledger=4", "--models=2"}, &logs, &logs)
	}()

	var url string
	urlPattern := regexp.MustCompile(`rpc_url=(http://127\.0\.0\.1:\d+/rpc)`)
	require.Eventually(t, func() bool {
		m := urlPattern.FindStringSubmatch(logs.String())
		if m != nil {
			url = m[1]
		}
		return m != nil
	}, 5*time.Second, 10*time.Millisecond, "no start log line: %s", logs.String())
	assert.Contains(t, logs.String(), "contract="+sorobantest.DefaultContractID)

	var first protocol.GetLatestLedgerResponse
	rpcCall(t, url, "getLatestLedger", nil, &first)
	require.Eventually(t, func() bool {
		var l protocol.GetLatestLedgerResponse
		rpcCall(t, url, "getLatestLedger", nil, &l)
		return l.Sequence >= first.Sequence+3
	}, 5*time.Second, 20*time.Millisecond)

	var health protocol.GetHealthResponse
	rpcCall(t, url, "getHealth", nil, &health)
	assert.Equal(t, "healthy", health.Status)
	assert.Equal(t, uint32(1000), health.OldestLedger)

	var events protocol.GetEventsResponse
	rpcCall(t, url, "getEvents", map[string]any{"startLedger": 1000, "filters": []map[string]any{{
		"topics": [][]string{{registry.TopicSymbol(registry.KindInferenceLogged), "*", "*"}},
	}}}, &events)
	assert.GreaterOrEqual(t, len(events.Events), 4*4)

	key, err := registry.InstanceKey(sorobantest.DefaultContractID)
	require.NoError(t, err)
	keyText, err := xdr.MarshalBase64(key)
	require.NoError(t, err)
	var entries protocol.GetLedgerEntriesResponse
	rpcCall(t, url, "getLedgerEntries", map[string]any{"keys": []string{keyText}}, &entries)
	require.Len(t, entries.Entries, 1)
	var data xdr.LedgerEntryData
	require.NoError(t, xdr.SafeUnmarshalBase64(entries.Entries[0].DataXDR, &data))
	stats, err := registry.DecodeStats(xdr.LedgerEntry{Data: data})
	require.NoError(t, err)
	assert.Equal(t, uint64(2), stats.TotalModels)
	assert.Positive(t, stats.TotalEvents)

	cancel()
	select {
	case code := <-done:
		assert.Equal(t, 0, code)
	case <-time.After(5 * time.Second):
		require.FailNow(t, "sandbox did not stop within 5s")
	}
	assert.Contains(t, logs.String(), `msg="sandbox stopped"`)

	host := strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/rpc")
	_, err = net.DialTimeout("tcp", host, time.Second)
	assert.Error(t, err, "the port is closed after the stop")
}

func TestSandboxFixture(t *testing.T) {
	const path = "../../../contracts/testdata/audit-registry/scenario.json"
	f, err := sorobantest.LoadFixture(path)
	if err != nil {
		t.Skipf("fixture not available yet (%v): run the audit-registry contract tests", err)
	}
	opts, err := parseSandboxFlags([]string{"--fixture=" + path}, &bytes.Buffer{})
	require.NoError(t, err)
	sb, err := newSandbox(opts, time.Now())
	require.NoError(t, err)

	ledger, _ := sb.gen.Ledger()
	assert.Equal(t, f.Ledgers[len(f.Ledgers)-1].Sequence, ledger)
	assert.Equal(t, f.ContractID, sb.gen.ContractID())
	require.NoError(t, sb.advance(time.Now()))
	ledger, _ = sb.gen.Ledger()
	assert.Equal(t, f.Ledgers[len(f.Ledgers)-1].Sequence+1, ledger)
}
