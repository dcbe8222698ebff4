package sorobantest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scenarioPath is the fixture the audit-registry contract tests write.
const scenarioPath = "../../contracts/testdata/audit-registry/scenario.json"

func writeFixture(t *testing.T, f Fixture) string {
	t.Helper()
	data, err := json.Marshal(f)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "scenario.json")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path
}

func smallFixture(t *testing.T) Fixture {
	t.Helper()
	k1, e1 := contractDataKey(t, 1)
	k2, e2 := contractDataKey(t, 2)
	ping := symbolTopic(t, "ping")
	return Fixture{
		NetworkPassphrase: DefaultNetworkPassphrase,
		ContractID:        testContract,
		Ledgers:           []FixtureLedger{{1000, 1767225600}, {1001, 1767225605}, {1002, 1767225610}},
		Events: []FixtureEvent{
			{Ledger: 1000, CloseTime: 1767225600, TxIndex: 1, ContractID: testContract,
				Topics: []string{ping}, Value: u64Topic(t, 1), Decoded: DecodedCall{Kind: "model_registered", ModelID: 1}},
			{Ledger: 1002, CloseTime: 1767225610, TxIndex: 1, ContractID: testContract,
				Topics: []string{ping}, Value: u64Topic(t, 2), Decoded: DecodedCall{Kind: "inference_logged", ModelID: 1, RiskLevel: 2}},
		},
		Instance: FixtureEntry{Key: k1, Entry: e1},
		Models:   []FixtureModel{{ModelID: 1, Key: k2, Entry: e2}},
	}
}

func TestLoadFixtureAndSeed(t *testing.T) {
	f, err := LoadFixture(writeFixture(t, smallFixture(t)))
	require.NoError(t, err)
	assert.Equal(t, uint32(2), f.Events[1].Decoded.RiskLevel)

	s := NewServer(Config{})
	require.NoError(t, s.Seed(f))
	url := serve(t, s)

	resp := getEvents(t, url, map[string]any{"startLedger": 1000})
	assert.Equal(t, []string{
		protocol.Cursor{Ledger: 1000, Tx: 1}.String(),
		protocol.Cursor{Ledger: 1002, Tx: 1}.String(),
	}, eventIDs(resp.Events))
	assert.Equal(t, "2026-01-01T00:00:10Z", resp.Events[1].LedgerClosedAt)
	assert.Equal(t, uint32(1002), resp.LatestLedger)

	var entries protocol.GetLedgerEntriesResponse
	result(t, url, "getLedgerEntries", map[string]any{"keys": []string{f.Instance.Key, f.Models[0].Key}}, &entries)
	assert.Len(t, entries.Entries, 2)
}

func TestLoadFixtureErrors(t *testing.T) {
	cases := []struct {
		name   string
		change func(f *Fixture)
		msg    string
	}{
		{"bad contract", func(f *Fixture) { f.ContractID = "GABC" }, `contract_id "GABC" is not a C... strkey`},
		{"no passphrase", func(f *Fixture) { f.NetworkPassphrase = "" }, "network_passphrase is missing"},
		{"ledgers out of order", func(f *Fixture) { f.Ledgers[2].Sequence = 1001 },
			"ledger 1001 at index 2 is not after ledger 1001: list ledgers ascending"},
		{"unknown ledger", func(f *Fixture) { f.Events[1].Ledger = 999 }, "event 1 is in ledger 999, which is not in ledgers"},
		{"wrong close time", func(f *Fixture) { f.Events[1].CloseTime = 5 },
			"event 1 has close_time 5 but ledger 1002 closed at 1767225610"},
		{"events out of order", func(f *Fixture) { f.Events[0].Ledger, f.Events[0].CloseTime = 1002, 1767225610 },
			"event 1 (ledger 1002, tx 1) is not after the event before it: list events in chain order"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := smallFixture(t)
			tc.change(&f)
			path := writeFixture(t, f)
			_, err := LoadFixture(path)
			require.Error(t, err)
			assert.Equal(t, "fixture "+path+": "+tc.msg, err.Error())
		})
	}

	t.Run("missing file", func(t *testing.T) {
		_, err := LoadFixture(filepath.Join(t.TempDir(), "none.json"))
		assert.ErrorIs(t, err, os.ErrNotExist)
	})
}

// TestScenarioFixture loads the fixture recorded from the real Soroban host. It is skipped
// until the contract tests have written contracts/testdata/audit-registry/scenario.json.
func TestScenarioFixture(t *testing.T) {
	if _, err := os.Stat(scenarioPath); os.IsNotExist(err) {
		t.Skip("contracts/testdata/audit-registry/scenario.json not written yet: run the audit-registry contract tests")
	}
	f, err := LoadFixture(scenarioPath)
	require.NoError(t, err)

	s := NewServer(Config{NetworkPassphrase: f.NetworkPassphrase})
	require.NoError(t, s.Seed(f))
	url := serve(t, s)

	var served []protocol.EventInfo
	params := map[string]any{"startLedger": f.Ledgers[0].Sequence, "pagination": map[string]any{"limit": 7}}
	for range len(f.Events) + 2 {
		resp := getEvents(t, url, params)
		served = append(served, resp.Events...)
		if len(resp.Events) < 7 {
			break
		}
		params = map[string]any{"pagination": map[string]any{"cursor": resp.Cursor, "limit": 7}}
	}
	require.Len(t, served, len(f.Events))
	for i, e := range f.Events {
		assert.Equal(t, e.Topics, served[i].TopicXDR, "event %d topics", i)
		assert.Equal(t, e.Value, served[i].ValueXDR, "event %d value", i)
		assert.Equal(t, f.ContractID, served[i].ContractID, "event %d contract", i)
	}
}
