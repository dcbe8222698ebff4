// Package traffic submits audit-registry contract calls to a Soroban network: it registers
// models, then logs inferences with a configurable risk mix and occasionally flags bias. It
// backs the `modeltrace traffic` command.
package traffic

import (
	"fmt"

	"github.com/stellar/go-stellar-sdk/strkey"
	"github.com/stellar/go-stellar-sdk/txnbuild"
	"github.com/stellar/go-stellar-sdk/xdr"
)

// Audit-registry function names.
const (
	FuncRegisterModel = "register_model"
	FuncLogInference  = "log_inference"
	FuncFlagBias      = "flag_bias"
)

// Risk levels as the contract's RiskLevel enum encodes them (a U32 ScVal).
const (
	RiskLow      uint32 = 0
	RiskMedium   uint32 = 1
	RiskHigh     uint32 = 2
	RiskCritical uint32 = 3
)

// RiskNames maps each risk level to its name.
var RiskNames = []string{"low", "medium", "high", "critical"}

// ModelSpec is the input of register_model.
type ModelSpec struct {
	Name            string
	Version         string
	WeightsHash     [32]byte
	TrainingDataCID string
}

// RegisterModelOp builds register_model(operator: Address, name: String, version: String,
// weights_hash: BytesN<32>, training_data_cid: String) with operator as the source account.
func RegisterModelOp(contractID, operator string, model ModelSpec) (*txnbuild.InvokeHostFunction, error) {
	address, err := accountAddress(operator)
	if err != nil {
		return nil, err
	}
	args := []xdr.ScVal{
		address,
		stringVal(model.Name),
		stringVal(model.Version),
		bytesVal(model.WeightsHash),
		stringVal(model.TrainingDataCID),
	}
	return contractCallOp(contractID, FuncRegisterModel, args, operator)
}

// LogInferenceOp builds log_inference(operator: Address, model_id: u64, payload_hash:
// BytesN<32>, risk_level: RiskLevel) with operator as the source account.
func LogInferenceOp(contractID, operator string, modelID uint64, payloadHash [32]byte, risk uint32) (*txnbuild.InvokeHostFunction, error) {
	if risk > RiskCritical {
		return nil, fmt.Errorf("invalid risk level %d: use 0 (low) to 3 (critical)", risk)
	}
	address, err := accountAddress(operator)
	if err != nil {
		return nil, err
	}
	args := []xdr.ScVal{address, u64Val(modelID), bytesVal(payloadHash), u32Val(risk)}
	return contractCallOp(contractID, FuncLogInference, args, operator)
}

// FlagBiasOp builds flag_bias(auditor: Address, model_id: u64, evidence_hash: BytesN<32>) with
// auditor as the source account.
func FlagBiasOp(contractID, auditor string, modelID uint64, evidenceHash [32]byte) (*txnbuild.InvokeHostFunction, error) {
	address, err := accountAddress(auditor)
	if err != nil {
		return nil, err
	}
	args := []xdr.ScVal{address, u64Val(modelID), bytesVal(evidenceHash)}
	return contractCallOp(contractID, FuncFlagBias, args, auditor)
}

func contractCallOp(contractID, function string, args []xdr.ScVal, source string) (*txnbuild.InvokeHostFunction, error) {
	raw, err := strkey.Decode(strkey.VersionByteContract, contractID)
	if err != nil {
		return nil, fmt.Errorf("invalid contract id %q: %w: use the registry's C… strkey", contractID, err)
	}
	var contract xdr.ContractId
	copy(contract[:], raw)
	return &txnbuild.InvokeHostFunction{
		HostFunction: xdr.HostFunction{
			Type: xdr.HostFunctionTypeHostFunctionTypeInvokeContract,
			InvokeContract: &xdr.InvokeContractArgs{
				ContractAddress: xdr.ScAddress{Type: xdr.ScAddressTypeScAddressTypeContract, ContractId: &contract},
				FunctionName:    xdr.ScSymbol(function),
				Args:            args,
			},
		},
		SourceAccount: source,
	}, nil
}

func accountAddress(address string) (xdr.ScVal, error) {
	accountID, err := xdr.AddressToAccountId(address)
	if err != nil {
		return xdr.ScVal{}, fmt.Errorf("invalid account address %q: %w: use a G… strkey", address, err)
	}
	scAddress := xdr.ScAddress{Type: xdr.ScAddressTypeScAddressTypeAccount, AccountId: &accountID}
	return xdr.ScVal{Type: xdr.ScValTypeScvAddress, Address: &scAddress}, nil
}

func stringVal(text string) xdr.ScVal {
	value := xdr.ScString(text)
	return xdr.ScVal{Type: xdr.ScValTypeScvString, Str: &value}
}

// bytesVal encodes a BytesN<32> argument: on the wire it is a plain Bytes ScVal of 32 bytes.
func bytesVal(hash [32]byte) xdr.ScVal {
	value := xdr.ScBytes(hash[:])
	return xdr.ScVal{Type: xdr.ScValTypeScvBytes, Bytes: &value}
}

func u64Val(number uint64) xdr.ScVal {
	value := xdr.Uint64(number)
	return xdr.ScVal{Type: xdr.ScValTypeScvU64, U64: &value}
}

func u32Val(number uint32) xdr.ScVal {
	value := xdr.Uint32(number)
	return xdr.ScVal{Type: xdr.ScValTypeScvU32, U32: &value}
}
