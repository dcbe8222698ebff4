package registry

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/stellar/go-stellar-sdk/xdr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scenarioPath is the fixture the audit-registry contract tests write from the real Soroban
// host.
const scenarioPath = "../../contracts/testdata/audit-registry/scenario.json"

// scenario is the part of the fixture these tests read.
type scenario struct {
	ContractID string           `json:"contract_id"`
	Ledgers    []scenarioLedger `json:"ledgers"`
	Events     []scenarioEvent  `json:"events"`
	Instance   struct {
		Key   string `json:"key"`
		Entry string `json:"entry"`
	} `json:"instance"`
	Models []struct {
		ModelID uint64 `json:"model_id"`
		Key     string `json:"key"`
		Entry   string `json:"entry"`
	} `json:"models"`
	Expected struct {
		Stats struct {
			TotalModels   uint64 `json:"total_models"`
			TotalEvents   uint64 `json:"total_events"`
			HighRiskFlags uint64 `json:"high_risk_flags"`
			BiasFlags     uint64 `json:"bias_flags"`
		} `json:"stats"`
		InferencesByRisk riskCounts      `json:"inferences_by_risk"`
		ByModel          []expectedModel `json:"by_model"`
	} `json:"expected"`
}

type scenarioLedger struct {
	Sequence  uint32 `json:"sequence"`
	CloseTime uint64 `json:"close_time"`
}

type scenarioEvent struct {
	Ledger     uint32       `json:"ledger"`
	CloseTime  uint64       `json:"close_time"`
	ContractID string       `json:"contract_id"`
	Topics     []string     `json:"topics"`
	Value      string       `json:"value"`
	Decoded    decodedEvent `json:"decoded"`
}

type decodedEvent struct {
	Kind            EventKind `json:"kind"`
	ModelID         uint64    `json:"model_id"`
	RiskLevel       *uint32   `json:"risk_level"`
	EventID         uint64    `json:"event_id"`
	Operator        string    `json:"operator"`
	Auditor         string    `json:"auditor"`
	Name            string    `json:"name"`
	Version         string    `json:"version"`
	WeightsHash     string    `json:"weights_hash"`
	TrainingDataCID string    `json:"training_data_cid"`
	PayloadHash     string    `json:"payload_hash"`
	EvidenceHash    string    `json:"evidence_hash"`
}

// event returns the Event that DecodeEvent must produce for d.
func (d decodedEvent) event() Event {
	ev := Event{
		Kind: d.Kind, ModelID: d.ModelID, EventID: d.EventID,
		Operator: d.Operator, Auditor: d.Auditor,
		PayloadHash: d.PayloadHash, EvidenceHash: d.EvidenceHash,
		Name: d.Name, Version: d.Version, WeightsHash: d.WeightsHash, TrainingDataCID: d.TrainingDataCID,
	}
	if d.RiskLevel != nil {
		ev.Risk = RiskLevel(*d.RiskLevel)
	}
	return ev
}

type riskCounts struct {
	Low      uint64 `json:"low"`
	Medium   uint64 `json:"medium"`
	High     uint64 `json:"high"`
	Critical uint64 `json:"critical"`
}

func (c *riskCounts) add(r RiskLevel) {
	switch r {
	case RiskLow:
		c.Low++
	case RiskMedium:
		c.Medium++
	case RiskHigh:
		c.High++
	case RiskCritical:
		c.Critical++
	}
}

type expectedModel struct {
	ModelID          uint64     `json:"model_id"`
	InferenceCount   uint64     `json:"inference_count"`
	HighRiskCount    uint64     `json:"high_risk_count"`
	BiasFlagCount    uint64     `json:"bias_flag_count"`
	InferencesByRisk riskCounts `json:"inferences_by_risk"`
	RegisteredLedger uint32     `json:"registered_ledger"`
	LastEventLedger  uint32     `json:"last_event_ledger"`
}

func loadScenario(t testing.TB) scenario {
	t.Helper()
	raw, err := os.ReadFile(scenarioPath)
	require.NoError(t, err, "the audit-registry contract tests write this fixture")
	var s scenario
	require.NoError(t, json.Unmarshal(raw, &s))
	require.NotEmpty(t, s.Events)
	return s
}

func TestScenarioEvents(t *testing.T) {
	s := loadScenario(t)
	for i, fe := range s.Events {
		got, err := DecodeEvent(fe.Topics, fe.Value)
		require.NoError(t, err, "event %d", i)
		assert.Equal(t, fe.Decoded.event(), got, "event %d", i)
		assert.Equal(t, s.ContractID, fe.ContractID, "event %d", i)

		topics, value, err := EncodeEvent(got)
		require.NoError(t, err, "event %d", i)
		assert.Equal(t, fe.Topics, topics, "event %d topics", i)
		assert.Equal(t, fe.Value, value, "event %d value", i)
		assert.Equal(t, TopicSymbol(got.Kind), fe.Topics[0], "event %d", i)
		assert.Equal(t, U64Topic(got.ModelID), fe.Topics[1], "event %d", i)
		if got.Kind == KindInferenceLogged {
			assert.Equal(t, U32Topic(uint32(got.Risk)), fe.Topics[2], "event %d", i)
		}
	}
}

func TestScenarioEventLedgers(t *testing.T) {
	s := loadScenario(t)
	require.NotEmpty(t, s.Ledgers)
	closeTimes := map[uint32]uint64{}
	for i, l := range s.Ledgers {
		closeTimes[l.Sequence] = l.CloseTime
		if i > 0 {
			assert.Greater(t, l.Sequence, s.Ledgers[i-1].Sequence, "ledgers[%d] sequence", i)
			assert.Greater(t, l.CloseTime, s.Ledgers[i-1].CloseTime, "ledgers[%d] close time", i)
		}
	}

	previous := s.Events[0].Ledger
	for i, fe := range s.Events {
		closeTime, ok := closeTimes[fe.Ledger]
		require.True(t, ok, "event %d: ledger %d is not in ledgers[]", i, fe.Ledger)
		assert.Equal(t, closeTime, fe.CloseTime, "event %d: close time of ledger %d", i, fe.Ledger)
		assert.GreaterOrEqual(t, fe.Ledger, previous, "event %d: ledger decreased", i)
		previous = fe.Ledger
	}
}

// scenarioTotals are the counters recomputed from the scenario's events.
type scenarioTotals struct {
	stats    Stats
	byRisk   riskCounts
	models   map[uint64]*expectedModel
	register map[uint64]Event
}

func totalsOf(t *testing.T, s scenario) scenarioTotals {
	totals := scenarioTotals{models: map[uint64]*expectedModel{}, register: map[uint64]Event{}}
	for i, fe := range s.Events {
		ev, err := DecodeEvent(fe.Topics, fe.Value)
		require.NoError(t, err, "event %d", i)
		m := totals.models[ev.ModelID]
		if m == nil {
			m = &expectedModel{ModelID: ev.ModelID}
			totals.models[ev.ModelID] = m
		}
		m.LastEventLedger = fe.Ledger

		switch ev.Kind {
		case KindModelRegistered:
			totals.stats.TotalModels++
			totals.register[ev.ModelID] = ev
			m.RegisteredLedger = fe.Ledger
		case KindInferenceLogged:
			totals.stats.TotalEvents++
			totals.byRisk.add(ev.Risk)
			m.InferencesByRisk.add(ev.Risk)
			m.InferenceCount++
			if ev.Risk.IsHigh() {
				totals.stats.HighRiskFlags++
				m.HighRiskCount++
			}
		case KindBiasFlagged:
			totals.stats.TotalEvents++
			totals.stats.BiasFlags++
			m.BiasFlagCount++
		}
	}
	return totals
}

func TestScenarioExpectedTotals(t *testing.T) {
	s := loadScenario(t)
	totals := totalsOf(t, s)
	want := s.Expected

	assert.Equal(t, Stats{
		TotalModels: want.Stats.TotalModels, TotalEvents: want.Stats.TotalEvents,
		HighRiskFlags: want.Stats.HighRiskFlags, BiasFlags: want.Stats.BiasFlags,
	}, totals.stats)
	assert.Equal(t, want.InferencesByRisk, totals.byRisk)
	require.Len(t, want.ByModel, len(totals.models))
	for _, m := range want.ByModel {
		require.Contains(t, totals.models, m.ModelID)
		assert.Equal(t, m, *totals.models[m.ModelID], "model %d", m.ModelID)
	}
}

func TestScenarioInstanceEntry(t *testing.T) {
	s := loadScenario(t)
	key, err := InstanceKey(s.ContractID)
	require.NoError(t, err)
	assert.Equal(t, s.Instance.Key, marshal(t, key))

	var entry xdr.LedgerEntry
	require.NoError(t, xdr.SafeUnmarshalBase64(s.Instance.Entry, &entry))
	stats, err := DecodeStats(entry)
	require.NoError(t, err)
	assert.Equal(t, totalsOf(t, s).stats, stats)
	assert.Equal(t, s.Expected.Stats.TotalEvents, stats.TotalEvents)

	stored, ok := storageValue(entry, StatsKeyScVal())
	require.True(t, ok, "instance storage has no Stats key")
	encoded, err := EncodeStatsValue(stats)
	require.NoError(t, err)
	assert.Equal(t, marshal(t, stored), marshal(t, encoded))
}

// storageValue returns the value under key in an instance entry's storage map.
func storageValue(entry xdr.LedgerEntry, key xdr.ScVal) (xdr.ScVal, bool) {
	storage := entry.Data.ContractData.Val.Instance.Storage
	for _, item := range *storage {
		if item.Key.Equals(key) {
			return item.Val, true
		}
	}
	return xdr.ScVal{}, false
}

func TestScenarioModelEntries(t *testing.T) {
	s := loadScenario(t)
	totals := totalsOf(t, s)
	closeTimes := map[uint32]uint64{}
	for _, l := range s.Ledgers {
		closeTimes[l.Sequence] = l.CloseTime
	}
	require.Len(t, s.Models, len(s.Expected.ByModel))

	for _, fm := range s.Models {
		t.Run(fmt.Sprintf("model %d", fm.ModelID), func(t *testing.T) {
			key, err := ModelKey(s.ContractID, fm.ModelID)
			require.NoError(t, err)
			assert.Equal(t, fm.Key, marshal(t, key))

			var entry xdr.LedgerEntry
			require.NoError(t, xdr.SafeUnmarshalBase64(fm.Entry, &entry))
			got, err := DecodeModel(entry)
			require.NoError(t, err)

			counted := totals.models[fm.ModelID]
			registered := totals.register[fm.ModelID]
			require.NotNil(t, counted)
			assert.Equal(t, ModelRecord{
				ID: fm.ModelID, Operator: registered.Operator, Name: registered.Name,
				Version: registered.Version, WeightsHash: registered.WeightsHash,
				TrainingDataCID:  registered.TrainingDataCID,
				RegisteredLedger: counted.RegisteredLedger, RegisteredAt: closeTimes[counted.RegisteredLedger],
				InferenceCount: counted.InferenceCount, HighRiskCount: counted.HighRiskCount,
				BiasFlagCount: counted.BiasFlagCount, LastEventLedger: counted.LastEventLedger,
			}, got)

			encoded, err := EncodeModelValue(got)
			require.NoError(t, err)
			assert.Equal(t, marshal(t, entry.Data.ContractData.Val), marshal(t, encoded))
		})
	}
}

func marshal(t testing.TB, v any) string {
	t.Helper()
	s, err := xdr.MarshalBase64(v)
	require.NoError(t, err)
	return s
}
