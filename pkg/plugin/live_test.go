package plugin

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/live"
	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modeltrace/soroban-datasource/pkg/registry"
)

// liveQuery runs one query through QueryData as Grafana sends it, with a datasource uid in
// the plugin context, and returns its only frame.
func (e *streamEnv) liveQuery(t *testing.T, model map[string]any, from, to time.Time) *data.Frame {
	t.Helper()
	raw, err := json.Marshal(model)
	require.NoError(t, err)
	pluginCtx := backend.PluginContext{DataSourceInstanceSettings: &backend.DataSourceInstanceSettings{UID: "mt"}}
	ctx := backend.WithPluginContext(context.Background(), pluginCtx)
	resp, err := e.ds.QueryData(ctx, &backend.QueryDataRequest{
		PluginContext: pluginCtx,
		Queries: []backend.DataQuery{{
			RefID: "A", JSON: raw, Interval: 10 * time.Second, MaxDataPoints: 1000,
			TimeRange: backend.TimeRange{From: from, To: to},
		}},
	})
	require.NoError(t, err)
	res := resp.Responses["A"]
	require.NoError(t, res.Error)
	require.Len(t, res.Frames, 1)
	return res.Frames[0]
}

// channelPath returns the stream path of a frame's Live channel.
func channelPath(t *testing.T, frame *data.Frame) string {
	t.Helper()
	require.NotNil(t, frame.Meta)
	channel, err := live.ParseChannel(frame.Meta.Channel)
	require.NoError(t, err, "channel %q", frame.Meta.Channel)
	assert.Equal(t, live.ScopeDatasource, channel.Scope)
	assert.Equal(t, "mt", channel.Namespace)
	return channel.Path
}

func frameEventIDs(t *testing.T, frame *data.Frame) []string {
	t.Helper()
	field, _ := frame.FieldByName("event_id")
	require.NotNil(t, field)
	ids := make([]string, field.Len())
	for i := range ids {
		ids[i] = field.At(i).(string)
	}
	return ids
}

func TestLiveEventsContinueQueryExactlyOnce(t *testing.T) {
	for name, skew := range map[string]time.Duration{"end at head": 0, "end behind head": 10 * time.Second} {
		t.Run(name, func(t *testing.T) {
			env := newStreamEnv(t)
			first := env.closeTimes[env.history[0].Ledger]
			_, head := env.gen.Ledger()

			frame := env.liveQuery(t, map[string]any{"queryType": "events", "live": true}, first, head.Add(-skew))
			path := channelPath(t, frame)
			assert.Equal(t, "events/after-1004", path)
			queried := frameEventIDs(t, frame)
			slices.Reverse(queried)

			recorder, cancel, done := env.runStream(t, path)
			env.addLedgers(t, 3)
			want := eventIDsOf(env.allEvents(), func(registry.Event) bool { return true }, t)
			require.Eventually(t, func() bool { return len(queried)+len(recorder.eventIDs(t)) >= len(want) },
				5*time.Second, 5*time.Millisecond)
			waitStopped(t, cancel, done)

			assert.Equal(t, want, append(queried, recorder.eventIDs(t)...))
		})
	}
}

func TestLiveRiskContinuesQueryExactlyOnce(t *testing.T) {
	env := newStreamEnv(t)
	first := env.closeTimes[env.history[0].Ledger]
	_, head := env.gen.Ledger()

	frame := env.liveQuery(t, map[string]any{"queryType": "riskSeries", "live": true}, first, head)
	path := channelPath(t, frame)
	from := bucketStart(head, 10*time.Second)
	assert.Equal(t, "risk/interval-10000/from-"+formatMillis(from), path)
	queried := (&streamRecorder{frames: []*data.Frame{frame}}).riskTotals(t)

	recorder, cancel, done := env.runStream(t, path)
	env.addLedgers(t, 5)
	_, last := env.gen.Ledger()
	end := bucketStart(last, 10*time.Second)
	streamed := func() map[time.Time]map[string]int64 { return recorder.riskTotals(t) }
	require.Eventually(t, func() bool { return len(streamed()) == int(end.Sub(from)/(10*time.Second)) },
		5*time.Second, 5*time.Millisecond)
	waitStopped(t, cancel, done)

	combined := map[time.Time]map[string]int64{}
	for at, counts := range queried {
		combined[at] = counts
	}
	for at, counts := range streamed() {
		assert.NotContains(t, queried, at, "bucket %s sent by both the query and the stream", at)
		combined[at] = counts
	}
	gridStart := bucketStart(first, 10*time.Second)
	assert.Equal(t, bucketTotals(t, env.allEvents(), env.closeTimes, 10*time.Second, gridStart, end), combined)
}

func TestLiveOffForPastRange(t *testing.T) {
	env := newStreamEnv(t)
	env.addLedgers(t, 15)
	first := env.closeTimes[env.history[0].Ledger]
	_, head := env.gen.Ledger()

	frame := env.liveQuery(t, map[string]any{"queryType": "events", "live": true}, first, head.Add(-time.Minute))

	assert.Empty(t, frame.Meta.Channel)
	require.Len(t, frame.Meta.Notices, 1)
	assert.Equal(t, "Live is off: the time range ends at 2026-01-01T00:00:35Z, before the latest ledger 1019 closed at "+
		"2026-01-01T00:01:35Z. Set the range to end at now to stream new data.", frame.Meta.Notices[0].Text)
}

func TestLiveRiskGroupedNeedsModels(t *testing.T) {
	env := newStreamEnv(t)
	first := env.closeTimes[env.history[0].Ledger]
	_, head := env.gen.Ledger()

	grouped := env.liveQuery(t, map[string]any{"queryType": "riskSeries", "live": true, "groupByModel": true}, first, head)
	named := env.liveQuery(t, map[string]any{"queryType": "riskSeries", "live": true, "groupByModel": true, "modelIds": []string{"2"}}, first, head)

	assert.Empty(t, grouped.Meta.Channel)
	require.Len(t, grouped.Meta.Notices, 1)
	assert.Equal(t, data.NoticeSeverityWarning, grouped.Meta.Notices[0].Severity)
	assert.Equal(t, "risk/models-2/group/interval-10000/from-"+formatMillis(bucketStart(head, 10*time.Second)), channelPath(t, named))
}

func TestQueryWithoutLiveHasNoChannel(t *testing.T) {
	env := newStreamEnv(t)
	first := env.closeTimes[env.history[0].Ledger]
	_, head := env.gen.Ledger()
	calls := env.server.Calls(protocol.GetLatestLedgerMethodName)

	frame := env.liveQuery(t, map[string]any{"queryType": "riskSeries"}, first, head)

	assert.Empty(t, frame.Meta.Channel)
	assert.Empty(t, frame.Meta.Notices)
	assert.Equal(t, calls, env.server.Calls(protocol.GetLatestLedgerMethodName))
}

func formatMillis(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
