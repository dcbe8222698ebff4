package registry

import (
	"testing"

	"github.com/stellar/go-stellar-sdk/xdr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sampleModel() ModelRecord {
	return ModelRecord{
		ID: 1, Operator: operatorKey, Name: "fraud-scorer", Version: "2.1.0", WeightsHash: hashA,
		TrainingDataCID:  "bafkreifaqcawrd4dhp523dhaslp2enot7qy326kkw4fh4hnqqed663rerm",
		RegisteredLedger: 1000, RegisteredAt: 1767225600,
		InferenceCount: 61, HighRiskCount: 6, BiasFlagCount: 2, LastEventLedger: 1028,
	}
}

// contractEntry wraps val in a persistent contract data ledger entry of the sample contract.
func contractEntry(t *testing.T, key, val xdr.ScVal) xdr.LedgerEntry {
	t.Helper()
	ledgerKey, err := ModelKey(contractKey, 1)
	require.NoError(t, err)
	return xdr.LedgerEntry{
		LastModifiedLedgerSeq: 1028,
		Data: xdr.LedgerEntryData{
			Type: xdr.LedgerEntryTypeContractData,
			ContractData: &xdr.ContractDataEntry{
				Contract:   ledgerKey.ContractData.Contract,
				Key:        key,
				Durability: xdr.ContractDataDurabilityPersistent,
				Val:        val,
			},
		},
	}
}

// instanceEntry returns a contract instance entry whose storage holds items.
func instanceEntry(t *testing.T, items xdr.ScMap) xdr.LedgerEntry {
	t.Helper()
	instance := xdr.ScContractInstance{
		Executable: xdr.ContractExecutable{Type: xdr.ContractExecutableTypeContractExecutableWasm, WasmHash: &xdr.Hash{}},
		Storage:    &items,
	}
	key := xdr.ScVal{Type: xdr.ScValTypeScvLedgerKeyContractInstance}
	return contractEntry(t, key, xdr.ScVal{Type: xdr.ScValTypeScvContractInstance, Instance: &instance})
}

func TestStorageKeys(t *testing.T) {
	instance, err := InstanceKey(contractKey)
	require.NoError(t, err)
	assert.Equal(t, "AAAABgAAAAFN9Lha+wfaDkV+AHJs9JLy/x35S2us7/RVWOnY7T2AvAAAABQAAAAB", marshal(t, instance))

	model, err := ModelKey(contractKey, 1)
	require.NoError(t, err)
	assert.Equal(t, "AAAABgAAAAFN9Lha+wfaDkV+AHJs9JLy/x35S2us7/RVWOnY7T2AvAAAABAAAAABAAAAAgAAAA8AAAAFTW9kZWwAAAAAAAAFAAAAAAAAAAEAAAAB", marshal(t, model))

	assert.Equal(t, "AAAAEAAAAAEAAAABAAAADwAAAAVTdGF0cwAAAA==", marshal(t, StatsKeyScVal()))
	assert.Equal(t, "AAAAEAAAAAEAAAACAAAADwAAAAVNb2RlbAAAAAAAAAUAAAAAAAAABw==", marshal(t, ModelKeyScVal(7)))
}

func TestStorageKeyErrors(t *testing.T) {
	_, err := InstanceKey(operatorKey)
	require.Error(t, err)
	assert.Equal(t, `invalid contract id "`+operatorKey+`": want a C… contract strkey: invalid version byte`, err.Error())

	_, err = ModelKey("", 1)
	require.Error(t, err)
	assert.Equal(t, `invalid contract id "": want a C… contract strkey: strkey is 0 bytes long; minimum valid length is 5`, err.Error())
}

func TestStatsRoundTrip(t *testing.T) {
	cases := map[string]Stats{
		"zero":     {},
		"scenario": {TotalModels: 6, TotalEvents: 315, HighRiskFlags: 55, BiasFlags: 12},
		"max":      {TotalModels: ^uint64(0), TotalEvents: 1 << 40, HighRiskFlags: 3, BiasFlags: 4},
	}
	for name, stats := range cases {
		t.Run(name, func(t *testing.T) {
			val, err := EncodeStatsValue(stats)
			require.NoError(t, err)
			entry := instanceEntry(t, xdr.ScMap{
				{Key: symbolVal("Admin"), Val: u32Val(1)},
				{Key: StatsKeyScVal(), Val: val},
			})

			got, err := DecodeStats(entry)
			require.NoError(t, err)
			assert.Equal(t, stats, got)
		})
	}
}

func TestStatsValueEncoding(t *testing.T) {
	val, err := EncodeStatsValue(Stats{TotalModels: 6, TotalEvents: 315, HighRiskFlags: 55, BiasFlags: 12})
	require.NoError(t, err)
	assert.Equal(t, "AAAAEQAAAAEAAAAEAAAADwAAAApiaWFzX2ZsYWdzAAAAAAAFAAAAAAAAAAwAAAAPAAAAD2hpZ2hfcmlza19mbGFncwAAAAAFAAAAAAAAADcAAAAPAAAADHRvdGFsX2V2ZW50cwAAAAUAAAAAAAABOwAAAA8AAAAMdG90YWxfbW9kZWxzAAAABQAAAAAAAAAG", marshal(t, val))
}

func TestStatsMissingIsZero(t *testing.T) {
	t.Run("no stats key", func(t *testing.T) {
		got, err := DecodeStats(instanceEntry(t, xdr.ScMap{{Key: symbolVal("Stats"), Val: u64Val(9)}}))
		require.NoError(t, err)
		assert.Equal(t, Stats{}, got)
	})
	t.Run("no storage", func(t *testing.T) {
		entry := instanceEntry(t, nil)
		entry.Data.ContractData.Val.Instance.Storage = nil
		got, err := DecodeStats(entry)
		require.NoError(t, err)
		assert.Equal(t, Stats{}, got)
	})
}

func TestDecodeStatsErrors(t *testing.T) {
	full, err := EncodeStatsValue(Stats{TotalModels: 1})
	require.NoError(t, err)
	withStats := func(v xdr.ScVal) xdr.LedgerEntry {
		return instanceEntry(t, xdr.ScMap{{Key: StatsKeyScVal(), Val: v}})
	}
	nilContractData := xdr.LedgerEntry{Data: xdr.LedgerEntryData{Type: xdr.LedgerEntryTypeContractData}}
	nilInstance := contractEntry(t, StatsKeyScVal(), xdr.ScVal{Type: xdr.ScValTypeScvContractInstance})

	cases := []struct {
		name  string
		entry xdr.LedgerEntry
		want  string
	}{
		{"account entry", xdr.LedgerEntry{Data: xdr.LedgerEntryData{Type: xdr.LedgerEntryTypeAccount}},
			"decode registry stats: ledger entry is Account, want ContractData"},
		{"nil contract data", nilContractData,
			"decode registry stats: ContractData ledger entry has a nil ContractData arm"},
		{"not an instance", contractEntry(t, StatsKeyScVal(), full),
			"decode registry stats: got Map, want ContractInstance"},
		{"nil instance", nilInstance,
			"decode registry stats: ContractInstance ScVal has a nil ContractInstance arm"},
		{"stats not a map", withStats(u64Val(1)),
			"decode registry stats: value: got U64, want Map"},
		{"field missing", withStats(mapVal((**full.Map)[1:])),
			`decode registry stats: value field "bias_flags" is missing`},
		{"field nil arm", withStats(mapVal(xdr.ScMap{{Key: symbolVal("bias_flags"), Val: xdr.ScVal{Type: xdr.ScValTypeScvU64}}})),
			`decode registry stats: value field "bias_flags": U64 ScVal has a nil U64 arm`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeStats(tc.entry)
			require.Error(t, err)
			assert.Equal(t, tc.want, err.Error())
			assert.Equal(t, Stats{}, got)
		})
	}
}

func TestModelRoundTrip(t *testing.T) {
	contractOperator := sampleModel()
	contractOperator.Operator = contractKey
	contractOperator.ID = 1000
	empty := ModelRecord{ID: 2, Operator: auditorKey, WeightsHash: hashB}

	for name, model := range map[string]ModelRecord{"sample": sampleModel(), "contract operator": contractOperator, "empty strings": empty} {
		t.Run(name, func(t *testing.T) {
			val, err := EncodeModelValue(model)
			require.NoError(t, err)
			got, err := DecodeModel(contractEntry(t, ModelKeyScVal(model.ID), val))
			require.NoError(t, err)
			assert.Equal(t, model, got)
		})
	}
}

func TestEncodeModelValueErrors(t *testing.T) {
	badHash := sampleModel()
	badHash.WeightsHash = "F932"
	_, err := EncodeModelValue(badHash)
	require.Error(t, err)
	assert.Equal(t, `encode model record 1: invalid weights_hash "F932": want 64 hex digits`, err.Error())

	badOperator := sampleModel()
	badOperator.Operator = ""
	_, err = EncodeModelValue(badOperator)
	require.Error(t, err)
	assert.Equal(t, `encode model record 1: invalid operator "": strkey is 0 bytes long; minimum valid length is 5`, err.Error())
}

func TestDecodeModelErrors(t *testing.T) {
	full, err := EncodeModelValue(sampleModel())
	require.NoError(t, err)
	edit := func(change func(xdr.ScMap) xdr.ScMap) xdr.LedgerEntry {
		return contractEntry(t, ModelKeyScVal(1), mapVal(change(**full.Map)))
	}
	emptyAccount := xdr.ScAddress{Type: xdr.ScAddressTypeScAddressTypeAccount, AccountId: &xdr.AccountId{}}
	nilContract := xdr.ScAddress{Type: xdr.ScAddressTypeScAddressTypeContract}

	cases := []struct {
		name  string
		entry xdr.LedgerEntry
		want  string
	}{
		{"ttl entry", xdr.LedgerEntry{Data: xdr.LedgerEntryData{Type: xdr.LedgerEntryTypeTtl}},
			"decode model record: ledger entry is Ttl, want ContractData"},
		{"value is a vec", contractEntry(t, ModelKeyScVal(1), ModelKeyScVal(1)),
			"decode model record: value: got Vec, want Map"},
		{"nil map arm", contractEntry(t, ModelKeyScVal(1), xdr.ScVal{Type: xdr.ScValTypeScvMap}),
			"decode model record: value: Map ScVal has a nil Map arm"},
		{"name missing", edit(dropField("name")),
			`decode model record: value field "name" is missing`},
		{"ledger as u64", edit(setField("last_event_ledger", u64Val(1028))),
			`decode model record: value field "last_event_ledger": got U64, want U32`},
		{"nil string arm", edit(setField("version", xdr.ScVal{Type: xdr.ScValTypeScvString})),
			`decode model record: value field "version": String ScVal has a nil String arm`},
		{"nil bytes arm", edit(setField("weights_hash", xdr.ScVal{Type: xdr.ScValTypeScvBytes})),
			`decode model record: value field "weights_hash": Bytes ScVal has a nil Bytes arm`},
		{"long hash", edit(setField("weights_hash", bytesVal(33))),
			`decode model record: value field "weights_hash": Bytes has 33 bytes, want 32`},
		{"nil address arm", edit(setField("operator", xdr.ScVal{Type: xdr.ScValTypeScvAddress})),
			`decode model record: value field "operator": Address ScVal has a nil Address arm`},
		{"account without key", edit(setField("operator", xdr.ScVal{Type: xdr.ScValTypeScvAddress, Address: &emptyAccount})),
			`decode model record: value field "operator": account Address has no ed25519 public key`},
		{"contract without id", edit(setField("operator", xdr.ScVal{Type: xdr.ScValTypeScvAddress, Address: &nilContract})),
			`decode model record: value field "operator": contract Address has no contract id`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeModel(tc.entry)
			require.Error(t, err)
			assert.Equal(t, tc.want, err.Error())
			assert.Equal(t, ModelRecord{}, got)
		})
	}
}
