package plugin

import (
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSeriesNullBeforeRetention(t *testing.T) {
	env := newStreamEnv(t)
	env.addLedgers(t, 19) // ledgers 1000..1023, 5 s apart
	env.server.SetRetentionWindow(8)
	first := env.closeTimes[1000]
	_, head := env.gen.Ledger()

	frame := env.liveQuery(t, map[string]any{"queryType": "riskSeries", "total": true}, first, head)

	count := frame.Fields[1]
	oldest := env.closeTimes[1016]
	nulls := 0
	for i := range count.Len() {
		at := frame.Fields[0].At(i).(time.Time)
		value, err := count.NullableFloatAt(i)
		require.NoError(t, err)
		if at.Add(10 * time.Second).After(oldest) {
			assert.NotNil(t, value, "bucket %s overlaps the retention window", at)
		} else {
			assert.Nil(t, value, "bucket %s lies before the retention window", at)
			nulls++
		}
	}
	assert.Equal(t, 8, nulls)
	require.Len(t, frame.Meta.Notices, 1)
	assert.Equal(t, "The time range starts before the RPC's retention window: data is shown from ledger 1016 "+
		"(2026-01-01T00:01:20Z) on. Use an RPC with longer retention for older data.", frame.Meta.Notices[0].Text)
}

func TestSeriesRangeBeforeRetention(t *testing.T) {
	env := newStreamEnv(t)
	env.addLedgers(t, 19)
	env.server.SetRetentionWindow(8)
	first := env.closeTimes[1000]

	frame := env.liveQuery(t, map[string]any{"queryType": "riskSeries", "total": true}, first, first.Add(30*time.Second))

	for i := range frame.Fields[1].Len() {
		assert.Nil(t, frame.Fields[1].At(i), "bucket %d", i)
	}
	require.Len(t, frame.Meta.Notices, 1)
	assert.Equal(t, "The time range ends before the RPC's retention window, which starts at ledger 1016 (closed "+
		"2026-01-01T00:01:20Z): no data is available for it. Use an RPC with longer retention for older data.",
		frame.Meta.Notices[0].Text)
}

func TestSeriesRangeAfterLatestLedger(t *testing.T) {
	env := newStreamEnv(t)
	_, head := env.gen.Ledger()

	frame := env.liveQuery(t, map[string]any{"queryType": "biasFlags"}, head.Add(time.Hour), head.Add(2*time.Hour))

	for i := range frame.Fields[1].Len() {
		assert.Nil(t, frame.Fields[1].At(i), "bucket %d", i)
	}
	require.Len(t, frame.Meta.Notices, 1)
	assert.Equal(t, "The time range starts after the latest ledger 1004 closed (2026-01-01T00:00:20Z): there is no data for it yet.",
		frame.Meta.Notices[0].Text)
}

func TestReversedTimeRangeIsUserError(t *testing.T) {
	env := newStreamEnv(t)
	_, head := env.gen.Ledger()

	responses := queryAll(t, env.ds, head, head.Add(-time.Minute))

	for _, queryType := range []string{QueryTypeRiskSeries, QueryTypeBiasFlags, QueryTypeEvents} {
		res := responses[queryType]
		require.Error(t, res.Error, queryType)
		assert.Equal(t, "invalid time range: it ends at 2025-12-31T23:59:20Z, before it starts at 2026-01-01T00:00:20Z: swap the two ends",
			res.Error.Error(), queryType)
		assert.Equal(t, backend.ErrorSourceDownstream, res.ErrorSource, queryType)
	}
}
