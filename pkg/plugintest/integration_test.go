package plugintest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modeltrace/soroban-datasource/pkg/sorobantest"
)

// env is the running plugin binary and the test RPC server seeded with the contract fixture.
type env struct {
	plugin  *Plugin
	fixture *sorobantest.Fixture
	rpc     *sorobantest.Server
	rpcURL  string
	from    time.Time
	to      time.Time
}

var shared *env

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	wd, _ := os.Getwd()
	root, err := ModuleRoot(wd)
	if err != nil {
		return 0, err
	}
	dir, err := os.MkdirTemp("", "modeltrace-plugin")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)

	binary, err := Build(root, dir)
	if err != nil {
		return 0, err
	}
	fixture, err := sorobantest.LoadFixture(filepath.Join(root, "contracts/testdata/audit-registry/scenario.json"))
	if err != nil {
		return 0, err
	}
	rpc := sorobantest.NewServer(sorobantest.Config{NetworkPassphrase: fixture.NetworkPassphrase})
	if err := rpc.Seed(fixture); err != nil {
		return 0, err
	}
	server := httptest.NewServer(rpc)
	defer server.Close()

	p, err := Start(binary, os.Stderr)
	if err != nil {
		return 0, err
	}
	defer p.Stop()

	first, last := fixture.Ledgers[0], fixture.Ledgers[len(fixture.Ledgers)-1]
	shared = &env{
		plugin: p, fixture: fixture, rpc: rpc, rpcURL: server.URL,
		from: time.Unix(first.CloseTime, 0).UTC(), to: time.Unix(last.CloseTime, 0).UTC(),
	}
	return m.Run(), nil
}

func (e *env) instance() Instance {
	return Instance{
		UID: "modeltrace",
		JSONData: map[string]any{
			"rpcUrl": e.rpcURL, "network": "local", "registryContractId": e.fixture.ContractID,
		},
	}
}

func (e *env) query(refID string, model map[string]any) backend.DataQuery {
	raw, _ := json.Marshal(model)
	return backend.DataQuery{
		RefID: refID, JSON: raw, Interval: time.Minute, MaxDataPoints: 1000,
		TimeRange: backend.TimeRange{From: e.from, To: e.to},
	}
}

func (e *env) run(t *testing.T, headers map[string]string, queries ...backend.DataQuery) *backend.QueryDataResponse {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := e.plugin.QueryData(ctx, e.instance(), headers, queries...)
	require.NoError(t, err)
	return resp
}

// seriesTotals sums each labelled numeric field of a wide frame, keyed by its labels. Null
// buckets, which the RPC has no data for, add nothing.
func seriesTotals(t *testing.T, frame *data.Frame) map[string]int64 {
	t.Helper()
	totals := map[string]int64{}
	for _, field := range frame.Fields[1:] {
		var sum int64
		for i := 0; i < field.Len(); i++ {
			value, err := field.NullableFloatAt(i)
			require.NoError(t, err)
			if value != nil {
				sum += int64(*value)
			}
		}
		totals[field.Labels.String()] = sum
	}
	return totals
}

func numberAt(t *testing.T, frame *data.Frame, name string, row int) uint64 {
	t.Helper()
	field, idx := frame.FieldByName(name)
	require.GreaterOrEqual(t, idx, 0, "field %s missing", name)
	value, err := field.FloatAt(row)
	require.NoError(t, err)
	return uint64(value)
}

func TestBinaryStatsMatchStorage(t *testing.T) {
	resp := shared.run(t, nil, shared.query("A", map[string]any{"queryType": "stats"}))
	res := resp.Responses["A"]
	require.NoError(t, res.Error)
	require.Len(t, res.Frames, 1)
	frame := res.Frames[0]
	want := shared.fixture.Expected.Stats

	assert.Equal(t, want.TotalModels, numberAt(t, frame, "total_models", 0))
	assert.Equal(t, want.TotalEvents, numberAt(t, frame, "total_events", 0))
	assert.Equal(t, want.HighRiskFlags, numberAt(t, frame, "high_risk_flags", 0))
	assert.Equal(t, want.BiasFlags, numberAt(t, frame, "bias_flags", 0))
	assert.Equal(t, uint64(shared.fixture.Ledgers[len(shared.fixture.Ledgers)-1].Sequence), numberAt(t, frame, "ledger", 0))
}

func TestBinaryRiskSeriesMatchEvents(t *testing.T) {
	resp := shared.run(t, nil, shared.query("A", map[string]any{"queryType": "riskSeries"}))
	res := resp.Responses["A"]
	require.NoError(t, res.Error)
	require.Len(t, res.Frames, 1)
	want := shared.fixture.Expected.InferencesByRisk

	totals := seriesTotals(t, res.Frames[0])
	assert.Equal(t, map[string]int64{
		"risk=low": int64(want.Low), "risk=medium": int64(want.Medium),
		"risk=high": int64(want.High), "risk=critical": int64(want.Critical),
	}, totals)
	assert.Contains(t, res.Frames[0].Meta.ExecutedQueryString, "index ledgers [1000, 1030)")
}

func TestBinaryRiskSeriesByModel(t *testing.T) {
	resp := shared.run(t, nil, shared.query("A", map[string]any{"queryType": "riskSeries", "groupByModel": true}))
	res := resp.Responses["A"]
	require.NoError(t, res.Error)

	totals := seriesTotals(t, res.Frames[0])
	want := map[string]int64{}
	for _, m := range shared.fixture.Expected.ByModel {
		id := strconv.FormatUint(m.ModelID, 10)
		want["model="+id+", risk=low"] = int64(m.InferencesByRisk.Low)
		want["model="+id+", risk=medium"] = int64(m.InferencesByRisk.Medium)
		want["model="+id+", risk=high"] = int64(m.InferencesByRisk.High)
		want["model="+id+", risk=critical"] = int64(m.InferencesByRisk.Critical)
	}
	assert.Equal(t, want, totals)
}

func TestBinaryRiskSeriesFiltered(t *testing.T) {
	resp := shared.run(t, nil, shared.query("A", map[string]any{"queryType": "riskSeries", "modelIds": []string{"3"}, "minRisk": "high"}))
	res := resp.Responses["A"]
	require.NoError(t, res.Error)

	var model3 sorobantest.ExpectedModel
	for _, m := range shared.fixture.Expected.ByModel {
		if m.ModelID == 3 {
			model3 = m
		}
	}
	totals := seriesTotals(t, res.Frames[0])
	assert.Equal(t, map[string]int64{
		"risk=low": 0, "risk=medium": 0,
		"risk=high": int64(model3.InferencesByRisk.High), "risk=critical": int64(model3.InferencesByRisk.Critical),
	}, totals)
	assert.Equal(t, int64(model3.HighRiskCount), totals["risk=high"]+totals["risk=critical"])
}

func TestBinaryRiskSeriesTotal(t *testing.T) {
	resp := shared.run(t, nil,
		shared.query("A", map[string]any{"queryType": "riskSeries", "minRisk": "high", "total": true}),
		shared.query("B", map[string]any{"queryType": "riskSeries", "total": true, "groupByModel": true}))
	want := shared.fixture.Expected

	high := resp.Responses["A"]
	require.NoError(t, high.Error)
	require.Len(t, high.Frames[0].Fields, 2)
	assert.Equal(t, map[string]int64{"": int64(want.Stats.HighRiskFlags)}, seriesTotals(t, high.Frames[0]))

	byModel := resp.Responses["B"]
	require.NoError(t, byModel.Error)
	wantByModel := map[string]int64{}
	for _, m := range want.ByModel {
		wantByModel["model="+strconv.FormatUint(m.ModelID, 10)] = int64(m.InferenceCount)
	}
	assert.Equal(t, wantByModel, seriesTotals(t, byModel.Frames[0]))
}

func TestBinaryFromAlertQuery(t *testing.T) {
	resp := shared.run(t, map[string]string{"FromAlert": "true"}, shared.query("A", map[string]any{"queryType": "riskSeries", "minRisk": "high"}))
	res := resp.Responses["A"]
	require.NoError(t, res.Error)
	require.Len(t, res.Frames, 1)
	frame := res.Frames[0]

	assert.Equal(t, data.FrameTypeTimeSeriesWide, frame.Meta.Type)
	assert.Equal(t, data.FieldTypeTime, frame.Fields[0].Type())
	for _, field := range frame.Fields[1:] {
		assert.True(t, field.Type().Numeric(), "field %s must be numeric for alert rules", field.Name)
	}
	want := shared.fixture.Expected.InferencesByRisk
	totals := seriesTotals(t, frame)
	assert.Equal(t, int64(want.High+want.Critical), totals["risk=high"]+totals["risk=critical"])
	assert.Equal(t, int64(0), totals["risk=low"])
}

func TestBinaryBiasFlags(t *testing.T) {
	resp := shared.run(t, nil,
		shared.query("series", map[string]any{"queryType": "biasFlags"}),
		shared.query("table", map[string]any{"queryType": "biasFlags", "format": "table"}),
	)
	require.NoError(t, resp.Responses["series"].Error)
	require.NoError(t, resp.Responses["table"].Error)
	want := int64(shared.fixture.Expected.Stats.BiasFlags)

	totals := seriesTotals(t, resp.Responses["series"].Frames[0])
	assert.Equal(t, map[string]int64{"": want}, totals)
	assert.Equal(t, int(want), resp.Responses["table"].Frames[0].Rows())
}

func TestBinaryModels(t *testing.T) {
	resp := shared.run(t, nil, shared.query("A", map[string]any{"queryType": "models"}))
	res := resp.Responses["A"]
	require.NoError(t, res.Error)
	frame := res.Frames[0]
	require.Equal(t, len(shared.fixture.Expected.ByModel), frame.Rows())

	for row := 0; row < frame.Rows(); row++ {
		id := numberAt(t, frame, "model_id", row)
		var want sorobantest.ExpectedModel
		for _, m := range shared.fixture.Expected.ByModel {
			if m.ModelID == id {
				want = m
			}
		}
		assert.Equal(t, uint64(len(shared.fixture.Expected.ByModel)-row), id, "newest model first")
		assert.Equal(t, want.InferenceCount, numberAt(t, frame, "inference_count", row))
		assert.Equal(t, want.HighRiskCount, numberAt(t, frame, "high_risk_count", row))
		assert.Equal(t, want.BiasFlagCount, numberAt(t, frame, "bias_flag_count", row))
		assert.Equal(t, uint64(want.LastEventLedger), numberAt(t, frame, "last_event_ledger", row))
	}
}

func TestBinaryEvents(t *testing.T) {
	resp := shared.run(t, nil,
		shared.query("all", map[string]any{"queryType": "events"}),
		shared.query("newest", map[string]any{"queryType": "events", "limit": 10}),
		shared.query("registrations", map[string]any{"queryType": "events", "eventKinds": []string{"model_registered"}}),
	)
	for _, refID := range []string{"all", "newest", "registrations"} {
		require.NoError(t, resp.Responses[refID].Error, refID)
	}

	assert.Equal(t, len(shared.fixture.Events), resp.Responses["all"].Frames[0].Rows())
	newest := resp.Responses["newest"].Frames[0]
	require.Equal(t, 10, newest.Rows())
	lastEvent := shared.fixture.Events[len(shared.fixture.Events)-1]
	assert.Equal(t, uint64(lastEvent.Ledger), numberAt(t, newest, "ledger", 0))
	require.NotEmpty(t, newest.Meta.Notices)
	assert.Contains(t, newest.Meta.Notices[len(newest.Meta.Notices)-1].Text, "Showing the newest 10 events")
	assert.Equal(t, int(shared.fixture.Expected.Stats.TotalModels), resp.Responses["registrations"].Frames[0].Rows())
}

func TestBinaryBadQueriesArePerQuery(t *testing.T) {
	bad := shared.query("bad", nil)
	bad.JSON = []byte(`{"queryType":`)
	resp := shared.run(t, nil,
		shared.query("ok", map[string]any{"queryType": "stats"}),
		shared.query("unknown", map[string]any{"queryType": "histogram"}),
		bad,
		shared.query("model", map[string]any{"queryType": "riskSeries", "modelIds": []string{"abc"}}),
		shared.query("risk", map[string]any{"queryType": "riskSeries", "minRisk": "severe"}),
	)

	assert.NoError(t, resp.Responses["ok"].Error)
	cases := map[string]string{
		"unknown": `unknown query type "histogram": use one of biasFlags, events, models, riskSeries, stats`,
		"bad":     "invalid query JSON: unexpected end of JSON input: check the query fields",
		"model":   `invalid model id "abc" in modelIds: use decimal model ids starting at 1, e.g. ["1", "2"]`,
		"risk":    `invalid minRisk:`,
	}
	for refID, want := range cases {
		res := resp.Responses[refID]
		require.Error(t, res.Error, refID)
		assert.Contains(t, res.Error.Error(), want, refID)
		assert.Equal(t, backend.ErrorSourceDownstream, res.ErrorSource, refID)
		assert.Equal(t, backend.StatusBadRequest, res.Status, refID)
	}
}

func TestBinaryModelsResource(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	status, body, err := shared.plugin.CallResource(ctx, shared.instance(), "models")
	require.NoError(t, err)
	require.Equal(t, 200, status, string(body))

	var options []struct{ ID, Name, Version string }
	require.NoError(t, json.Unmarshal(body, &options))
	require.Len(t, options, len(shared.fixture.Expected.ByModel))
	assert.Equal(t, "1", options[0].ID)
	var first sorobantest.DecodedCall
	for _, ev := range shared.fixture.Events {
		if ev.Decoded.Kind == "model_registered" && ev.Decoded.ModelID == 1 {
			first = ev.Decoded
		}
	}
	assert.Equal(t, first.Name, options[0].Name)
	assert.Equal(t, first.Version, options[0].Version)
}

func TestBinaryDashboardScansOnce(t *testing.T) {
	inst := shared.instance()
	inst.Updated = time.Unix(900, 0)
	queries := make([]backend.DataQuery, 10)
	for i := range queries {
		queries[i] = shared.query(fmt.Sprintf("P%d", i), map[string]any{"queryType": "riskSeries", "modelIds": []string{strconv.Itoa(i%6 + 1)}})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	before := shared.rpc.Calls("getEvents")
	resp, err := shared.plugin.QueryData(ctx, inst, nil, queries...)
	require.NoError(t, err)
	for refID, res := range resp.Responses {
		require.NoError(t, res.Error, refID)
	}
	assert.Equal(t, 1, shared.rpc.Calls("getEvents")-before, "ten panels share one scan")

	before = shared.rpc.Calls("getEvents")
	resp, err = shared.plugin.QueryData(ctx, inst, nil, queries...)
	require.NoError(t, err)
	for refID, res := range resp.Responses {
		require.NoError(t, res.Error, refID)
		assert.Contains(t, res.Frames[0].Meta.ExecutedQueryString, "30 from cache", refID)
	}
	assert.Equal(t, 0, shared.rpc.Calls("getEvents")-before, "closed ledgers are not scanned again")
}
