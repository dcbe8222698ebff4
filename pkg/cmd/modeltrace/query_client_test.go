package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stellar/go-stellar-sdk/strkey"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modeltrace/soroban-datasource/pkg/plugin"
	"github.com/modeltrace/soroban-datasource/pkg/sorobantest"
)

const testAuthValue = "s3cr3t"

// testContractID is the contract strkey of 32 zero bytes.
var testContractID = strkey.MustEncode(strkey.VersionByteContract, make([]byte, 32))

// recordingServer records the headers and JSON-RPC method of every request it serves.
type recordingServer struct {
	mu      sync.Mutex
	headers []http.Header
	methods []string
}

func (s *recordingServer) requestHeaders() []http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]http.Header(nil), s.headers...)
}

func (s *recordingServer) requestMethods() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.methods...)
}

// record stores the request and returns its body and its position, counted from 1.
func (s *recordingServer) record(r *http.Request) ([]byte, int) {
	body, _ := io.ReadAll(r.Body)
	var call struct {
		Method string `json:"method"`
	}
	_ = json.Unmarshal(body, &call)

	s.mu.Lock()
	defer s.mu.Unlock()
	s.headers = append(s.headers, r.Header.Clone())
	s.methods = append(s.methods, call.Method)
	return body, len(s.headers)
}

// startRecordingServer serves the audit-registry fixture on loopback. Every request goes
// to before first, if set, which returns false when it has written the response itself.

func startRecordingServer(t *testing.T, before func(w http.ResponseWriter, r *http.Request, count int) bool) (*recordingServer, *sorobantest.Fixture, string) {
	t.Helper()
	fixture, err := sorobantest.LoadFixture(filepath.Join("..", "..", "..", "contracts", "testdata", "audit-registry", "scenario.json"))
	require.NoError(t, err)
	rpc := sorobantest.NewServer(sorobantest.Config{NetworkPassphrase: fixture.NetworkPassphrase})
	require.NoError(t, rpc.Seed(fixture))

	recorder := &recordingServer{}
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Reading the whole body also lets the server notice when the client drops the
		// connection, which ends r.Context().
		body, count := recorder.record(r)
		if before != nil && !before(w, r, count) {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rpc.ServeHTTP(w, r)
	}))
	t.Cleanup(server.Close)
	return recorder, fixture, server.URL
}

func TestQuerySendsAuthHeader(t *testing.T) {
	t.Setenv(authValueEnv, testAuthValue)
	recorder, fixture, url := startRecordingServer(t, nil)
	var stdout, stderr bytes.Buffer

	code := run(context.Background(), []string{"query",
		"--rpc-url", url, "--contract", fixture.ContractID, "--auth-header", "X-Api-Key"}, &stdout, &stderr)

	assert.Equal(t, 0, code)
	assert.Equal(t, "", stderr.String())
	assert.Equal(t, []string{"getNetwork", "getLedgerEntries"}, recorder.requestMethods())
	for i, header := range recorder.requestHeaders() {
		assert.Equal(t, []string{testAuthValue}, header.Values("X-Api-Key"), "request %d", i)
	}
	assert.Contains(t, stdout.String(), "| 6                  | 315                | 55                    | 12               | 1029           |")
	assert.NotContains(t, stdout.String(), testAuthValue)
}

func TestQueryAuthFailureHidesValue(t *testing.T) {
	t.Setenv(authValueEnv, testAuthValue)
	rejectKey := func(w http.ResponseWriter, r *http.Request, _ int) bool {
		// The body echoes the key, as some proxies do, to check that no output repeats it.
		http.Error(w, "invalid key "+r.Header.Get("X-Api-Key"), http.StatusUnauthorized)
		return false
	}
	recorder, fixture, url := startRecordingServer(t, rejectKey)
	var stdout, stderr bytes.Buffer

	code := run(context.Background(), []string{"query",
		"--rpc-url", url, "--contract", fixture.ContractID, "--auth-header", "X-Api-Key"}, &stdout, &stderr)

	assert.Equal(t, 1, code)
	assert.Equal(t, "", stdout.String())
	assert.Equal(t, "modeltrace query: query failed (downstream error): read the network of the RPC at "+url+
		": getNetwork failed: HTTP 401 Unauthorized from the RPC: "+
		"check the auth header name and value in the datasource settings\n", stderr.String())
	headers := recorder.requestHeaders()
	require.Len(t, headers, 1)
	assert.Equal(t, []string{testAuthValue}, headers[0].Values("X-Api-Key"))
}

func TestQueryAuthValueWithoutHeaderName(t *testing.T) {
	t.Setenv(authValueEnv, testAuthValue)
	recorder, fixture, url := startRecordingServer(t, nil)
	var stdout, stderr bytes.Buffer

	code := run(context.Background(), []string{"query", "--rpc-url", url, "--contract", fixture.ContractID}, &stdout, &stderr)

	assert.Equal(t, 1, code)
	assert.Equal(t, "", stdout.String())
	assert.Equal(t, "modeltrace query: invalid settings: auth header name is missing: set authHeaderName "+
		"(e.g. Authorization) for the configured auth header value\n", stderr.String())
	assert.Empty(t, recorder.requestHeaders())
}

func TestQueryWithoutAuthHeader(t *testing.T) {
	t.Setenv(authValueEnv, "")
	recorder, fixture, url := startRecordingServer(t, nil)

	err := runQuery(context.Background(), []string{"--rpc-url", url, "--contract", fixture.ContractID}, &bytes.Buffer{})

	require.NoError(t, err)
	assert.Equal(t, []string{"getNetwork", "getLedgerEntries"}, recorder.requestMethods())
	for i, header := range recorder.requestHeaders() {
		assert.Empty(t, header.Values("X-Api-Key"), "request %d", i)
	}
}

func TestQueryTimeoutSettings(t *testing.T) {
	cases := []struct {
		args []string
		want time.Duration
	}{
		{nil, 30 * time.Second},
		{[]string{"--timeout", "7"}, 7 * time.Second},
		{[]string{"--timeout=120"}, 2 * time.Minute},
	}
	for _, tc := range cases {
		t.Run(tc.want.String(), func(t *testing.T) {
			args := append([]string{"--contract", testContractID}, tc.args...)
			opts, err := parseQueryFlags(args, &bytes.Buffer{}, time.Now())
			require.NoError(t, err)
			settings, err := plugin.LoadSettings(opts.Settings)
			require.NoError(t, err)
			assert.Equal(t, tc.want, settings.Timeout)
		})
	}
}

func TestQueryTimeoutErrors(t *testing.T) {
	cases := []struct {
		value string
		want  string
	}{
		{"0", "invalid --timeout 0: use a whole number of seconds of at least 1"},
		{"-5", "invalid --timeout -5: use a whole number of seconds of at least 1"},
		{"1.5", `invalid value "1.5" for flag -timeout: parse error`},
		{"10s", `invalid value "10s" for flag -timeout: parse error`},
	}
	for _, tc := range cases {
		t.Run(tc.value, func(t *testing.T) {
			_, err := parseQueryFlags([]string{"--timeout", tc.value}, &bytes.Buffer{}, time.Now())
			assert.EqualError(t, err, tc.want)
		})
	}
}

// TestQueryTimeoutEndsRequest holds the first request until the client drops it. With
// --timeout 1 the retry succeeds well inside the test's 20 s bound; with the 30 s default
// the query would outlast the bound and fail.
func TestQueryTimeoutEndsRequest(t *testing.T) {
	holdFirst := func(_ http.ResponseWriter, r *http.Request, count int) bool {
		if count > 1 {
			return true
		}
		select {
		case <-r.Context().Done():
		case <-time.After(20 * time.Second):
		}
		return false
	}
	recorder, fixture, url := startRecordingServer(t, holdFirst)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var stdout bytes.Buffer

	err := runQuery(ctx, []string{"--rpc-url", url, "--contract", fixture.ContractID, "--timeout", "1"}, &stdout)

	require.NoError(t, err)
	assert.Equal(t, []string{"getNetwork", "getNetwork", "getLedgerEntries"}, recorder.requestMethods())
	assert.Contains(t, stdout.String(), "| 6                  | 315                | 55                    | 12               | 1029           |")
}
