package main

import (
	"bytes"
	"context"
	"flag"
	"io"
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
		{"bad from", []string{"--from", "yesterday"}, `invalid --from: "yesterday": use RFC 3339 (2026-01-01T00:00:00Z), now or ` + lookbackHelp},
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
	cases := []struct {
		value string
		want  time.Time
	}{
		{"now", now},
		{"now-90m", now.Add(-90 * time.Minute)},
		{"now-1h30m", now.Add(-90 * time.Minute)},
		{"now-500ms", now.Add(-500 * time.Millisecond)},
		{"now-0s", now},
		{"now-7d", time.Date(2025, 12, 26, 3, 4, 5, 0, time.UTC)},
		{"now-1d12h", time.Date(2025, 12, 31, 15, 4, 5, 0, time.UTC)},
		{"now-2w", time.Date(2025, 12, 19, 3, 4, 5, 0, time.UTC)},
		{"now-1w2d3h", time.Date(2025, 12, 24, 0, 4, 5, 0, time.UTC)},
		{"2026-01-01T00:00:00Z", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tc := range cases {
		t.Run(tc.value, func(t *testing.T) {
			got, err := parseTime(tc.value, now)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestParseTimeErrors(t *testing.T) {
	const units = "use now-<duration> with units ms, s, m, h, d (24 h) or w (7 d), e.g. now-7d or now-1d12h"
	const tooLong = "longer than the maximum of 106751d: use a shorter duration"
	cases := []struct {
		value string
		want  string
	}{
		{"now-", `"now-": ` + units},
		{"now-7", `"now-7": ` + units},
		{"now-7x", `"now-7x": ` + units},
		{"now-1.5d", `"now-1.5d": ` + units},
		{"now-1h2d", `"now-1h2d": ` + units},
		{"now-d", `"now-d": ` + units},
		{"now--1h", `"now--1h": ` + units},
		{"now-+1h", `"now-+1h": ` + units},
		{"now-7d/d", `"now-7d/d": ` + units},
		{"now-106752d", `"now-106752d": ` + tooLong},
		{"now-99999999999999999999w", `"now-99999999999999999999w": ` + tooLong},
		{"now-106751d24h", `"now-106751d24h": ` + tooLong},
		{"now+1h", `"now+1h": use RFC 3339 (2026-01-01T00:00:00Z), now or ` + units[len("use "):]},
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range cases {
		t.Run(tc.value, func(t *testing.T) {
			_, err := parseTime(tc.value, now)
			assert.EqualError(t, err, tc.want)
		})
	}
}

func TestQueryTimeRangeFlagErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--from", "now-7w3x"}, `invalid --from: "now-7w3x": use now-<duration> with units ms, s, m, h, d (24 h) or w (7 d), e.g. now-7d or now-1d12h`},
		{[]string{"--to", "now-1y"}, `invalid --to: "now-1y": use now-<duration> with units ms, s, m, h, d (24 h) or w (7 d), e.g. now-7d or now-1d12h`},
	}
	for _, tc := range cases {
		t.Run(tc.args[1], func(t *testing.T) {
			_, err := parseQueryFlags(tc.args, io.Discard, time.Now())
			assert.EqualError(t, err, tc.want)
		})
	}
}

func TestQueryFlagHelp(t *testing.T) {
	var out bytes.Buffer
	_, err := parseQueryFlags([]string{"-h"}, &out, time.Now())
	require.ErrorIs(t, err, flag.ErrHelp)
	help := out.String()
	assert.Contains(t, help, "start of the time range: RFC 3339 or now-<duration> with units ms, s, m, h, d (24 h) or w (7 d), e.g. now-7d or now-1d12h (default \"now-1h\")")
	assert.Contains(t, help, "timeout of each RPC request in seconds, like the datasource's timeoutSeconds (default 30)")
}
