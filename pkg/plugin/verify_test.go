package plugin

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// queryAll sends one query of every type to ds and returns the responses by query type.
func queryAll(t *testing.T, ds *Datasource, from, to time.Time) map[string]backend.DataResponse {
	t.Helper()
	var queries []backend.DataQuery
	for _, queryType := range []string{QueryTypeStats, QueryTypeRiskSeries, QueryTypeBiasFlags, QueryTypeModels, QueryTypeEvents} {
		raw, err := json.Marshal(map[string]any{"queryType": queryType})
		require.NoError(t, err)
		queries = append(queries, backend.DataQuery{RefID: queryType, JSON: raw, Interval: time.Minute,
			TimeRange: backend.TimeRange{From: from, To: to}})
	}
	resp, err := ds.QueryData(context.Background(), &backend.QueryDataRequest{Queries: queries})
	require.NoError(t, err)
	return resp.Responses
}

func TestQueriesFailOnWrongNetwork(t *testing.T) {
	env := newStreamEnv(t)
	settings := env.ds.settings
	settings.Network, settings.NetworkPassphrase = "testnet", PassphraseTestnet
	ds := NewDatasourceWithHTTPClient(settings, &http.Client{})
	t.Cleanup(ds.Dispose)
	first := env.closeTimes[env.history[0].Ledger]
	_, head := env.gen.Ledger()

	for queryType, res := range queryAll(t, ds, first, head) {
		require.Error(t, res.Error, queryType)
		assert.Equal(t, `network passphrase mismatch: the RPC at `+settings.RPCURL+` serves "Standalone Network ; February 2017" `+
			`but the datasource is set to "Test SDF Network ; September 2015": choose the network the RPC serves in the datasource `+
			`settings, or point the RPC URL at a node of the configured network`, res.Error.Error(), queryType)
		assert.Equal(t, backend.ErrorSourceDownstream, res.ErrorSource, queryType)
	}
	assert.Zero(t, env.server.Calls(protocol.GetEventsMethodName), "no query may scan events of the wrong network")
}

func TestQueriesFailOnUndeployedContract(t *testing.T) {
	env := newStreamEnv(t)
	settings := env.ds.settings
	settings.RegistryContractID = testContractID
	ds := NewDatasourceWithHTTPClient(settings, &http.Client{})
	t.Cleanup(ds.Dispose)
	first := env.closeTimes[env.history[0].Ledger]
	_, head := env.gen.Ledger()

	for queryType, res := range queryAll(t, ds, first, head) {
		require.Error(t, res.Error, queryType)
		assert.Equal(t, "contract "+testContractID+` not found on network "Standalone Network ; February 2017": `+
			"check the contract id and the network in the datasource settings", res.Error.Error(), queryType)
		assert.Equal(t, backend.ErrorSourceDownstream, res.ErrorSource, queryType)
	}
}

func TestRegistryCheckedOncePerInstance(t *testing.T) {
	env := newStreamEnv(t)
	first := env.closeTimes[env.history[0].Ledger]
	_, head := env.gen.Ledger()

	for range 3 {
		for queryType, res := range queryAll(t, env.ds, first, head) {
			require.NoError(t, res.Error, queryType)
		}
	}

	assert.Equal(t, 1, env.server.Calls(protocol.GetNetworkMethodName))
}

func TestUnregisteredModelsGetANotice(t *testing.T) {
	env := newStreamEnv(t)
	first := env.closeTimes[env.history[0].Ledger]
	_, head := env.gen.Ledger()

	for _, queryType := range []string{QueryTypeRiskSeries, QueryTypeBiasFlags, QueryTypeEvents} {
		frame := env.liveQuery(t, map[string]any{"queryType": queryType, "modelIds": []string{"2", "9", "40"}}, first, head)

		var texts []string
		for _, notice := range frame.Meta.Notices {
			texts = append(texts, notice.Text)
		}
		assert.Contains(t, texts, "Model id(s) 9, 40 are not registered: the registry holds 3 models, ids 1 to 3. Check the model filter.", queryType)
	}
	frame := env.liveQuery(t, map[string]any{"queryType": "riskSeries", "modelIds": []string{"1", "3"}}, first, head)
	assert.Empty(t, frame.Meta.Notices)
}
