package plugintest

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/live"
	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modeltrace/soroban-datasource/pkg/sorobantest"
)

// liveChain is a generated chain served on loopback, to which a test adds ledgers.
type liveChain struct {
	server *sorobantest.Server
	gen    *sorobantest.Generator
	url    string
	ids    []string // event ids in chain order
}

func newLiveChain(t *testing.T, ledgers int) *liveChain {
	t.Helper()
	gen, err := sorobantest.NewGenerator(sorobantest.GeneratorOptions{Seed: 3, Models: 4, EventsPerLedger: 8, BiasRate: 0.1})
	require.NoError(t, err)
	c := &liveChain{server: sorobantest.NewServer(sorobantest.Config{}), gen: gen}
	httpServer := httptest.NewServer(c.server)
	t.Cleanup(httpServer.Close)
	c.url = httpServer.URL
	c.add(t, ledgers)
	return c
}

func (c *liveChain) add(t *testing.T, ledgers int) {
	t.Helper()
	for range ledgers {
		block, err := c.gen.NextLedger()
		require.NoError(t, err)
		require.NoError(t, c.server.AddBlock(block))
		for _, ev := range block.Events {
			c.ids = append(c.ids, protocol.Cursor{Ledger: ev.Ledger, Tx: ev.TxIndex, Op: ev.OpIndex, Event: ev.EventIndex}.String())
		}
	}
}

func (c *liveChain) instance() Instance {
	return Instance{
		UID: "live",
		JSONData: map[string]any{
			"rpcUrl": c.url, "network": "local", "registryContractId": c.gen.ContractID(), "livePollMs": 50,
		},
	}
}

func eventIDs(t *testing.T, frame *data.Frame) []string {
	t.Helper()
	field, _ := frame.FieldByName("event_id")
	require.NotNil(t, field, "frame %q has no event_id field", frame.Name)
	ids := make([]string, field.Len())
	for i := range ids {
		ids[i] = field.At(i).(string)
	}
	return ids
}

func TestBinaryLiveEventsExactlyOnce(t *testing.T) {
	chain := newLiveChain(t, 10)
	inst := chain.instance()
	_, head := chain.gen.Ledger()
	query, _ := json.Marshal(map[string]any{"queryType": "events", "live": true})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	resp, err := shared.plugin.QueryData(ctx, inst, nil, backend.DataQuery{
		RefID: "A", JSON: query, TimeRange: backend.TimeRange{From: head.Add(-time.Hour), To: head},
	})
	require.NoError(t, err)
	require.NoError(t, resp.Responses["A"].Error)
	frame := resp.Responses["A"].Frames[0]
	channel, err := live.ParseChannel(frame.Meta.Channel)
	require.NoError(t, err)
	assert.Equal(t, live.Channel{Scope: live.ScopeDatasource, Namespace: "live", Path: "events/after-1009"}, channel)
	got := eventIDs(t, frame)
	for i, j := 0, len(got)-1; i < j; i, j = i+1, j-1 {
		got[i], got[j] = got[j], got[i]
	}

	status, err := shared.plugin.SubscribeStream(ctx, inst, channel.Path)
	require.NoError(t, err)
	require.Equal(t, backend.SubscribeStreamStatusOK, status)
	streamCtx, stopStream := context.WithCancel(ctx)
	defer stopStream()
	stream, err := shared.plugin.RunStream(streamCtx, inst, channel.Path)
	require.NoError(t, err)

	// Six failed getEvents calls exhaust one poll's retries, so the stream must resume.
	chain.server.Inject(sorobantest.Fault{Method: protocol.GetEventsMethodName, Kind: sorobantest.FaultUnavailable, Count: 6})
	chain.add(t, 3)
	for len(got) < len(chain.ids) {
		packet, err := stream.Recv()
		require.NoError(t, err)
		var streamed data.Frame
		require.NoError(t, json.Unmarshal(packet.Data, &streamed))
		got = append(got, eventIDs(t, &streamed)...)
	}
	stopStream()

	assert.Equal(t, chain.ids, got)
	assert.GreaterOrEqual(t, chain.server.Calls(protocol.GetEventsMethodName), 7)
	_, err = stream.Recv()
	assert.Error(t, err, "stream must end once its context is canceled")
}

func TestBinarySubscribeRejectsBadPath(t *testing.T) {
	chain := newLiveChain(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	status, err := shared.plugin.SubscribeStream(ctx, chain.instance(), "events/models-abc")

	require.NoError(t, err)
	assert.Equal(t, backend.SubscribeStreamStatusNotFound, status)
}
