package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modeltrace/soroban-datasource/pkg/sorobantest"
)

func fixtureServer(t *testing.T) (*sorobantest.Fixture, string) {
	t.Helper()
	fixture, err := sorobantest.LoadFixture(filepath.Join("..", "..", "..", "contracts", "testdata", "audit-registry", "scenario.json"))
	require.NoError(t, err)
	rpc := sorobantest.NewServer(sorobantest.Config{NetworkPassphrase: fixture.NetworkPassphrase})
	require.NoError(t, rpc.Seed(fixture))
	server := httptest.NewServer(rpc)
	t.Cleanup(server.Close)
	return fixture, server.URL
}

func TestQueryPrintsStats(t *testing.T) {
	fixture, url := fixtureServer(t)
	var out bytes.Buffer

	err := runQuery(context.Background(), []string{"--rpc-url", url, "--contract", fixture.ContractID}, &out)
	require.NoError(t, err)
	assert.Contains(t, out.String(), "| 6                  | 315                | 55                    | 12               | 1029           |")
	assert.Contains(t, out.String(), "executed: contract instance of "+fixture.ContractID+" at ledger 1029, read by getLedgerEntries within the last 2 s for another query; rpcCalls=0")
}

func TestQueryJSONRiskSeries(t *testing.T) {
	fixture, url := fixtureServer(t)
	var out bytes.Buffer

	err := runQuery(context.Background(), []string{
		"--rpc-url", url, "--contract", fixture.ContractID, "--output", "json", "--from-alert",
		"--from", "2026-01-01T00:00:00Z", "--to", "2026-01-01T00:05:00Z",
		"--query", `{"queryType":"riskSeries","minRisk":"critical"}`,
	}, &out)
	require.NoError(t, err)
	assert.Contains(t, out.String(), `"name": "risk"`)
	assert.Contains(t, out.String(), `"risk": "critical"`)
}

func TestQueryErrors(t *testing.T) {
	fixture, url := fixtureServer(t)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown type", []string{"--rpc-url", url, "--contract", fixture.ContractID, "--query", `{"queryType":"nope"}`},
			`query failed (downstream error): unknown query type "nope": use one of biasFlags, events, models, riskSeries, stats`},
		{"bad contract", []string{"--contract", "CBAD"}, `invalid settings: invalid registryContractId: "CBAD" is not a contract id`},
		{"bad json", []string{"--contract", fixture.ContractID, "--query", `{`}, `invalid --query "{": it is not valid JSON`},
		{"bad from", []string{"--from", "yesterday"}, `invalid --from: "yesterday": use RFC 3339 (2026-01-01T00:00:00Z), now or now-<duration>`},
		{"bad output", []string{"--output", "xml"}, `invalid --output "xml": use table or json`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := runQuery(context.Background(), tc.args, &bytes.Buffer{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestParseTimeRelative(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	got, err := parseTime("now-90m", now)
	require.NoError(t, err)
	assert.Equal(t, now.Add(-90*time.Minute), got)
}
