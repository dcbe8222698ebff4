package sorobantest

import (
	"context"
	"crypto/sha256"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stellar/go-stellar-sdk/clients/rpcclient"
	"github.com/stellar/go-stellar-sdk/keypair"
	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"
	"github.com/stellar/go-stellar-sdk/txnbuild"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newTransactionsClient(t *testing.T) (*Transactions, *rpcclient.Client, *keypair.Full) {
	t.Helper()
	signer, err := keypair.FromRawSeed(sha256.Sum256([]byte("sorobantest transactions")))
	require.NoError(t, err)

	server := NewServer(Config{})
	server.AddLedger(10, time.Unix(1_767_225_600, 0))
	key, entry, err := AccountEntry(signer.Address(), 500)
	require.NoError(t, err)
	server.SetLedgerEntry(key, entry)
	txs := server.EnableTransactions()

	httpServer := httptest.NewServer(server)
	t.Cleanup(httpServer.Close)
	client := rpcclient.NewClient(httpServer.URL, httpServer.Client())
	t.Cleanup(func() { _ = client.Close() })
	return txs, client, signer
}

func signedBumpSequence(t *testing.T, signer *keypair.Full) string {
	t.Helper()
	tx, err := txnbuild.NewTransaction(txnbuild.TransactionParams{
		SourceAccount:        &txnbuild.SimpleAccount{AccountID: signer.Address(), Sequence: 500},
		IncrementSequenceNum: true,
		Operations:           []txnbuild.Operation{&txnbuild.BumpSequence{BumpTo: 600}},
		BaseFee:              txnbuild.MinBaseFee,
		Preconditions:        txnbuild.Preconditions{TimeBounds: txnbuild.NewInfiniteTimeout()},
	})
	require.NoError(t, err)
	tx, err = tx.Sign(DefaultNetworkPassphrase, signer)
	require.NoError(t, err)
	encoded, err := tx.Base64()
	require.NoError(t, err)
	return encoded
}

func TestTransactionsAccountSequence(t *testing.T) {
	_, client, signer := newTransactionsClient(t)
	account, err := client.LoadAccount(context.Background(), signer.Address())
	require.NoError(t, err)
	sequence, err := account.GetSequenceNumber()
	require.NoError(t, err)
	assert.Equal(t, int64(500), sequence)
}

func TestTransactionsSimulateRejectsNonContractCall(t *testing.T) {
	_, client, signer := newTransactionsClient(t)
	response, err := client.SimulateTransaction(context.Background(), protocol.SimulateTransactionRequest{Transaction: signedBumpSequence(t, signer)})
	require.NoError(t, err)
	assert.Equal(t, "transaction must contain exactly one InvokeHostFunction operation", response.Error)
}

func TestTransactionsSendTwiceIsDuplicate(t *testing.T) {
	txs, client, signer := newTransactionsClient(t)
	envelope := signedBumpSequence(t, signer)

	first, err := client.SendTransaction(context.Background(), protocol.SendTransactionRequest{Transaction: envelope})
	require.NoError(t, err)
	second, err := client.SendTransaction(context.Background(), protocol.SendTransactionRequest{Transaction: envelope})
	require.NoError(t, err)

	assert.Equal(t, "PENDING", first.Status)
	assert.Equal(t, "DUPLICATE", second.Status)
	assert.Equal(t, first.Hash, second.Hash)
	assert.Len(t, txs.Accepted(), 1)

	got, err := client.GetTransaction(context.Background(), protocol.GetTransactionRequest{Hash: first.Hash})
	require.NoError(t, err)
	assert.Equal(t, protocol.TransactionStatusSuccess, got.Status)
	assert.Equal(t, uint32(2), got.Ledger)
}

func TestTransactionsUnknownHashNotFound(t *testing.T) {
	_, client, _ := newTransactionsClient(t)
	got, err := client.GetTransaction(context.Background(), protocol.GetTransactionRequest{Hash: "00"})
	require.NoError(t, err)
	assert.Equal(t, protocol.TransactionStatusNotFound, got.Status)
}

func TestTransactionsSendRejectsGarbage(t *testing.T) {
	_, client, _ := newTransactionsClient(t)
	_, err := client.SendTransaction(context.Background(), protocol.SendTransactionRequest{Transaction: "not-xdr"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "invalid transaction")
}
