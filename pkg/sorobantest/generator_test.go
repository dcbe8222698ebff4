package sorobantest

import (
	"os"
	"testing"
	"time"

	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"
	"github.com/stellar/go-stellar-sdk/xdr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modeltrace/soroban-datasource/pkg/registry"
)

func scValBytes(t *testing.T, v xdr.ScVal) []byte {
	t.Helper()
	b, err := v.MarshalBinary()
	require.NoError(t, err)
	return b
}

// fixtureStats returns the Stats value stored in the fixture's instance entry.
func fixtureStats(t *testing.T, f *Fixture) xdr.ScVal {
	t.Helper()
	var entry xdr.LedgerEntry
	require.NoError(t, xdr.SafeUnmarshalBase64(f.Instance.Entry, &entry))
	storage := entry.Data.ContractData.Val.Instance.Storage
	require.NotNil(t, storage)
	for _, e := range *storage {
		if e.Key.Equals(registry.StatsKeyScVal()) {
			return e.Val
		}
	}
	require.FailNow(t, "fixture instance storage has no Stats key")
	return xdr.ScVal{}
}

// TestGeneratorMatchesFixture replays the calls recorded from the real Soroban host and
// checks that the generator emits byte-identical events and storage values.
func TestGeneratorMatchesFixture(t *testing.T) {
	if _, err := os.Stat(scenarioPath); os.IsNotExist(err) {
		t.Skip("contracts/testdata/audit-registry/scenario.json not written yet: run the audit-registry contract tests")
	}
	f, err := LoadFixture(scenarioPath)
	require.NoError(t, err)
	g, err := NewGenerator(GeneratorOptions{ContractID: f.ContractID})
	require.NoError(t, err)

	for i, e := range f.Events {
		topics, value, err := g.Apply(e.Ledger, time.Unix(e.CloseTime, 0), e.Decoded)
		require.NoError(t, err, "event %d", i)
		assert.Equal(t, e.Topics, topics, "event %d (%s) topics", i, e.Decoded.Kind)
		assert.Equal(t, e.Value, value, "event %d (%s) value", i, e.Decoded.Kind)
	}

	t.Run("stats", func(t *testing.T) {
		want := f.Expected.Stats
		assert.Equal(t, registry.Stats{TotalModels: want.TotalModels, TotalEvents: want.TotalEvents,
			HighRiskFlags: want.HighRiskFlags, BiasFlags: want.BiasFlags}, g.Stats())
		statsVal, err := registry.EncodeStatsValue(g.Stats())
		require.NoError(t, err)
		assert.Equal(t, scValBytes(t, fixtureStats(t, f)), scValBytes(t, statsVal))
	})

	t.Run("models", func(t *testing.T) {
		require.Len(t, f.Models, int(g.Stats().TotalModels))
		for _, m := range f.Models {
			key, err := registry.ModelKey(f.ContractID, m.ModelID)
			require.NoError(t, err)
			keyText, err := xdr.MarshalBase64(key)
			require.NoError(t, err)
			assert.Equal(t, m.Key, keyText, "model %d key", m.ModelID)

			var want xdr.LedgerEntry
			require.NoError(t, xdr.SafeUnmarshalBase64(m.Entry, &want))
			got, err := g.ModelEntry(m.ModelID)
			require.NoError(t, err)
			assert.Equal(t, scValBytes(t, want.Data.ContractData.Val), scValBytes(t, got.Data.ContractData.Val),
				"model %d value", m.ModelID)
		}
	})

	t.Run("replay", func(t *testing.T) {
		r, err := NewGenerator(GeneratorOptions{ContractID: f.ContractID})
		require.NoError(t, err)
		require.NoError(t, r.Replay(f))
		ledger, _ := r.Ledger()
		assert.Equal(t, f.Ledgers[len(f.Ledgers)-1].Sequence, ledger)

		instance, err := r.InstanceEntry()
		require.NoError(t, err)
		var want xdr.LedgerEntry
		require.NoError(t, xdr.SafeUnmarshalBase64(f.Instance.Entry, &want))
		assert.Equal(t, scValBytes(t, want.Data.ContractData.Val), scValBytes(t, instance.Data.ContractData.Val))

		block, err := r.NextLedger()
		require.NoError(t, err)
		assert.Equal(t, ledger+1, block.Sequence)
	})
}

func generate(t *testing.T, opts GeneratorOptions, ledgers int) []Block {
	t.Helper()
	g, err := NewGenerator(opts)
	require.NoError(t, err)
	blocks := make([]Block, ledgers)
	for i := range blocks {
		blocks[i], err = g.NextLedger()
		require.NoError(t, err)
	}
	return blocks
}

func TestGeneratorDeterministic(t *testing.T) {
	a := generate(t, GeneratorOptions{Seed: 7}, 5)
	b := generate(t, GeneratorOptions{Seed: 7}, 5)
	c := generate(t, GeneratorOptions{Seed: 8}, 5)
	assert.Equal(t, a, b)
	assert.NotEqual(t, a[2].Events, c[2].Events)
}

func TestGeneratorTraffic(t *testing.T) {
	opts := GeneratorOptions{Seed: 3, Models: 4, EventsPerLedger: 25, BiasRate: 0.1, StartLedger: 500}
	g, err := NewGenerator(opts)
	require.NoError(t, err)

	first, err := g.NextLedger()
	require.NoError(t, err)
	assert.Equal(t, uint32(500), first.Sequence)
	assert.Equal(t, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), first.CloseTime)
	require.Len(t, first.Events, 4)
	assert.Len(t, first.Entries, 5, "instance and four models")

	byKind := map[registry.EventKind]uint64{}
	var high uint64
	for range 40 {
		block, err := g.NextLedger()
		require.NoError(t, err)
		require.Len(t, block.Events, 25)
		for i, e := range block.Events {
			assert.Equal(t, uint32(i+1), e.TxIndex)
			ev, err := registry.DecodeEvent(e.Topics, e.Value)
			require.NoError(t, err)
			byKind[ev.Kind]++
			if ev.Kind == registry.KindInferenceLogged && ev.Risk.IsHigh() {
				high++
			}
		}
	}
	last, closeTime := g.Ledger()
	assert.Equal(t, uint32(540), last)
	assert.Equal(t, first.CloseTime.Add(40*5*time.Second), closeTime)

	stats := g.Stats()
	assert.Equal(t, uint64(4), stats.TotalModels)
	assert.Equal(t, uint64(40*25), stats.TotalEvents)
	assert.Equal(t, byKind[registry.KindInferenceLogged]+byKind[registry.KindBiasFlagged], stats.TotalEvents)
	assert.Equal(t, byKind[registry.KindBiasFlagged], stats.BiasFlags)
	assert.Equal(t, high, stats.HighRiskFlags)
	assert.Positive(t, stats.BiasFlags)

	var inferences, bias uint64
	for id := uint64(1); id <= 4; id++ {
		m, ok := g.Model(id)
		require.True(t, ok)
		inferences += m.InferenceCount
		bias += m.BiasFlagCount
	}
	assert.Equal(t, byKind[registry.KindInferenceLogged], inferences)
	assert.Equal(t, stats.BiasFlags, bias)
}

func TestGeneratorRiskMix(t *testing.T) {
	blocks := generate(t, GeneratorOptions{Seed: 1, Models: 2, EventsPerLedger: 10, RiskWeights: [4]int{0, 0, 0, 1}}, 4)
	for _, b := range blocks[1:] {
		for _, e := range b.Events {
			ev, err := registry.DecodeEvent(e.Topics, e.Value)
			require.NoError(t, err)
			assert.Equal(t, registry.KindInferenceLogged, ev.Kind)
			assert.Equal(t, registry.RiskCritical, ev.Risk)
		}
	}
}

func TestGeneratorOnServer(t *testing.T) {
	g, err := NewGenerator(GeneratorOptions{Seed: 5, Models: 3, EventsPerLedger: 4})
	require.NoError(t, err)
	s := NewServer(Config{})
	for range 10 {
		block, err := g.NextLedger()
		require.NoError(t, err)
		require.NoError(t, s.AddBlock(block))
	}
	url := serve(t, s)

	resp := getEvents(t, url, map[string]any{"startLedger": 1000, "filters": []map[string]any{{
		"contractIds": []string{DefaultContractID},
		"topics":      [][]string{{registry.TopicSymbol(registry.KindInferenceLogged), "*", "*"}, {registry.TopicSymbol(registry.KindBiasFlagged), "*", "*"}},
	}}})
	assert.Len(t, resp.Events, 36)
	assert.Equal(t, uint32(1009), resp.LatestLedger)

	key, err := registry.InstanceKey(DefaultContractID)
	require.NoError(t, err)
	keyText, err := xdr.MarshalBase64(key)
	require.NoError(t, err)
	var entries protocol.GetLedgerEntriesResponse
	result(t, url, "getLedgerEntries", map[string]any{"keys": []string{keyText}}, &entries)
	require.Len(t, entries.Entries, 1)
	assert.Equal(t, uint32(1009), entries.Entries[0].LastModifiedLedger)

	var data xdr.LedgerEntryData
	require.NoError(t, xdr.SafeUnmarshalBase64(entries.Entries[0].DataXDR, &data))
	stats, err := registry.DecodeStats(xdr.LedgerEntry{Data: data})
	require.NoError(t, err)
	assert.Equal(t, g.Stats(), stats)
	assert.Equal(t, uint64(36), stats.TotalEvents)
}

func TestGeneratorErrors(t *testing.T) {
	cases := []struct {
		name string
		opts GeneratorOptions
		msg  string
	}{
		{"bad contract", GeneratorOptions{ContractID: "CABC"}, `generator options: contract id "CABC" is not a C... strkey`},
		{"negative weight", GeneratorOptions{RiskWeights: [4]int{1, -1, 0, 0}},
			"generator options: risk weights [1 -1 0 0] contain a negative weight: use weights >= 0"},
		{"bias rate", GeneratorOptions{BiasRate: 1.5}, "generator options: bias rate 1.5 is outside [0, 1]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewGenerator(tc.opts)
			require.Error(t, err)
			assert.Equal(t, tc.msg, err.Error())
		})
	}

	t.Run("calls", func(t *testing.T) {
		g, err := NewGenerator(GeneratorOptions{})
		require.NoError(t, err)
		at := time.Unix(1767225600, 0)
		_, _, err = g.Apply(1000, at, DecodedCall{Kind: "inference_logged", ModelID: 1})
		assert.EqualError(t, err, "model 1 is not registered (ModelNotFound): 0 models exist")

		_, _, err = g.Apply(1000, at, DecodedCall{Kind: "model_registered", Operator: g.auditors[0], Name: "m", Version: "1",
			WeightsHash: g.randomHash(), TrainingDataCID: "cid"})
		require.NoError(t, err)
		_, _, err = g.Apply(1001, at, DecodedCall{Kind: "inference_logged", ModelID: 1, Operator: g.auditors[1], PayloadHash: g.randomHash()})
		assert.EqualError(t, err, "log_inference on model 1 by "+g.auditors[1]+": not the model's operator (NotModelOperator)")

		_, _, err = g.Apply(1001, at, DecodedCall{Kind: "model_registered", Operator: g.auditors[0], Name: "", Version: "1",
			WeightsHash: g.randomHash(), TrainingDataCID: "cid"})
		assert.EqualError(t, err, `register_model: name, version and training data CID must be 1 to 256 bytes, got "" (InvalidInput)`)

		_, _, err = g.Apply(999, at, DecodedCall{Kind: "bias_flagged", ModelID: 1})
		assert.EqualError(t, err, "call in ledger 999 is before the generator's ledger 1001: apply calls in chain order")
	})
}
