package traffic

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/stellar/go-stellar-sdk/clients/rpcclient"
	"github.com/stellar/go-stellar-sdk/keypair"
	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"
	"github.com/stellar/go-stellar-sdk/txnbuild"
	"github.com/stellar/go-stellar-sdk/xdr"
)

// Submitter defaults.
const (
	DefaultTxTimeout    = 60 * time.Second
	DefaultPollInterval = 500 * time.Millisecond
	DefaultBaseFee      = txnbuild.MinBaseFee
	maxTryAgain         = 5
)

// ErrTxFailed is returned (wrapped) when a transaction was included in a ledger but failed.
var ErrTxFailed = errors.New("transaction failed")

// Result is the outcome of one contract call that reached a ledger.
type Result struct {
	Hash        string
	Status      string // protocol.TransactionStatusSuccess or protocol.TransactionStatusFailed
	Ledger      uint32
	ReturnValue *xdr.ScVal // the contract function's return value; nil when the meta has none
}

// Submitter sends contract calls from one account through simulateTransaction,
// sendTransaction and getTransaction. It tracks the account's sequence number itself, so one
// Submitter must not be used from several goroutines at once.
type Submitter struct {
	client       *rpcclient.Client
	passphrase   string
	signer       *keypair.Full
	account      txnbuild.SimpleAccount
	baseFee      int64
	txTimeout    time.Duration
	pollInterval time.Duration
	logger       *slog.Logger
}

// SubmitterOptions tunes a Submitter; zero values take the package defaults.
type SubmitterOptions struct {
	BaseFee      int64         // inclusion fee in stroops, added to the simulated resource fee
	TxTimeout    time.Duration // how long to wait for a sent transaction to reach a ledger
	PollInterval time.Duration // first getTransaction interval, doubled up to 8x
	Logger       *slog.Logger
}

// NewSubmitter loads the signer's account (for its sequence number) and returns a Submitter.
func NewSubmitter(ctx context.Context, client *rpcclient.Client, passphrase string, signer *keypair.Full, opts SubmitterOptions) (*Submitter, error) {
	account, err := client.LoadAccount(ctx, signer.Address())
	if err != nil {
		return nil, fmt.Errorf("load account %s: %w: fund it first (friendbot on test networks)", signer.Address(), err)
	}
	sequence, err := account.GetSequenceNumber()
	if err != nil {
		return nil, fmt.Errorf("read sequence number of %s: %w", signer.Address(), err)
	}

	s := &Submitter{
		client:       client,
		passphrase:   passphrase,
		signer:       signer,
		account:      txnbuild.SimpleAccount{AccountID: signer.Address(), Sequence: sequence},
		baseFee:      opts.BaseFee,
		txTimeout:    opts.TxTimeout,
		pollInterval: opts.PollInterval,
		logger:       opts.Logger,
	}
	if s.baseFee <= 0 {
		s.baseFee = DefaultBaseFee
	}
	if s.txTimeout <= 0 {
		s.txTimeout = DefaultTxTimeout
	}
	if s.pollInterval <= 0 {
		s.pollInterval = DefaultPollInterval
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	return s, nil
}

// Address returns the G… address that signs and pays for every call.
func (s *Submitter) Address() string {
	return s.signer.Address()
}

// Invoke simulates op, applies the simulation's resources, auth and resource fee, signs, sends
// and waits until the transaction reaches a ledger. A transaction that fails on chain returns
// its Result and an error wrapping ErrTxFailed.
func (s *Submitter) Invoke(ctx context.Context, op *txnbuild.InvokeHostFunction) (Result, error) {
	function := string(op.HostFunction.InvokeContract.FunctionName)

	draft, err := s.build(op)
	if err != nil {
		return Result{}, err
	}
	if err := s.prepare(ctx, draft, op); err != nil {
		return Result{}, fmt.Errorf("%s: %w", function, err)
	}
	tx, err := s.build(op)
	if err != nil {
		return Result{}, err
	}
	if tx, err = tx.Sign(s.passphrase, s.signer); err != nil {
		return Result{}, fmt.Errorf("%s: sign transaction: %w", function, err)
	}

	hash, err := s.send(ctx, tx)
	if err != nil {
		s.resync(ctx)
		return Result{}, fmt.Errorf("%s: %w", function, err)
	}
	// The network accepted the transaction, so a ledger normally consumes its sequence number
	// whatever its result. A transaction that expires unapplied does not: wait resyncs then.
	s.account.Sequence++

	result, err := s.wait(ctx, hash)
	if err != nil {
		if !errors.Is(err, ErrTxFailed) {
			s.resync(ctx)
		}
		return result, fmt.Errorf("%s: %w", function, err)
	}
	s.logger.Info("transaction applied", "function", function, "hash", hash, "status", result.Status, "ledger", result.Ledger)
	return result, nil
}

// resync reloads the account's sequence number after a call whose fate is unknown.
func (s *Submitter) resync(ctx context.Context) {
	account, err := s.client.LoadAccount(ctx, s.signer.Address())
	if err != nil {
		s.logger.Warn("could not reload account sequence", "account", s.signer.Address(), "error", err)
		return
	}
	if sequence, err := account.GetSequenceNumber(); err == nil {
		s.account.Sequence = sequence
	}
}

// build makes a transaction for op with the next sequence number, leaving the tracked
// sequence unchanged until the network accepts it.
func (s *Submitter) build(op *txnbuild.InvokeHostFunction) (*txnbuild.Transaction, error) {
	account := s.account
	tx, err := txnbuild.NewTransaction(txnbuild.TransactionParams{
		SourceAccount:        &account,
		IncrementSequenceNum: true,
		Operations:           []txnbuild.Operation{op},
		BaseFee:              s.baseFee,
		Preconditions:        txnbuild.Preconditions{TimeBounds: txnbuild.NewTimeout(timeoutSeconds(s.txTimeout))},
	})
	if err != nil {
		return nil, fmt.Errorf("build transaction: %w", err)
	}
	return tx, nil
}

// prepare simulates draft and writes the simulated footprint, resources, resource fee and
// authorization entries into op, as the JS SDK's assembleTransaction does. txnbuild has no
// such helper: it adds SorobanData.ResourceFee to the fee when the op carries the data.
func (s *Submitter) prepare(ctx context.Context, draft *txnbuild.Transaction, op *txnbuild.InvokeHostFunction) error {
	envelope, err := draft.Base64()
	if err != nil {
		return fmt.Errorf("encode transaction for simulation: %w", err)
	}
	simulation, err := s.client.SimulateTransaction(ctx, protocol.SimulateTransactionRequest{Transaction: envelope})
	if err != nil {
		return fmt.Errorf("simulateTransaction failed: %w", err)
	}
	if simulation.Error != "" {
		return fmt.Errorf("simulation failed: %s", simulation.Error)
	}
	if simulation.RestorePreamble != nil {
		return errors.New("simulation needs archived ledger entries restored first: run a RestoreFootprint transaction")
	}

	var data xdr.SorobanTransactionData
	if err := xdr.SafeUnmarshalBase64(simulation.TransactionDataXDR, &data); err != nil {
		return fmt.Errorf("invalid transactionData in simulation result: %w", err)
	}
	if int64(data.ResourceFee) < simulation.MinResourceFee {
		data.ResourceFee = xdr.Int64(simulation.MinResourceFee)
	}

	var auth []xdr.SorobanAuthorizationEntry
	if len(simulation.Results) > 0 && simulation.Results[0].AuthXDR != nil {
		for _, entryXDR := range *simulation.Results[0].AuthXDR {
			var entry xdr.SorobanAuthorizationEntry
			if err := xdr.SafeUnmarshalBase64(entryXDR, &entry); err != nil {
				return fmt.Errorf("invalid auth entry in simulation result: %w", err)
			}
			auth = append(auth, entry)
		}
	}

	op.Auth = auth
	op.Ext = xdr.TransactionExt{V: 1, SorobanData: &data}
	return nil
}

// send submits tx, retrying a few times while the node answers TRY_AGAIN_LATER.
func (s *Submitter) send(ctx context.Context, tx *txnbuild.Transaction) (string, error) {
	envelope, err := tx.Base64()
	if err != nil {
		return "", fmt.Errorf("encode signed transaction: %w", err)
	}
	delay := s.pollInterval
	for attempt := 1; ; attempt++ {
		response, err := s.client.SendTransaction(ctx, protocol.SendTransactionRequest{Transaction: envelope})
		if err != nil {
			return "", fmt.Errorf("sendTransaction failed: %w", err)
		}
		switch response.Status {
		case "PENDING", "DUPLICATE":
			return response.Hash, nil
		case "ERROR":
			return "", fmt.Errorf("sendTransaction rejected transaction %s: %s", response.Hash, describeResult(response.ErrorResultXDR))
		case "TRY_AGAIN_LATER":
			if attempt >= maxTryAgain {
				return "", fmt.Errorf("sendTransaction answered TRY_AGAIN_LATER %d times for %s: the node is congested, lower --rate", attempt, response.Hash)
			}
			s.logger.Warn("node busy, retrying send", "hash", response.Hash, "attempt", attempt, "delay", delay)
			if err := sleep(ctx, delay); err != nil {
				return "", err
			}
			delay *= 2
		default:
			return "", fmt.Errorf("sendTransaction returned unknown status %q for %s", response.Status, response.Hash)
		}
	}
}

// wait polls getTransaction with rpcclient's backoff until the transaction is SUCCESS or
// FAILED, or until the transaction timeout passes.
func (s *Submitter) wait(ctx context.Context, hash string) (Result, error) {
	pollCtx, cancel := context.WithTimeout(ctx, s.txTimeout)
	defer cancel()

	options := rpcclient.NewPollTransactionOptions().
		WithInitialInterval(s.pollInterval).
		WithMaxInterval(8 * s.pollInterval)
	response, err := s.client.PollTransactionWithOptions(pollCtx, hash, options)
	if err != nil {
		if ctx.Err() == nil && errors.Is(pollCtx.Err(), context.DeadlineExceeded) {
			return Result{Hash: hash}, fmt.Errorf("transaction %s not in a ledger after %s: check the network with getTransaction", hash, s.txTimeout)
		}
		return Result{Hash: hash}, fmt.Errorf("getTransaction %s failed: %w", hash, err)
	}

	result := Result{Hash: hash, Status: response.Status, Ledger: response.Ledger}
	if response.Status == protocol.TransactionStatusFailed {
		return result, fmt.Errorf("%w: %s in ledger %d: %s", ErrTxFailed, hash, response.Ledger, describeResult(response.ResultXDR))
	}
	result.ReturnValue, err = returnValue(response.ResultMetaXDR)
	if err != nil {
		return result, fmt.Errorf("transaction %s: %w", hash, err)
	}
	return result, nil
}

// returnValue extracts the contract function's return value from TransactionMeta v3 or v4.
func returnValue(metaXDR string) (*xdr.ScVal, error) {
	if metaXDR == "" {
		return nil, nil
	}
	var meta xdr.TransactionMeta
	if err := xdr.SafeUnmarshalBase64(metaXDR, &meta); err != nil {
		return nil, fmt.Errorf("invalid resultMetaXdr: %w", err)
	}
	switch {
	case meta.V4 != nil && meta.V4.SorobanMeta != nil:
		return meta.V4.SorobanMeta.ReturnValue, nil
	case meta.V3 != nil && meta.V3.SorobanMeta != nil:
		value := meta.V3.SorobanMeta.ReturnValue
		return &value, nil
	}
	return nil, nil
}

// describeResult names the result code of a base64 TransactionResult, for error messages.
func describeResult(resultXDR string) string {
	if resultXDR == "" {
		return "no result XDR"
	}
	var result xdr.TransactionResult
	if err := xdr.SafeUnmarshalBase64(resultXDR, &result); err != nil {
		return "undecodable result XDR"
	}
	code := result.Result.Code.String()
	if results, ok := result.Result.GetResults(); ok && len(results) > 0 {
		if inner, ok := results[0].GetTr(); ok && inner.InvokeHostFunctionResult != nil {
			return code + "/" + inner.InvokeHostFunctionResult.Code.String()
		}
	}
	return code
}

// timeoutSeconds rounds a transaction timeout up to whole seconds, at least 1, for time bounds.
func timeoutSeconds(timeout time.Duration) int64 {
	seconds := int64((timeout + time.Second - 1) / time.Second)
	return max(seconds, 1)
}

func sleep(ctx context.Context, delay time.Duration) error {
	timer := time.NewTimer(delay)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
