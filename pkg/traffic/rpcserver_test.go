package traffic

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stellar/go-stellar-sdk/network"
	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"
	"github.com/stellar/go-stellar-sdk/xdr"
	"github.com/stretchr/testify/require"
)

// NOTE: pkg/sorobantest has no transaction methods yet, so this file serves the four methods
// the traffic flow calls. Move them behind sorobantest's Handle extension point once it exists.

// txOutcome scripts how the fake RPC treats one transaction.
type txOutcome struct {
	tryAgain int    // TRY_AGAIN_LATER answers before PENDING
	sendErr  bool   // answer ERROR to sendTransaction
	notFound int    // NOT_FOUND answers to getTransaction before the final status; -1 forever
	status   string // final getTransaction status, SUCCESS by default
}

// fakeRPC is a JSON-RPC 2.0 handler for getLedgerEntries, simulateTransaction,
// sendTransaction and getTransaction, with scripted outcomes.
type fakeRPC struct {
	t          *testing.T
	mu         sync.Mutex
	account    string
	sequence   int64
	simError   string
	outcomes   []txOutcome // consumed one per sent transaction, then SUCCESS
	returnU64  uint64      // return value of the next successful call, then incremented
	calls      map[string]int
	sent       []xdr.TransactionEnvelope
	simulated  []xdr.TransactionEnvelope
	txs        map[string]*fakeTx
	resultFee  int64
	authSource bool
}

type fakeTx struct {
	outcome   txOutcome
	polls     int
	returnU64 uint64
}

func newFakeRPC(t *testing.T, account string, sequence int64) (*fakeRPC, *httptest.Server) {
	fake := &fakeRPC{
		t: t, account: account, sequence: sequence, returnU64: 1,
		calls: map[string]int{}, txs: map[string]*fakeTx{}, resultFee: 54_321, authSource: true,
	}
	server := httptest.NewServer(fake)
	t.Cleanup(server.Close)
	return fake, server
}

func (f *fakeRPC) callCount(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[method]
}

func (f *fakeRPC) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var request struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
		Params json.RawMessage `json:"params"`
	}
	if err := json.NewDecoder(r.Body).Decode(&request); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}

	f.mu.Lock()
	f.calls[request.Method]++
	result, rpcErr := f.dispatch(request.Method, request.Params)
	f.mu.Unlock()

	response := map[string]any{"jsonrpc": "2.0", "id": request.ID}
	if rpcErr != "" {
		response["error"] = map[string]any{"code": -32602, "message": rpcErr}
	} else {
		response["result"] = result
	}
	w.Header().Set("Content-Type", "application/json")
	require.NoError(f.t, json.NewEncoder(w).Encode(response))
}

func (f *fakeRPC) dispatch(method string, params json.RawMessage) (any, string) {
	switch method {
	case protocol.GetLedgerEntriesMethodName:
		return f.getLedgerEntries()
	case protocol.SimulateTransactionMethodName:
		var request protocol.SimulateTransactionRequest
		require.NoError(f.t, json.Unmarshal(params, &request))
		return f.simulate(request)
	case protocol.SendTransactionMethodName:
		var request protocol.SendTransactionRequest
		require.NoError(f.t, json.Unmarshal(params, &request))
		return f.send(request)
	case protocol.GetTransactionMethodName:
		var request protocol.GetTransactionRequest
		require.NoError(f.t, json.Unmarshal(params, &request))
		return f.getTransaction(request)
	}
	return nil, "method not found: " + method
}

func (f *fakeRPC) getLedgerEntries() (any, string) {
	accountID := xdr.MustAddress(f.account)
	data := xdr.LedgerEntryData{
		Type:    xdr.LedgerEntryTypeAccount,
		Account: &xdr.AccountEntry{AccountId: accountID, Balance: 100_000_000_000, SeqNum: xdr.SequenceNumber(f.sequence)},
	}
	encoded, err := xdr.MarshalBase64(data)
	require.NoError(f.t, err)
	return protocol.GetLedgerEntriesResponse{
		Entries:      []protocol.LedgerEntryResult{{DataXDR: encoded, LastModifiedLedger: 10}},
		LatestLedger: 100,
	}, ""
}

func (f *fakeRPC) simulate(request protocol.SimulateTransactionRequest) (any, string) {
	var envelope xdr.TransactionEnvelope
	require.NoError(f.t, xdr.SafeUnmarshalBase64(request.Transaction, &envelope))
	f.simulated = append(f.simulated, envelope)
	if f.simError != "" {
		return protocol.SimulateTransactionResponse{Error: f.simError, LatestLedger: 100}, ""
	}

	data := xdr.SorobanTransactionData{
		Resources: xdr.SorobanResources{Instructions: 1_000_000, DiskReadBytes: 2_000, WriteBytes: 300},
		// The data's own fee is below minResourceFee, so the client must raise it.
		ResourceFee: xdr.Int64(f.resultFee - 1),
	}
	dataXDR, err := xdr.MarshalBase64(data)
	require.NoError(f.t, err)
	auth := []string{}
	if f.authSource {
		entry := xdr.SorobanAuthorizationEntry{
			Credentials:    xdr.SorobanCredentials{Type: xdr.SorobanCredentialsTypeSorobanCredentialsSourceAccount},
			RootInvocation: xdr.SorobanAuthorizedInvocation{Function: xdr.SorobanAuthorizedFunction{Type: xdr.SorobanAuthorizedFunctionTypeSorobanAuthorizedFunctionTypeContractFn, ContractFn: envelope.Operations()[0].Body.InvokeHostFunctionOp.HostFunction.InvokeContract}},
		}
		entryXDR, err := xdr.MarshalBase64(entry)
		require.NoError(f.t, err)
		auth = append(auth, entryXDR)
	}
	return protocol.SimulateTransactionResponse{
		TransactionDataXDR: dataXDR,
		MinResourceFee:     f.resultFee,
		Results:            []protocol.SimulateHostFunctionResult{{AuthXDR: &auth}},
		LatestLedger:       100,
	}, ""
}

func (f *fakeRPC) send(request protocol.SendTransactionRequest) (any, string) {
	var envelope xdr.TransactionEnvelope
	require.NoError(f.t, xdr.SafeUnmarshalBase64(request.Transaction, &envelope))
	hash, err := network.HashTransactionInEnvelope(envelope, testPassphrase)
	require.NoError(f.t, err)
	hashHex := xdr.Hash(hash).HexString()

	tx, known := f.txs[hashHex]
	if !known {
		outcome := txOutcome{}
		if len(f.outcomes) > 0 {
			outcome, f.outcomes = f.outcomes[0], f.outcomes[1:]
		}
		tx = &fakeTx{outcome: outcome}
		f.txs[hashHex] = tx
	}
	if tx.outcome.tryAgain > 0 {
		tx.outcome.tryAgain--
		return protocol.SendTransactionResponse{Status: "TRY_AGAIN_LATER", Hash: hashHex, LatestLedger: 100}, ""
	}
	if tx.outcome.sendErr {
		result := failedResult(f.t, xdr.TransactionResultCodeTxBadSeq)
		return protocol.SendTransactionResponse{Status: "ERROR", Hash: hashHex, ErrorResultXDR: result, LatestLedger: 100}, ""
	}
	f.sent = append(f.sent, envelope)
	tx.returnU64 = f.returnU64
	f.returnU64++
	return protocol.SendTransactionResponse{Status: "PENDING", Hash: hashHex, LatestLedger: 100}, ""
}

func (f *fakeRPC) getTransaction(request protocol.GetTransactionRequest) (any, string) {
	response := protocol.GetTransactionResponse{LatestLedger: 101, OldestLedger: 1}
	tx, ok := f.txs[request.Hash]
	if !ok || tx.outcome.notFound < 0 || tx.polls < tx.outcome.notFound {
		if ok {
			tx.polls++
		}
		response.Status = protocol.TransactionStatusNotFound
		return response, ""
	}

	response.TransactionHash = request.Hash
	response.Ledger = 101
	if tx.outcome.status == protocol.TransactionStatusFailed {
		response.Status = protocol.TransactionStatusFailed
		response.ResultXDR = failedResult(f.t, xdr.TransactionResultCodeTxFailed)
		return response, ""
	}
	value := xdr.Uint64(tx.returnU64)
	meta := xdr.TransactionMeta{V: 4, V4: &xdr.TransactionMetaV4{
		SorobanMeta: &xdr.SorobanTransactionMetaV2{ReturnValue: &xdr.ScVal{Type: xdr.ScValTypeScvU64, U64: &value}},
	}}
	metaXDR, err := xdr.MarshalBase64(meta)
	require.NoError(f.t, err)
	response.Status = protocol.TransactionStatusSuccess
	response.ResultMetaXDR = metaXDR
	return response, ""
}

// failedResult encodes a TransactionResult with the given code; txFAILED carries one trapped
// InvokeHostFunction result.
func failedResult(t *testing.T, code xdr.TransactionResultCode) string {
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
	encoded, err := xdr.MarshalBase64(result)
	require.NoError(t, err)
	return encoded
}
