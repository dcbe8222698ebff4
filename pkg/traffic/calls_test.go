package traffic

import (
	"crypto/sha256"
	"testing"

	"github.com/stellar/go-stellar-sdk/keypair"
	"github.com/stellar/go-stellar-sdk/strkey"
	"github.com/stellar/go-stellar-sdk/txnbuild"
	"github.com/stellar/go-stellar-sdk/xdr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testPassphrase = "Standalone Network ; February 2017"

// testContractID is a fixed C… strkey whose 32 bytes are 0x11.
var testContractID = func() string {
	raw := make([]byte, 32)
	for i := range raw {
		raw[i] = 0x11
	}
	id, err := strkey.Encode(strkey.VersionByteContract, raw)
	if err != nil {
		panic(err)
	}
	return id
}()

func testSigner(t *testing.T) *keypair.Full {
	t.Helper()
	signer, err := keypair.FromRawSeed(sha256.Sum256([]byte("traffic test operator")))
	require.NoError(t, err)
	return signer
}

// decodeCall builds a signed transaction around op, decodes its envelope from base64 XDR and
// returns the contract call inside, so the checks read what the network would receive.
func decodeCall(t *testing.T, op *txnbuild.InvokeHostFunction, signer *keypair.Full) (xdr.InvokeContractArgs, xdr.TransactionEnvelope) {
	t.Helper()
	tx, err := txnbuild.NewTransaction(txnbuild.TransactionParams{
		SourceAccount:        &txnbuild.SimpleAccount{AccountID: signer.Address(), Sequence: 41},
		IncrementSequenceNum: true,
		Operations:           []txnbuild.Operation{op},
		BaseFee:              txnbuild.MinBaseFee,
		Preconditions:        txnbuild.Preconditions{TimeBounds: txnbuild.NewInfiniteTimeout()},
	})
	require.NoError(t, err)
	tx, err = tx.Sign(testPassphrase, signer)
	require.NoError(t, err)
	encoded, err := tx.Base64()
	require.NoError(t, err)

	var envelope xdr.TransactionEnvelope
	require.NoError(t, xdr.SafeUnmarshalBase64(encoded, &envelope))
	operations := envelope.Operations()
	require.Len(t, operations, 1)
	invoke, ok := operations[0].Body.GetInvokeHostFunctionOp()
	require.True(t, ok, "operation is not InvokeHostFunction")
	require.Equal(t, xdr.HostFunctionTypeHostFunctionTypeInvokeContract, invoke.HostFunction.Type)
	return *invoke.HostFunction.InvokeContract, envelope
}

func requireAddressArg(t *testing.T, value xdr.ScVal, want string) {
	t.Helper()
	require.Equal(t, xdr.ScValTypeScvAddress, value.Type)
	address, err := value.Address.String()
	require.NoError(t, err)
	assert.Equal(t, want, address)
}

func requireStringArg(t *testing.T, value xdr.ScVal, want string) {
	t.Helper()
	require.Equal(t, xdr.ScValTypeScvString, value.Type)
	assert.Equal(t, want, string(*value.Str))
}

func requireBytesArg(t *testing.T, value xdr.ScVal, want [32]byte) {
	t.Helper()
	require.Equal(t, xdr.ScValTypeScvBytes, value.Type)
	assert.Equal(t, want[:], []byte(*value.Bytes))
}

func requireU64Arg(t *testing.T, value xdr.ScVal, want uint64) {
	t.Helper()
	require.Equal(t, xdr.ScValTypeScvU64, value.Type)
	assert.Equal(t, want, uint64(*value.U64))
}

func requireContract(t *testing.T, call xdr.InvokeContractArgs) {
	t.Helper()
	contract, err := call.ContractAddress.String()
	require.NoError(t, err)
	assert.Equal(t, testContractID, contract)
}

func TestRegisterModelCallXDR(t *testing.T) {
	signer := testSigner(t)
	spec := ModelSpec{
		Name:            "fraud-scorer",
		Version:         "2.1.0",
		WeightsHash:     sha256.Sum256([]byte("weights")),
		TrainingDataCID: "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
	}
	op, err := RegisterModelOp(testContractID, signer.Address(), spec)
	require.NoError(t, err)

	call, envelope := decodeCall(t, op, signer)
	requireContract(t, call)
	assert.Equal(t, xdr.ScSymbol("register_model"), call.FunctionName)
	require.Len(t, call.Args, 5)
	requireAddressArg(t, call.Args[0], signer.Address())
	requireStringArg(t, call.Args[1], "fraud-scorer")
	requireStringArg(t, call.Args[2], "2.1.0")
	requireBytesArg(t, call.Args[3], spec.WeightsHash)
	requireStringArg(t, call.Args[4], spec.TrainingDataCID)
	assert.Equal(t, int64(42), envelope.SeqNum())
	assert.Equal(t, signer.Address(), envelope.SourceAccount().ToAccountId().Address())
}

func TestLogInferenceCallXDR(t *testing.T) {
	signer := testSigner(t)
	payload := sha256.Sum256([]byte("payload"))
	for risk := RiskLow; risk <= RiskCritical; risk++ {
		t.Run(RiskNames[risk], func(t *testing.T) {
			op, err := LogInferenceOp(testContractID, signer.Address(), 7, payload, risk)
			require.NoError(t, err)

			call, _ := decodeCall(t, op, signer)
			requireContract(t, call)
			assert.Equal(t, xdr.ScSymbol("log_inference"), call.FunctionName)
			require.Len(t, call.Args, 4)
			requireAddressArg(t, call.Args[0], signer.Address())
			requireU64Arg(t, call.Args[1], 7)
			requireBytesArg(t, call.Args[2], payload)
			require.Equal(t, xdr.ScValTypeScvU32, call.Args[3].Type)
			assert.Equal(t, risk, uint32(*call.Args[3].U32))
		})
	}
}

func TestFlagBiasCallXDR(t *testing.T) {
	signer := testSigner(t)
	evidence := sha256.Sum256([]byte("evidence"))
	op, err := FlagBiasOp(testContractID, signer.Address(), 3, evidence)
	require.NoError(t, err)

	call, _ := decodeCall(t, op, signer)
	requireContract(t, call)
	assert.Equal(t, xdr.ScSymbol("flag_bias"), call.FunctionName)
	require.Len(t, call.Args, 3)
	requireAddressArg(t, call.Args[0], signer.Address())
	requireU64Arg(t, call.Args[1], 3)
	requireBytesArg(t, call.Args[2], evidence)
}

func TestCallBuildersRejectBadInput(t *testing.T) {
	signer := testSigner(t)
	cases := []struct {
		name  string
		build func() error
		want  string
	}{
		{"bad contract", func() error {
			_, err := FlagBiasOp("CNOTACONTRACT", signer.Address(), 1, [32]byte{})
			return err
		}, `invalid contract id "CNOTACONTRACT"`},
		{"bad operator", func() error {
			_, err := RegisterModelOp(testContractID, "GBAD", ModelSpec{})
			return err
		}, `invalid account address "GBAD"`},
		{"bad risk", func() error {
			_, err := LogInferenceOp(testContractID, signer.Address(), 1, [32]byte{}, 4)
			return err
		}, "invalid risk level 4"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.build()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
