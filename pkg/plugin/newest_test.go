package plugin

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modeltrace/soroban-datasource/pkg/index"
	"github.com/modeltrace/soroban-datasource/pkg/registry"
	"github.com/modeltrace/soroban-datasource/pkg/soroban"
)

// newestIDs returns the ids of the newest limit events that keep accepts, newest first.
func newestIDs(t *testing.T, env *streamEnv, limit int, keep func(registry.Event) bool) []string {
	t.Helper()
	ids := eventIDsOf(env.allEvents(), keep, t)
	slices.Reverse(ids)
	return ids[:min(limit, len(ids))]
}

func TestEventsTableFromIndex(t *testing.T) {
	env := newStreamEnv(t)
	env.addLedgers(t, 15)
	first := env.closeTimes[env.history[0].Ledger]
	_, head := env.gen.Ledger()
	query := map[string]any{"queryType": "events", "limit": 10}

	cold := env.liveQuery(t, query, first, head)
	calls := env.server.Calls(protocol.GetEventsMethodName)
	warm := env.liveQuery(t, query, first, head)

	want := newestIDs(t, env, 10, func(registry.Event) bool { return true })
	assert.Equal(t, want, frameEventIDs(t, cold))
	assert.Equal(t, want, frameEventIDs(t, warm))
	assert.Equal(t, calls, env.server.Calls(protocol.GetEventsMethodName), "a warm index serves the table without getEvents")
	assert.NotContains(t, warm.Meta.ExecutedQueryString, "getEvents ledgers")
	require.Len(t, warm.Meta.Notices, 1)
	assert.Equal(t, limitNotice(10, len(env.allEvents())-10), warm.Meta.Notices[0].Text)
}

func TestEventsTableRescansOnlyNeededLedgers(t *testing.T) {
	env := newStreamEnv(t)
	env.addLedgers(t, 15)
	env.ds.events = index.New(soroban.NewClient(env.ds.settings.RPCURL, &http.Client{}, soroban.Options{}),
		env.ds.settings.RegistryContractID, index.Options{KeepRawNewest: 5})
	first := env.closeTimes[env.history[0].Ledger]
	_, head := env.gen.Ledger()

	frame := env.liveQuery(t, map[string]any{"queryType": "events", "limit": 10}, first, head)

	want := newestIDs(t, env, 10, func(registry.Event) bool { return true })
	assert.Equal(t, want, frameEventIDs(t, frame))
	oldest, err := protocol.ParseCursor(want[len(want)-1])
	require.NoError(t, err)
	assert.Contains(t, frame.Meta.ExecutedQueryString, fmt.Sprintf("getEvents ledgers [%d, 1020)", oldest.Ledger))
	assert.Contains(t, frame.Meta.ExecutedQueryString, "index ledgers [1000, 1020)")
}

func TestEventsTableRareKindFallsBack(t *testing.T) {
	env := newStreamEnv(t)
	env.addLedgers(t, 15)
	env.ds.events = index.New(soroban.NewClient(env.ds.settings.RPCURL, &http.Client{}, soroban.Options{}),
		env.ds.settings.RegistryContractID, index.Options{KeepRawNewest: 5})
	first := env.closeTimes[env.history[0].Ledger]
	_, head := env.gen.Ledger()
	query := map[string]any{"queryType": "events", "limit": 4, "eventKinds": []string{"bias_flagged"}, "modelIds": []string{"1", "2"}}

	frame := env.liveQuery(t, query, first, head)

	want := newestIDs(t, env, 4, func(ev registry.Event) bool {
		return ev.Kind == registry.KindBiasFlagged && ev.ModelID <= 2
	})
	require.Len(t, want, 4)
	assert.Equal(t, want, frameEventIDs(t, frame))
}
