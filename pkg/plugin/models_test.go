package plugin

import (
	"context"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"

	"github.com/stellar/go-stellar-sdk/xdr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modeltrace/soroban-datasource/pkg/registry"
)

// putNonModelEntry stores a contract data entry holding a U64 under model id's key.
func (e *streamEnv) putNonModelEntry(t *testing.T, id uint64) {
	t.Helper()
	key, err := registry.ModelKey(e.gen.ContractID(), id)
	require.NoError(t, err)
	value := xdr.Uint64(7)
	entry := xdr.LedgerEntry{
		LastModifiedLedgerSeq: 1000,
		Data: xdr.LedgerEntryData{
			Type: xdr.LedgerEntryTypeContractData,
			ContractData: &xdr.ContractDataEntry{
				Contract: key.ContractData.Contract, Key: key.ContractData.Key,
				Durability: xdr.ContractDataDurabilityPersistent,
				Val:        xdr.ScVal{Type: xdr.ScValTypeScvU64, U64: &value},
			},
		},
	}
	keyText, err := xdr.MarshalBase64(key)
	require.NoError(t, err)
	entryText, err := xdr.MarshalBase64(entry)
	require.NoError(t, err)
	require.NoError(t, e.server.PutLedgerEntry(keyText, entryText))
}

func TestModelsReportsMissingAndMalformed(t *testing.T) {
	env := newStreamEnv(t)
	env.putNonModelEntry(t, 2)
	first := env.closeTimes[env.history[0].Ledger]
	_, head := env.gen.Ledger()

	frame := env.liveQuery(t, map[string]any{"queryType": "models", "modelIds": []string{"1", "2", "3", "40", "41"}}, first, head)

	ids, _ := frame.FieldByName("model_id")
	require.NotNil(t, ids)
	assert.Equal(t, 2, ids.Len())
	assert.Equal(t, uint64(3), ids.At(0))
	assert.Equal(t, uint64(1), ids.At(1))
	require.Len(t, frame.Meta.Notices, 2)
	assert.Equal(t, "2 model record(s) were not found: ids 41, 40. They were never registered, or their storage entry "+
		"expired and must be restored on chain.", frame.Meta.Notices[0].Text)
	assert.Equal(t, "1 model record(s) could not be decoded and are not listed: ids 2.", frame.Meta.Notices[1].Text)
}

func TestJoinIDsShortensLongLists(t *testing.T) {
	ids := make([]uint64, 25)
	for i := range ids {
		ids[i] = uint64(i + 1)
	}

	assert.Equal(t, "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20 and 5 more", joinIDs(ids))
}

func TestStatsReadOncePerRefresh(t *testing.T) {
	env := newStreamEnv(t)
	first := env.closeTimes[env.history[0].Ledger]
	_, head := env.gen.Ledger()
	calls := env.server.Calls(protocol.GetLedgerEntriesMethodName)

	var queries []backend.DataQuery
	for _, refID := range []string{"A", "B", "C", "D"} {
		queries = append(queries, backend.DataQuery{RefID: refID, JSON: []byte(`{"queryType":"stats"}`),
			TimeRange: backend.TimeRange{From: first, To: head}})
	}
	queries = append(queries, backend.DataQuery{RefID: "E", JSON: []byte(`{"queryType":"models"}`),
		TimeRange: backend.TimeRange{From: first, To: head}})
	resp, err := env.ds.QueryData(context.Background(), &backend.QueryDataRequest{Queries: queries})

	require.NoError(t, err)
	for refID, res := range resp.Responses {
		require.NoError(t, res.Error, refID)
	}
	stats := env.gen.Stats()
	for _, refID := range []string{"A", "B", "C", "D"} {
		total, _ := resp.Responses[refID].Frames[0].FieldByName("total_events")
		require.NotNil(t, total)
		assert.Equal(t, stats.TotalEvents, total.At(0), refID)
	}
	assert.Equal(t, calls+2, env.server.Calls(protocol.GetLedgerEntriesMethodName), "one stats read and one model read")
}

func TestModelsLimitAppliesToFoundRecords(t *testing.T) {
	env := newStreamEnv(t)
	first := env.closeTimes[env.history[0].Ledger]
	_, head := env.gen.Ledger()

	frame := env.liveQuery(t, map[string]any{"queryType": "models", "modelIds": []string{"1", "2", "3", "50"}, "limit": 2}, first, head)

	ids, _ := frame.FieldByName("model_id")
	require.NotNil(t, ids)
	require.Equal(t, 2, ids.Len())
	assert.Equal(t, uint64(3), ids.At(0))
	assert.Equal(t, uint64(2), ids.At(1))
}
