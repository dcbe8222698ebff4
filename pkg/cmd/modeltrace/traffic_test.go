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
