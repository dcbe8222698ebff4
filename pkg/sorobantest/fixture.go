package sorobantest

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/stellar/go-stellar-sdk/strkey"
)

// Fixture is a scenario recorded from the real Soroban host by the audit-registry
// contract tests (contracts/testdata/audit-registry/scenario.json).
type Fixture struct {
	NetworkPassphrase string          `json:"network_passphrase"`
	ContractID        string          `json:"contract_id"`
	Ledgers           []FixtureLedger `json:"ledgers"`
	Events            []FixtureEvent  `json:"events"`
	Instance          FixtureEntry    `json:"instance"`
	Models            []FixtureModel  `json:"models"`
	Expected          FixtureExpected `json:"expected"`
}

// FixtureLedger is one scenario ledger with its close time in unix seconds.
type FixtureLedger struct {
	Sequence  uint32 `json:"sequence"`
	CloseTime int64  `json:"close_time"`
}

// FixtureEvent is one contract event in chain order, with the call that emitted it.
type FixtureEvent struct {
	Ledger     uint32      `json:"ledger"`
	CloseTime  int64       `json:"close_time"`
	TxIndex    uint32      `json:"tx_index"` // 1-based, one transaction per contract call
	OpIndex    uint32      `json:"op_index"`
	EventIndex uint32      `json:"event_index"`
	ContractID string      `json:"contract_id"`
	Topics     []string    `json:"topics"` // base64 XDR ScVals
	Value      string      `json:"value"`  // base64 XDR ScVal
	Decoded    DecodedCall `json:"decoded"`
}

// DecodedCall is the plain-JSON form of a contract call and the event it emitted. Hashes
// are 64 hex digits and addresses are G... strkeys.
type DecodedCall struct {
	Kind    string `json:"kind"` // model_registered, inference_logged or bias_flagged
	ModelID uint64 `json:"model_id"`

	// model_registered
	Operator        string `json:"operator,omitempty"` // also inference_logged
	Name            string `json:"name,omitempty"`
	Version         string `json:"version,omitempty"`
	WeightsHash     string `json:"weights_hash,omitempty"`
	TrainingDataCID string `json:"training_data_cid,omitempty"`

	// inference_logged
	RiskLevel   uint32 `json:"risk_level"`
	EventID     uint64 `json:"event_id,omitempty"` // also bias_flagged
	PayloadHash string `json:"payload_hash,omitempty"`

	// bias_flagged
	Auditor      string `json:"auditor,omitempty"`
	EvidenceHash string `json:"evidence_hash,omitempty"`
}

// FixtureEntry is a ledger entry with its key, both base64 XDR.
type FixtureEntry struct {
	Key   string `json:"key"`
	Entry string `json:"entry"`
}

// FixtureModel is the persistent entry of one registered model.
type FixtureModel struct {
	ModelID uint64 `json:"model_id"`
	Key     string `json:"key"`
	Entry   string `json:"entry"`
}

// FixtureExpected contains the totals the scenario must produce.
type FixtureExpected struct {
	Stats            ExpectedStats   `json:"stats"`
	InferencesByRisk RiskCounts      `json:"inferences_by_risk"`
	ByModel          []ExpectedModel `json:"by_model"`
}

// ExpectedStats mirrors the contract's RegistryStats.
type ExpectedStats struct {
	TotalModels   uint64 `json:"total_models"`
	TotalEvents   uint64 `json:"total_events"`
	HighRiskFlags uint64 `json:"high_risk_flags"`
	BiasFlags     uint64 `json:"bias_flags"`
}

// RiskCounts counts inferences per risk level.
type RiskCounts struct {
	Low      uint64 `json:"low"`
	Medium   uint64 `json:"medium"`
	High     uint64 `json:"high"`
	Critical uint64 `json:"critical"`
}

// ExpectedModel contains the expected counters of one model.
type ExpectedModel struct {
	ModelID          uint64     `json:"model_id"`
	InferenceCount   uint64     `json:"inference_count"`
	HighRiskCount    uint64     `json:"high_risk_count"`
	BiasFlagCount    uint64     `json:"bias_flag_count"`
	InferencesByRisk RiskCounts `json:"inferences_by_risk"`
	RegisteredLedger uint32     `json:"registered_ledger"`
	LastEventLedger  uint32     `json:"last_event_ledger"`
}

// LoadFixture reads and checks a scenario file: the contract id must be a C... strkey,
// ledgers ascending, and every event in a listed ledger, in chain order.
func LoadFixture(path string) (*Fixture, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read fixture: %w", err)
	}
	var f Fixture
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("parse fixture %s: %w: regenerate it with the audit-registry contract tests", path, err)
	}
	if err := f.validate(); err != nil {
		return nil, fmt.Errorf("fixture %s: %w", path, err)
	}
	return &f, nil
}

func (f *Fixture) validate() error {
	if f.NetworkPassphrase == "" {
		return errors.New("network_passphrase is missing")
	}
	if _, err := strkey.Decode(strkey.VersionByteContract, f.ContractID); err != nil {
		return fmt.Errorf("contract_id %q is not a C... strkey", f.ContractID)
	}

	closeTimes := make(map[uint32]int64, len(f.Ledgers))
	for i, l := range f.Ledgers {
		if i > 0 && l.Sequence <= f.Ledgers[i-1].Sequence {
			return fmt.Errorf("ledger %d at index %d is not after ledger %d: list ledgers ascending",
				l.Sequence, i, f.Ledgers[i-1].Sequence)
		}
		closeTimes[l.Sequence] = l.CloseTime
	}

	for i, e := range f.Events {
		closeTime, ok := closeTimes[e.Ledger]
		if !ok {
			return fmt.Errorf("event %d is in ledger %d, which is not in ledgers", i, e.Ledger)
		}
		if closeTime != e.CloseTime {
			return fmt.Errorf("event %d has close_time %d but ledger %d closed at %d", i, e.CloseTime, e.Ledger, closeTime)
		}
		if i > 0 && compareFixtureEvents(f.Events[i-1], e) >= 0 {
			return fmt.Errorf("event %d (ledger %d, tx %d) is not after the event before it: list events in chain order",
				i, e.Ledger, e.TxIndex)
		}
	}
	return nil
}

func compareFixtureEvents(a, b FixtureEvent) int {
	ka := [4]uint32{a.Ledger, a.TxIndex, a.OpIndex, a.EventIndex}
	kb := [4]uint32{b.Ledger, b.TxIndex, b.OpIndex, b.EventIndex}
	for i := range ka {
		if ka[i] != kb[i] {
			if ka[i] < kb[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// StoredEvent returns the event as the server stores it, with a derived tx hash.
func (e FixtureEvent) StoredEvent() StoredEvent {
	return StoredEvent{
		Ledger:     e.Ledger,
		TxIndex:    e.TxIndex,
		OpIndex:    e.OpIndex,
		EventIndex: e.EventIndex,
		ContractID: e.ContractID,
		Topics:     e.Topics,
		Value:      e.Value,
	}
}

// Seed loads the fixture's ledgers, events, instance entry and model entries.
func (s *Server) Seed(f *Fixture) error {
	for _, l := range f.Ledgers {
		s.AddLedger(l.Sequence, time.Unix(l.CloseTime, 0))
	}
	for i, e := range f.Events {
		if err := s.AppendEvent(e.StoredEvent()); err != nil {
			return fmt.Errorf("seed event %d: %w", i, err)
		}
	}
	if err := s.PutLedgerEntry(f.Instance.Key, f.Instance.Entry); err != nil {
		return fmt.Errorf("seed instance entry: %w", err)
	}
	for _, m := range f.Models {
		if err := s.PutLedgerEntry(m.Key, m.Entry); err != nil {
			return fmt.Errorf("seed entry of model %d: %w", m.ModelID, err)
		}
	}
	return nil
}
