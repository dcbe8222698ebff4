package sorobantest

import (
	"crypto/sha256"
	"fmt"
	"slices"

	"github.com/stellar/go-stellar-sdk/strkey"
	"github.com/stellar/go-stellar-sdk/xdr"

	"github.com/modeltrace/soroban-datasource/pkg/registry"
)

// contractState is the storage of the simulated audit-registry contract.
type contractState struct {
	contractID string
	stats      registry.Stats
	models     []registry.ModelRecord // by id - 1; ids start at 1

	instance        xdr.LedgerEntry // last written instance entry, whose storage contains Stats
	modelModified   []uint32        // ledger of the last write of each model entry
	dirtyModels     map[uint64]bool
	instanceWritten bool
}

func newContractState(contractID string) contractState {
	raw := strkey.MustDecode(strkey.VersionByteContract, contractID)
	id := xdr.ContractId(raw)
	wasm := xdr.Hash(sha256.Sum256([]byte("audit-registry wasm placeholder")))
	return contractState{
		contractID:  contractID,
		dirtyModels: map[uint64]bool{},
		instance: xdr.LedgerEntry{Data: xdr.LedgerEntryData{
			Type: xdr.LedgerEntryTypeContractData,
			ContractData: &xdr.ContractDataEntry{
				Contract:   xdr.ScAddress{Type: xdr.ScAddressTypeScAddressTypeContract, ContractId: &id},
				Key:        xdr.ScVal{Type: xdr.ScValTypeScvLedgerKeyContractInstance},
				Durability: xdr.ContractDataDurabilityPersistent,
				Val: xdr.ScVal{Type: xdr.ScValTypeScvContractInstance, Instance: &xdr.ScContractInstance{
					Executable: xdr.ContractExecutable{Type: xdr.ContractExecutableTypeContractExecutableWasm, WasmHash: &wasm},
				}},
			},
		}},
	}
}

// apply executes one contract call in the generator's current ledger and returns the
// event it emits. Errors match the contract's: an unknown model, a caller who is not the
// model's operator, an invalid risk level, or empty or over-long text.
func (g *Generator) apply(c DecodedCall) (registry.Event, error) {
	kind, err := registry.ParseEventKind(c.Kind)
	if err != nil {
		return registry.Event{}, err
	}
	st := &g.state
	switch kind {
	case registry.KindModelRegistered:
		return st.registerModel(c, g.ledger, uint64(g.closeTime.Unix()))
	case registry.KindInferenceLogged:
		return st.logInference(c, g.ledger)
	case registry.KindBiasFlagged:
		return st.flagBias(c, g.ledger)
	}
	return registry.Event{}, fmt.Errorf("call kind %q has no simulation", c.Kind)
}

// maxTextLen is the contract's limit, in bytes, on a model's name, version and training
// data CID.
const maxTextLen = 256

func (st *contractState) registerModel(c DecodedCall, ledger uint32, closeTime uint64) (registry.Event, error) {
	for _, text := range []string{c.Name, c.Version, c.TrainingDataCID} {
		if text == "" || len(text) > maxTextLen {
			return registry.Event{}, fmt.Errorf("register_model: name, version and training data CID must be 1 to %d bytes, got %q (InvalidInput)",
				maxTextLen, text)
		}
	}

	id := uint64(len(st.models)) + 1
	st.models = append(st.models, registry.ModelRecord{
		ID: id, Operator: c.Operator, Name: c.Name, Version: c.Version,
		WeightsHash: c.WeightsHash, TrainingDataCID: c.TrainingDataCID,
		RegisteredLedger: ledger, RegisteredAt: closeTime, LastEventLedger: ledger,
	})
	st.modelModified = append(st.modelModified, ledger)
	st.stats.TotalModels++
	st.touch(id, ledger)

	return registry.Event{
		Kind: registry.KindModelRegistered, ModelID: id, Operator: c.Operator,
		Name: c.Name, Version: c.Version, WeightsHash: c.WeightsHash, TrainingDataCID: c.TrainingDataCID,
	}, nil
}

func (st *contractState) logInference(c DecodedCall, ledger uint32) (registry.Event, error) {
	m, err := st.model(c.ModelID)
	if err != nil {
		return registry.Event{}, err
	}
	if c.Operator != m.Operator {
		return registry.Event{}, fmt.Errorf("log_inference on model %d by %s: not the model's operator (NotModelOperator)",
			c.ModelID, c.Operator)
	}
	risk := registry.RiskLevel(c.RiskLevel)
	if !slices.Contains(registry.RiskLevels, risk) {
		return registry.Event{}, fmt.Errorf("log_inference on model %d: risk level %d is invalid (InvalidInput)", c.ModelID, c.RiskLevel)
	}

	st.stats.TotalEvents++
	m.InferenceCount++
	if risk.IsHigh() {
		st.stats.HighRiskFlags++
		m.HighRiskCount++
	}
	m.LastEventLedger = ledger
	st.touch(m.ID, ledger)

	return registry.Event{
		Kind: registry.KindInferenceLogged, ModelID: m.ID, Risk: risk,
		EventID: st.stats.TotalEvents, Operator: c.Operator, PayloadHash: c.PayloadHash,
	}, nil
}

func (st *contractState) flagBias(c DecodedCall, ledger uint32) (registry.Event, error) {
	m, err := st.model(c.ModelID)
	if err != nil {
		return registry.Event{}, err
	}

	st.stats.TotalEvents++
	st.stats.BiasFlags++
	m.BiasFlagCount++
	m.LastEventLedger = ledger
	st.touch(m.ID, ledger)

	return registry.Event{
		Kind: registry.KindBiasFlagged, ModelID: m.ID, EventID: st.stats.TotalEvents,
		Auditor: c.Auditor, EvidenceHash: c.EvidenceHash,
	}, nil
}

func (st *contractState) model(id uint64) (*registry.ModelRecord, error) {
	if id == 0 || id > uint64(len(st.models)) {
		return nil, fmt.Errorf("model %d is not registered (ModelNotFound): %d models exist", id, len(st.models))
	}
	return &st.models[id-1], nil
}

// touch marks the model entry and the instance entry (which contains Stats) as written.
func (st *contractState) touch(id uint64, ledger uint32) {
	st.dirtyModels[id] = true
	st.modelModified[id-1] = ledger
	st.instance.LastModifiedLedgerSeq = xdr.Uint32(ledger)
	st.instanceWritten = true
}

// instanceEntry returns the instance entry with the current Stats in its storage map,
// replacing the Stats key in place or appending it.
func (st *contractState) instanceEntry() (xdr.LedgerEntry, error) {
	statsVal, err := registry.EncodeStatsValue(st.stats)
	if err != nil {
		return xdr.LedgerEntry{}, fmt.Errorf("encode stats: %w", err)
	}

	entry := st.instance
	data := *entry.Data.ContractData
	instance := *data.Val.Instance
	var storage xdr.ScMap
	if instance.Storage != nil {
		storage = slices.Clone(*instance.Storage)
	}

	key := registry.StatsKeyScVal()
	i := slices.IndexFunc(storage, func(e xdr.ScMapEntry) bool { return e.Key.Equals(key) })
	if i >= 0 {
		storage[i].Val = statsVal
	} else {
		storage = append(storage, xdr.ScMapEntry{Key: key, Val: statsVal})
	}

	instance.Storage = &storage
	data.Val.Instance = &instance
	entry.Data.ContractData = &data
	return entry, nil
}

// modelEntry returns the persistent entry of a registered model.
func (st *contractState) modelEntry(id uint64) (xdr.LedgerEntry, error) {
	m, err := st.model(id)
	if err != nil {
		return xdr.LedgerEntry{}, err
	}
	val, err := registry.EncodeModelValue(*m)
	if err != nil {
		return xdr.LedgerEntry{}, fmt.Errorf("encode model %d: %w", id, err)
	}
	return xdr.LedgerEntry{
		LastModifiedLedgerSeq: xdr.Uint32(st.modelModified[id-1]),
		Data: xdr.LedgerEntryData{
			Type: xdr.LedgerEntryTypeContractData,
			ContractData: &xdr.ContractDataEntry{
				Contract:   st.instance.Data.ContractData.Contract,
				Key:        registry.ModelKeyScVal(id),
				Durability: xdr.ContractDataDurabilityPersistent,
				Val:        val,
			},
		},
	}, nil
}
