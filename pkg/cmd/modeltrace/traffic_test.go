package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stellar/go-stellar-sdk/keypair"
	"github.com/stellar/go-stellar-sdk/strkey"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modeltrace/soroban-datasource/pkg/sorobantest"
)

func TestTrafficHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"traffic", "-h"}, &stdout, &stderr)
	assert.Equal(t, 0, code)
	assert.Contains(t, stdout.String(), "-secret-file")
	assert.Contains(t, stdout.String(), "-risk-mix")
}

func TestTrafficUsageError(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"traffic", "--rate=1"}, &stdout, &stderr)
	assert.Equal(t, 1, code)
	assert.Equal(t, "modeltrace traffic: missing secret key: set --secret-file (or --secret)\n", stderr.String())
}

func TestTrafficParseErrorPrintsUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"traffic", "--rate=fast"}, &stdout, &stderr)
	assert.Equal(t, 1, code)
	assert.Empty(t, stdout.String())
	assert.True(t, strings.HasPrefix(stderr.String(),
		"modeltrace traffic: invalid value \"fast\" for flag -rate: parse error\nusage: modeltrace traffic [flags]\n"), stderr.String())
	assert.Contains(t, stderr.String(), "  -secret-file string")
}

func TestTrafficRejectsRates(t *testing.T) {
	for _, rate := range []string{"+Inf", "NaN", "2e9", "-1"} {
		t.Run(rate, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{
				"traffic", "--rpc-url=http://127.0.0.1:1/rpc", "--passphrase=p", "--secret=SDUMMY",
				"--contract=" + sorobantest.DefaultContractID, "--rate=" + rate,
			}, &stdout, &stderr)
			assert.Equal(t, 1, code)
			shown := map[string]string{"+Inf": "+Inf", "NaN": "NaN", "2e9": "2e+09", "-1": "-1"}[rate]
			assert.Equal(t, "modeltrace traffic: invalid --rate "+shown+": use a number of calls per second above 0 and at most 1000\n", stderr.String())
		})
	}
}

func TestTrafficRunsAgainstTestServer(t *testing.T) {
	signer, err := keypair.FromRawSeed(sha256.Sum256([]byte("modeltrace traffic command test")))
	require.NoError(t, err)
	server := sorobantest.NewServer(sorobantest.Config{})
	server.AddLedger(50, time.Unix(1_767_225_600, 0))
	key, entry, err := sorobantest.AccountEntry(signer.Address(), 7)
	require.NoError(t, err)
	server.SetLedgerEntry(key, entry)
	txs := server.EnableTransactions()
	httpServer := httptest.NewServer(server)
	defer httpServer.Close()
	contractID, err := strkey.Encode(strkey.VersionByteContract, make([]byte, 32))
	require.NoError(t, err)

	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{
		"traffic", "--rpc-url=" + httpServer.URL, "--passphrase=" + sorobantest.DefaultNetworkPassphrase,
		"--contract=" + contractID, "--secret=" + signer.Seed(),
		"--models=1", "--count=2", "--rate=1000", "--bias-rate=1", "--seed=5",
	}, &stdout, &stderr)

	require.Equal(t, 0, code, stderr.String())
	assert.Len(t, txs.Accepted(), 5, "1 register_model, 2 log_inference, 2 flag_bias")
	assert.Equal(t, 5, strings.Count(stdout.String(), "msg=\"transaction applied\""))
	assert.NotContains(t, stdout.String(), signer.Seed())
}
