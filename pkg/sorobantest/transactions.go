package sorobantest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/stellar/go-stellar-sdk/network"
	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"
	"github.com/stellar/go-stellar-sdk/xdr"
)

// DefaultResourceFee is the minResourceFee, in stroops, that simulateTransaction returns unless
// Transactions.SetResourceFee changes it.
const DefaultResourceFee = 54_321

// TxOutcome scripts how the server treats one sent transaction. The zero value is accepted at
// once and lands with status SUCCESS at the first getTransaction.
type TxOutcome struct {
	TryAgain int  // TRY_AGAIN_LATER responses to sendTransaction before the server accepts it
	Reject   bool // sendTransaction returns status ERROR (result code txBAD_SEQ)
	Pending  int  // NOT_FOUND responses to getTransaction before the final status; -1: never lands
	Failed   bool // the transaction lands with status FAILED (txFAILED, InvokeHostFunction trapped)
}

// Transactions serves simulateTransaction, sendTransaction and getTransaction for tests of
// code that submits contract calls. It executes no contract: simulation returns fixed
// resources, a source-account auth entry for the called function and DefaultResourceFee, and
// every successful call returns the next U64 of a counter that starts at 1.
type Transactions struct {
	passphrase string

	mu          sync.Mutex
	simError    string
	resourceFee int64
	ledger      uint32
	nextReturn  uint64
	outcomes    []TxOutcome
	byHash      map[string]*sentTx
	simulated   []xdr.TransactionEnvelope
	accepted    []xdr.TransactionEnvelope
}

type sentTx struct {
	outcome     TxOutcome
	polls       int
	returnValue uint64
	ledger      uint32
}

// EnableTransactions registers the three transaction methods on s and returns their state.
// Add the submitting account with AccountEntry and SetLedgerEntry, and at least one ledger,
// so clients can load its sequence number through getLedgerEntries.
func (s *Server) EnableTransactions() *Transactions {
	t := &Transactions{
		passphrase:  s.Config().NetworkPassphrase,
		resourceFee: DefaultResourceFee,
		ledger:      2,
		nextReturn:  1,
		byHash:      map[string]*sentTx{},
	}
	s.Handle(protocol.SimulateTransactionMethodName, t.simulate)
	s.Handle(protocol.SendTransactionMethodName, t.send)
	s.Handle(protocol.GetTransactionMethodName, t.getTransaction)
	return t
}

// Script queues outcomes for the next transactions the server accepts, one each in order.
// Transactions beyond the script get the zero TxOutcome.
func (t *Transactions) Script(outcomes ...TxOutcome) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.outcomes = append(t.outcomes, outcomes...)
}

// SetSimulationError makes simulateTransaction return message in its error field; an empty
// message restores normal simulation.
func (t *Transactions) SetSimulationError(message string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.simError = message
}

// SetResourceFee sets the minResourceFee that simulation returns, in stroops.
func (t *Transactions) SetResourceFee(stroops int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.resourceFee = stroops
}

// SetLedger sets the ledger sequence reported for transactions that land from now on.
func (t *Transactions) SetLedger(sequence uint32) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ledger = sequence
}

// Accepted returns the envelopes sendTransaction accepted (status PENDING), in order.
func (t *Transactions) Accepted() []xdr.TransactionEnvelope {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]xdr.TransactionEnvelope(nil), t.accepted...)
}

// Simulated returns the envelopes sent to simulateTransaction, in order.
func (t *Transactions) Simulated() []xdr.TransactionEnvelope {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]xdr.TransactionEnvelope(nil), t.simulated...)
}

// AccountEntry returns the base64 LedgerKey and LedgerEntry of a funded account with the
// given sequence number, for Server.SetLedgerEntry.
func AccountEntry(address string, sequence int64) (key, entry string, err error) {
	accountID, err := xdr.AddressToAccountId(address)
	if err != nil {
		return "", "", fmt.Errorf("invalid account address %q: %w", address, err)
	}
	ledgerKey, err := accountID.LedgerKey()
	if err != nil {
		return "", "", fmt.Errorf("ledger key of %s: %w", address, err)
	}
	ledgerEntry := xdr.LedgerEntry{
		LastModifiedLedgerSeq: 1,
		Data: xdr.LedgerEntryData{
			Type: xdr.LedgerEntryTypeAccount,
			Account: &xdr.AccountEntry{
				AccountId: accountID,
				Balance:   100_000_000_000,
				SeqNum:    xdr.SequenceNumber(sequence),
			},
		},
	}
	if key, err = xdr.MarshalBase64(ledgerKey); err != nil {
		return "", "", err
	}
	if entry, err = xdr.MarshalBase64(ledgerEntry); err != nil {
		return "", "", err
	}
	return key, entry, nil
}

func decodeEnvelope(text string) (xdr.TransactionEnvelope, error) {
	var envelope xdr.TransactionEnvelope
	if err := xdr.SafeUnmarshalBase64(text, &envelope); err != nil {
		return envelope, &Error{Code: CodeInvalidParams, Message: "invalid transaction: " + err.Error()}
	}
	return envelope, nil
}

func (t *Transactions) simulate(_ context.Context, params json.RawMessage) (any, error) {
	var request protocol.SimulateTransactionRequest
	if err := decodeParams(params, &request); err != nil {
		return nil, err
	}
	envelope, err := decodeEnvelope(request.Transaction)
	if err != nil {
		return nil, err
	}

	t.mu.Lock()
	defer t.mu.Unlock()
	t.simulated = append(t.simulated, envelope)
	response := protocol.SimulateTransactionResponse{LatestLedger: t.ledger}
	if t.simError != "" {
		response.Error = t.simError
		return response, nil
	}

	operations := envelope.Operations()
	if len(operations) != 1 || operations[0].Body.InvokeHostFunctionOp == nil {
		response.Error = "transaction must contain exactly one InvokeHostFunction operation"
		return response, nil
	}
	call := operations[0].Body.InvokeHostFunctionOp.HostFunction.InvokeContract
	if call == nil {
		response.Error = "only contract calls are simulated"
		return response, nil
	}

	data := xdr.SorobanTransactionData{
		Resources: xdr.SorobanResources{Instructions: 1_000_000, DiskReadBytes: 2_000, WriteBytes: 300},
		// Below minResourceFee on purpose: clients must apply minResourceFee, not only this field.
		ResourceFee: xdr.Int64(t.resourceFee - 1),
	}
	auth := xdr.SorobanAuthorizationEntry{
		Credentials: xdr.SorobanCredentials{Type: xdr.SorobanCredentialsTypeSorobanCredentialsSourceAccount},
		RootInvocation: xdr.SorobanAuthorizedInvocation{Function: xdr.SorobanAuthorizedFunction{
			Type:       xdr.SorobanAuthorizedFunctionTypeSorobanAuthorizedFunctionTypeContractFn,
			ContractFn: call,
		}},
	}
	if response.TransactionDataXDR, err = xdr.MarshalBase64(data); err != nil {
		return nil, err
	}
	authXDR, err := xdr.MarshalBase64(auth)
	if err != nil {
		return nil, err
	}
	response.MinResourceFee = t.resourceFee
	response.Results = []protocol.SimulateHostFunctionResult{{AuthXDR: &[]string{authXDR}}}
	return response, nil
}

func (t *Transactions) send(_ context.Context, params json.RawMessage) (any, error) {
	var request protocol.SendTransactionRequest
	if err := decodeParams(params, &request); err != nil {
		return nil, err
	}
	envelope, err := decodeEnvelope(request.Transaction)
	if err != nil {
		return nil, err
	}
	hash, err := network.HashTransactionInEnvelope(envelope, t.passphrase)
	if err != nil {
		return nil, &Error{Code: CodeInvalidParams, Message: "cannot hash transaction: " + err.Error()}
	}
	hashHex := xdr.Hash(hash).HexString()

	t.mu.Lock()
	defer t.mu.Unlock()
	response := protocol.SendTransactionResponse{Hash: hashHex, LatestLedger: t.ledger}
	tx, known := t.byHash[hashHex]
	if !known {
		tx = &sentTx{}
		if len(t.outcomes) > 0 {
			tx.outcome, t.outcomes = t.outcomes[0], t.outcomes[1:]
		}
		t.byHash[hashHex] = tx
	}

	switch {
	case tx.outcome.TryAgain > 0:
		tx.outcome.TryAgain--
		response.Status = "TRY_AGAIN_LATER"
	case tx.outcome.Reject:
		response.Status = "ERROR"
		response.ErrorResultXDR, err = resultXDR(xdr.TransactionResultCodeTxBadSeq)
	case known && tx.ledger != 0:
		response.Status = "DUPLICATE"
	default:
		response.Status = "PENDING"
		tx.returnValue = t.nextReturn
		tx.ledger = t.ledger
		t.nextReturn++
		t.accepted = append(t.accepted, envelope)
	}
	return response, err
}

func (t *Transactions) getTransaction(_ context.Context, params json.RawMessage) (any, error) {
	var request protocol.GetTransactionRequest
	if err := decodeParams(params, &request); err != nil {
		return nil, err
	}

	t.mu.Lock()
	defer t.mu.Unlock()
	response := protocol.GetTransactionResponse{LatestLedger: t.ledger, OldestLedger: 1}
	tx, ok := t.byHash[request.Hash]
	if !ok || tx.ledger == 0 || tx.outcome.Pending < 0 || tx.polls < tx.outcome.Pending {
		if ok {
			tx.polls++
		}
		response.Status = protocol.TransactionStatusNotFound
		return response, nil
	}

	response.TransactionHash = request.Hash
	response.Ledger = tx.ledger
	var err error
	if tx.outcome.Failed {
		response.Status = protocol.TransactionStatusFailed
		response.ResultXDR, err = resultXDR(xdr.TransactionResultCodeTxFailed)
		return response, err
	}
	value := xdr.Uint64(tx.returnValue)
	meta := xdr.TransactionMeta{V: 4, V4: &xdr.TransactionMetaV4{
		SorobanMeta: &xdr.SorobanTransactionMetaV2{ReturnValue: &xdr.ScVal{Type: xdr.ScValTypeScvU64, U64: &value}},
	}}
	response.Status = protocol.TransactionStatusSuccess
	response.ResultMetaXDR, err = xdr.MarshalBase64(meta)
	return response, err
}

// resultXDR encodes a TransactionResult with the given code. txFAILED carries one trapped
// InvokeHostFunction result, as a contract call that panicked does.
func resultXDR(code xdr.TransactionResultCode) (string, error) {
	result := xdr.TransactionResult{FeeCharged: 100, Result: xdr.TransactionResultResult{Code: code}}
	if code == xdr.TransactionResultCodeTxFailed {
		results := []xdr.OperationResult{{
			Code: xdr.OperationResultCodeOpInner,
			Tr: &xdr.OperationResultTr{
				Type:                     xdr.OperationTypeInvokeHostFunction,
				InvokeHostFunctionResult: &xdr.InvokeHostFunctionResult{Code: xdr.InvokeHostFunctionResultCodeInvokeHostFunctionTrapped},
			},
		}}
		result.Result.Results = &results
	}
	return xdr.MarshalBase64(result)
}
