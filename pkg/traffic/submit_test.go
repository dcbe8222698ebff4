package traffic

import (
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/stellar/go-stellar-sdk/clients/rpcclient"
	"github.com/stellar/go-stellar-sdk/network"
	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"
	"github.com/stellar/go-stellar-sdk/txnbuild"
	"github.com/stellar/go-stellar-sdk/xdr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modeltrace/soroban-datasource/pkg/sorobantest"
)

const startSequence = 1000

func newTestSubmitter(t *testing.T, timeout time.Duration) (*Submitter, *testRPC) {
	t.Helper()
	signer := testSigner(t)
	fake, server := newTestRPC(t, signer.Address(), startSequence)
	client := rpcclient.NewClient(server.URL, server.Client())
	t.Cleanup(func() { _ = client.Close() })

	submitter, err := NewSubmitter(context.Background(), client, testPassphrase, signer, SubmitterOptions{
		TxTimeout:    timeout,
		PollInterval: 5 * time.Millisecond,
	})
	require.NoError(t, err)
	return submitter, fake
}

func registerOp(t *testing.T, submitter *Submitter) *txnbuild.InvokeHostFunction {
	t.Helper()
	op, err := RegisterModelOp(testContractID, submitter.Address(), ModelSpec{Name: "m", Version: "1", WeightsHash: sha256.Sum256([]byte("w"))})
	require.NoError(t, err)
	return op
}

func TestInvokeAssemblesSignsAndPolls(t *testing.T) {
	submitter, fake := newTestSubmitter(t, 5*time.Second)
	fake.txs.Script(sorobantest.TxOutcome{Pending: 2})

	result, err := submitter.Invoke(context.Background(), registerOp(t, submitter))
	require.NoError(t, err)

	assert.Equal(t, protocol.TransactionStatusSuccess, result.Status)
	assert.Equal(t, uint32(101), result.Ledger)
	require.NotNil(t, result.ReturnValue)
	assert.Equal(t, xdr.Uint64(1), *result.ReturnValue.U64)
	assert.Equal(t, 1, fake.callCount(protocol.SimulateTransactionMethodName))
	assert.Equal(t, 1, fake.callCount(protocol.SendTransactionMethodName))
	assert.Equal(t, 3, fake.callCount(protocol.GetTransactionMethodName))

	require.Len(t, fake.txs.Accepted(), 1)
	sent := fake.txs.Accepted()[0]
	assert.Equal(t, int64(startSequence+1), sent.SeqNum())
	require.NotNil(t, sent.V1.Tx.Ext.SorobanData, "the simulated transaction data must be attached")
	assert.Equal(t, xdr.Int64(54_321), sent.V1.Tx.Ext.SorobanData.ResourceFee, "resource fee raised to minResourceFee")
	assert.Equal(t, xdr.Uint32(1_000_000), sent.V1.Tx.Ext.SorobanData.Resources.Instructions)
	assert.Equal(t, xdr.Uint32(100+54_321), sent.V1.Tx.Fee)
	invoke := sent.Operations()[0].Body.InvokeHostFunctionOp
	require.Len(t, invoke.Auth, 1)
	assert.Equal(t, xdr.SorobanCredentialsTypeSorobanCredentialsSourceAccount, invoke.Auth[0].Credentials.Type)

	require.Len(t, sent.V1.Signatures, 1)
	hash, err := network.HashTransactionInEnvelope(sent, testPassphrase)
	require.NoError(t, err)
	assert.NoError(t, testSigner(t).Verify(hash[:], sent.V1.Signatures[0].Signature))
}

func TestInvokeSequenceAdvances(t *testing.T) {
	submitter, fake := newTestSubmitter(t, 5*time.Second)
	for range 3 {
		_, err := submitter.Invoke(context.Background(), registerOp(t, submitter))
		require.NoError(t, err)
	}
	require.Len(t, fake.txs.Accepted(), 3)
	assert.Equal(t, int64(startSequence+1), fake.txs.Accepted()[0].SeqNum())
	assert.Equal(t, int64(startSequence+2), fake.txs.Accepted()[1].SeqNum())
	assert.Equal(t, int64(startSequence+3), fake.txs.Accepted()[2].SeqNum())
}

func TestInvokeFailedTransaction(t *testing.T) {
	submitter, fake := newTestSubmitter(t, 5*time.Second)
	fake.txs.Script(sorobantest.TxOutcome{Failed: true})

	result, err := submitter.Invoke(context.Background(), registerOp(t, submitter))
	require.ErrorIs(t, err, ErrTxFailed)
	assert.Contains(t, err.Error(), "register_model: transaction failed: "+result.Hash+" in ledger 101")
	assert.Contains(t, err.Error(), "TransactionResultCodeTxFailed/InvokeHostFunctionResultCodeInvokeHostFunctionTrapped")
	assert.Equal(t, protocol.TransactionStatusFailed, result.Status)

	// A failed transaction still used its sequence number.
	_, err = submitter.Invoke(context.Background(), registerOp(t, submitter))
	require.NoError(t, err)
	require.Len(t, fake.txs.Accepted(), 2)
	assert.Equal(t, int64(startSequence+2), fake.txs.Accepted()[1].SeqNum())
	assert.Equal(t, 1, fake.callCount(protocol.GetLedgerEntriesMethodName))
}

func TestInvokePollTimeout(t *testing.T) {
	submitter, fake := newTestSubmitter(t, 200*time.Millisecond)
	fake.txs.Script(sorobantest.TxOutcome{Pending: -1})

	result, err := submitter.Invoke(context.Background(), registerOp(t, submitter))
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrTxFailed)
	assert.Contains(t, err.Error(), "transaction "+result.Hash+" not in a ledger after 200ms")
	assert.Greater(t, fake.callCount(protocol.GetTransactionMethodName), 1)
	// The transaction may have expired unapplied, so the account is reloaded.
	assert.Equal(t, 2, fake.callCount(protocol.GetLedgerEntriesMethodName))

	// A different model name gives a different transaction hash than the timed-out one.
	op, err := RegisterModelOp(testContractID, submitter.Address(), ModelSpec{Name: "second"})
	require.NoError(t, err)
	_, err = submitter.Invoke(context.Background(), op)
	require.NoError(t, err)
	assert.Equal(t, int64(startSequence+1), fake.txs.Accepted()[1].SeqNum(), "sequence taken from the reloaded account")
}

func TestInvokeSimulationError(t *testing.T) {
	submitter, fake := newTestSubmitter(t, 5*time.Second)
	fake.txs.SetSimulationError("HostError: Error(Contract, #1)")

	_, err := submitter.Invoke(context.Background(), registerOp(t, submitter))
	require.Error(t, err)
	assert.Equal(t, "register_model: simulation failed: HostError: Error(Contract, #1)", err.Error())
	assert.Equal(t, 0, fake.callCount(protocol.SendTransactionMethodName))
}

func TestInvokeSendRejected(t *testing.T) {
	submitter, fake := newTestSubmitter(t, 5*time.Second)
	fake.txs.Script(sorobantest.TxOutcome{Reject: true})

	_, err := submitter.Invoke(context.Background(), registerOp(t, submitter))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "sendTransaction rejected transaction")
	assert.Contains(t, err.Error(), "TransactionResultCodeTxBadSeq")
	assert.Equal(t, 0, fake.callCount(protocol.GetTransactionMethodName))
	assert.Equal(t, 2, fake.callCount(protocol.GetLedgerEntriesMethodName))
}

func TestInvokeTryAgainLater(t *testing.T) {
	submitter, fake := newTestSubmitter(t, 5*time.Second)
	fake.txs.Script(sorobantest.TxOutcome{TryAgain: 2})

	_, err := submitter.Invoke(context.Background(), registerOp(t, submitter))
	require.NoError(t, err)
	assert.Equal(t, 3, fake.callCount(protocol.SendTransactionMethodName))
	require.Len(t, fake.txs.Accepted(), 1)
}

func TestInvokeTryAgainLaterGivesUp(t *testing.T) {
	submitter, fake := newTestSubmitter(t, 5*time.Second)
	fake.txs.Script(sorobantest.TxOutcome{TryAgain: 100})

	_, err := submitter.Invoke(context.Background(), registerOp(t, submitter))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "TRY_AGAIN_LATER 5 times")
	assert.Equal(t, maxTryAgain, fake.callCount(protocol.SendTransactionMethodName))
}

func TestTimeoutSecondsRoundsUp(t *testing.T) {
	assert.Equal(t, int64(1), timeoutSeconds(200*time.Millisecond))
	assert.Equal(t, int64(2), timeoutSeconds(1500*time.Millisecond))
	assert.Equal(t, int64(60), timeoutSeconds(time.Minute))
}
