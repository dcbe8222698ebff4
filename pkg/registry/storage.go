package registry

import (
	"errors"
	"fmt"
	"strings"

	"github.com/stellar/go-stellar-sdk/strkey"
	"github.com/stellar/go-stellar-sdk/xdr"
)

// Stats is the contract's RegistryStats, kept in instance storage under DataKey::Stats.
type Stats struct {
	TotalModels   uint64
	TotalEvents   uint64 // inference and bias events: they share one id sequence
	HighRiskFlags uint64 // inferences logged with risk High or Critical
	BiasFlags     uint64
}

// ModelRecord is the contract's record of one model, kept in persistent storage under
// DataKey::Model(id).
type ModelRecord struct {
	ID               uint64
	Operator         string // strkey
	Name             string
	Version          string
	WeightsHash      string // 64 lower-case hex digits
	TrainingDataCID  string
	RegisteredLedger uint32
	RegisteredAt     uint64 // unix seconds
	InferenceCount   uint64
	HighRiskCount    uint64
	BiasFlagCount    uint64
	LastEventLedger  uint32
}

// StatsKeyScVal returns the instance storage key of the stats: Vec[Symbol "Stats"].
func StatsKeyScVal() xdr.ScVal {
	return vecVal(symbolVal("Stats"))
}

// ModelKeyScVal returns the persistent storage key of model id: Vec[Symbol "Model", U64 id].
func ModelKeyScVal(id uint64) xdr.ScVal {
	return vecVal(symbolVal("Model"), u64Val(id))
}

// InstanceKey returns the ledger key of the contract instance entry, whose storage holds the
// stats.
func InstanceKey(contractID string) (xdr.LedgerKey, error) {
	key := xdr.ScVal{Type: xdr.ScValTypeScvLedgerKeyContractInstance}
	return contractDataKey(contractID, key)
}

// ModelKey returns the ledger key of the persistent entry of model id.
func ModelKey(contractID string, id uint64) (xdr.LedgerKey, error) {
	return contractDataKey(contractID, ModelKeyScVal(id))
}

func contractDataKey(contractID string, key xdr.ScVal) (xdr.LedgerKey, error) {
	raw, err := strkey.Decode(strkey.VersionByteContract, contractID)
	if err != nil {
		return xdr.LedgerKey{}, fmt.Errorf("invalid contract id %q: want a C… contract strkey: %w", contractID, err)
	}

	var id xdr.ContractId
	copy(id[:], raw)
	return xdr.LedgerKey{
		Type: xdr.LedgerEntryTypeContractData,
		ContractData: &xdr.LedgerKeyContractData{
			Contract:   xdr.ScAddress{Type: xdr.ScAddressTypeScAddressTypeContract, ContractId: &id},
			Key:        key,
			Durability: xdr.ContractDataDurabilityPersistent,
		},
	}, nil
}

// contractDataVal returns the value of a contract data ledger entry.
func contractDataVal(entry xdr.LedgerEntry) (xdr.ScVal, error) {
	if entry.Data.Type != xdr.LedgerEntryTypeContractData {
		name := strings.TrimPrefix(entry.Data.Type.String(), "LedgerEntryType")
		return xdr.ScVal{}, fmt.Errorf("ledger entry is %s, want ContractData", name)
	}
	if entry.Data.ContractData == nil {
		return xdr.ScVal{}, errors.New("ContractData ledger entry has a nil ContractData arm")
	}
	return entry.Data.ContractData.Val, nil
}

// DecodeStats reads the stats from the contract instance entry. An instance whose storage has
// no Stats key (no model registered yet) returns zero Stats and no error.
func DecodeStats(entry xdr.LedgerEntry) (Stats, error) {
	val, err := contractDataVal(entry)
	if err != nil {
		return Stats{}, fmt.Errorf("decode registry stats: %w", err)
	}
	if val.Type != xdr.ScValTypeScvContractInstance {
		return Stats{}, fmt.Errorf("decode registry stats: %w", wrongType(val, "ContractInstance"))
	}
	if val.Instance == nil {
		return Stats{}, fmt.Errorf("decode registry stats: %w", emptyArm("ContractInstance"))
	}
	if val.Instance.Storage == nil {
		return Stats{}, nil
	}

	for _, item := range *val.Instance.Storage {
		if isStatsKey(item.Key) {
			stats, err := decodeStatsVal(item.Val)
			if err != nil {
				return Stats{}, fmt.Errorf("decode registry stats: %w", err)
			}
			return stats, nil
		}
	}
	return Stats{}, nil
}

func isStatsKey(key xdr.ScVal) bool {
	vec, err := vecOf(key)
	if err != nil || len(vec) != 1 {
		return false
	}
	name, err := symbolOf(vec[0])
	return err == nil && name == "Stats"
}

func decodeStatsVal(v xdr.ScVal) (Stats, error) {
	m, err := mapOf(v)
	if err != nil {
		return Stats{}, fmt.Errorf("value: %w", err)
	}

	r := fieldReader{m: m, what: "value"}
	stats := Stats{
		BiasFlags:     readField(&r, "bias_flags", u64Of),
		HighRiskFlags: readField(&r, "high_risk_flags", u64Of),
		TotalEvents:   readField(&r, "total_events", u64Of),
		TotalModels:   readField(&r, "total_models", u64Of),
	}
	return stats, r.err
}

// DecodeModel reads a ModelRecord from its persistent ledger entry.
func DecodeModel(entry xdr.LedgerEntry) (ModelRecord, error) {
	val, err := contractDataVal(entry)
	if err != nil {
		return ModelRecord{}, fmt.Errorf("decode model record: %w", err)
	}
	m, err := mapOf(val)
	if err != nil {
		return ModelRecord{}, fmt.Errorf("decode model record: value: %w", err)
	}

	r := fieldReader{m: m, what: "value"}
	model := ModelRecord{
		BiasFlagCount:    readField(&r, "bias_flag_count", u64Of),
		HighRiskCount:    readField(&r, "high_risk_count", u64Of),
		ID:               readField(&r, "id", u64Of),
		InferenceCount:   readField(&r, "inference_count", u64Of),
		LastEventLedger:  readField(&r, "last_event_ledger", u32Of),
		Name:             readField(&r, "name", stringOf),
		Operator:         readField(&r, "operator", addressOf),
		RegisteredAt:     readField(&r, "registered_at", u64Of),
		RegisteredLedger: readField(&r, "registered_ledger", u32Of),
		TrainingDataCID:  readField(&r, "training_data_cid", stringOf),
		Version:          readField(&r, "version", stringOf),
		WeightsHash:      readField(&r, "weights_hash", hashOf),
	}
	if r.err != nil {
		return ModelRecord{}, fmt.Errorf("decode model record: %w", r.err)
	}
	return model, nil
}

// EncodeStatsValue encodes s as the host stores RegistryStats: an ScMap keyed by field name
// in sorted order.
func EncodeStatsValue(s Stats) (xdr.ScVal, error) {
	var b valueBuilder
	b.add("bias_flags", u64Val(s.BiasFlags))
	b.add("high_risk_flags", u64Val(s.HighRiskFlags))
	b.add("total_events", u64Val(s.TotalEvents))
	b.add("total_models", u64Val(s.TotalModels))
	return mapVal(b.entries), nil
}

// EncodeModelValue encodes m as the host stores a ModelRecord: an ScMap keyed by field name in
// sorted order. It returns an error for an invalid operator strkey or weights hash.
func EncodeModelValue(m ModelRecord) (xdr.ScVal, error) {
	var b valueBuilder
	b.add("bias_flag_count", u64Val(m.BiasFlagCount))
	b.add("high_risk_count", u64Val(m.HighRiskCount))
	b.add("id", u64Val(m.ID))
	b.add("inference_count", u64Val(m.InferenceCount))
	b.add("last_event_ledger", u32Val(m.LastEventLedger))
	b.add("name", stringVal(m.Name))
	b.addAddress("operator", m.Operator)
	b.add("registered_at", u64Val(m.RegisteredAt))
	b.add("registered_ledger", u32Val(m.RegisteredLedger))
	b.add("training_data_cid", stringVal(m.TrainingDataCID))
	b.add("version", stringVal(m.Version))
	b.addHash("weights_hash", m.WeightsHash)
	if b.err != nil {
		return xdr.ScVal{}, fmt.Errorf("encode model record %d: %w", m.ID, b.err)
	}
	return mapVal(b.entries), nil
}
