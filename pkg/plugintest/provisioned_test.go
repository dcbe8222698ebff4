package plugintest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modeltrace/soroban-datasource/pkg/deploytest"
	"github.com/modeltrace/soroban-datasource/pkg/sorobantest"
)

// The dashboard opens on now-6h to now. Against the fixture "now" is the close time of its last
// ledger, and the interval is one Grafana picks for 6 hours on a wide panel.
const (
	dashboardRange         = 6 * time.Hour
	dashboardInterval      = 30 * time.Second
	dashboardMaxDataPoints = 1000
)

// modelSelection is one value of the $model variable: All, which expands to the variable's
// allValue, or a list of model ids.
type modelSelection struct {
	name   string
	value  string   // the variable's value in csv format, as the frontend interpolates modelIds
	models []uint64 // the models the panels must show; nil means every model
}

func modelSelections(t *testing.T) []modelSelection {
	variables, err := deploytest.LoadDashboardVariables(repoFile(t, "provisioning/dashboards/modeltrace-risk.json"))
	require.NoError(t, err)
	require.Len(t, variables, 1)
	return []modelSelection{
		{name: "All", value: variables[0].AllValue},
		{name: "models 1 and 2", value: "1,2", models: []uint64{1, 2}},
	}
}

func repoFile(t *testing.T, relative string) string {
	t.Helper()
	wd, err := filepath.Abs(".")
	require.NoError(t, err)
	root, err := ModuleRoot(wd)
	require.NoError(t, err)
	return filepath.Join(root, relative)
}

// expandModel replaces $model in the modelIds of a query the way the datasource's
// applyTemplateVariables does: the variable expands in csv format and each entry is split at
// commas, so "1,2" becomes ["1", "2"].
func expandModel(t *testing.T, raw json.RawMessage, value string) json.RawMessage {
	t.Helper()
	var fields map[string]any
	require.NoError(t, json.Unmarshal(raw, &fields))
	entries, ok := fields["modelIds"].([]any)
	if !ok {
		return raw
	}

	var ids []string
	for _, entry := range entries {
		for _, part := range strings.Split(strings.ReplaceAll(entry.(string), "$model", value), ",") {
			if id := strings.TrimSpace(part); id != "" && !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	fields["modelIds"] = ids
	expanded, err := json.Marshal(fields)
	require.NoError(t, err)
	return expanded
}

func (e *env) dashboardQuery(refID string, raw json.RawMessage) backend.DataQuery {
	return backend.DataQuery{
		RefID: refID, JSON: raw, Interval: dashboardInterval, MaxDataPoints: dashboardMaxDataPoints,
		TimeRange: backend.TimeRange{From: e.to.Add(-dashboardRange), To: e.to},
	}
}

// selectedModels returns the fixture's expected counters of the models in selection.
func (e *env) selectedModels(selection modelSelection) []sorobantest.ExpectedModel {
	var models []sorobantest.ExpectedModel
	for _, model := range e.fixture.Expected.ByModel {
		if selection.models == nil || slices.Contains(selection.models, model.ModelID) {
			models = append(models, model)
		}
	}
	return models
}

func TestProvisionedDashboardPanels(t *testing.T) {
	dashboard := repoFile(t, "provisioning/dashboards/modeltrace-risk.json")
	panels, err := deploytest.LoadDashboardPanels(dashboard)
	require.NoError(t, err)
	targets, err := deploytest.LoadDashboardTargets(dashboard)
	require.NoError(t, err)

	for _, selection := range modelSelections(t) {
		for _, panel := range panels {
			t.Run(fmt.Sprintf("%s/panel %d %s", selection.name, panel.ID, panel.Title), func(t *testing.T) {
				var queries []backend.DataQuery
				for _, target := range targets {
					if target.PanelID == panel.ID {
						queries = append(queries, shared.dashboardQuery(target.RefID, expandModel(t, target.JSON, selection.value)))
					}
				}
				require.NotEmpty(t, queries, "panel has no queries")

				resp := shared.run(t, nil, queries...)
				frames := map[string]*data.Frame{}
				for _, query := range queries {
					res := resp.Responses[query.RefID]
					require.NoError(t, res.Error, query.RefID)
					require.Len(t, res.Frames, 1, query.RefID)
					frames[query.RefID] = res.Frames[0]
				}
				checkPanelFrames(t, panel, frames, selection)
			})
		}
	}
}

func checkPanelFrames(t *testing.T, panel deploytest.Panel, frames map[string]*data.Frame, selection modelSelection) {
	switch panel.Type {
	case "stat":
		checkStatFrame(t, panel, frames["A"])
	case "timeseries":
		for refID, frame := range frames {
			checkWideSeries(t, refID, frame)
		}
		if panel.ID == 5 {
			checkRiskPanel(t, panel, frames["A"], selection)
		}
		if panel.ID == 6 {
			checkSharePanel(t, panel, frames, selection)
		}
	case "table":
		checkTablePanel(t, panel, frames["A"], selection)
	case "logs":
		checkLogsFrame(t, frames["A"], selection)
	default:
		assert.Failf(t, "unknown panel type", "panel type %q has no frame check: add one", panel.Type)
	}
}

// checkWideSeries checks the shape Grafana's time series panels and alert rules need: a
// dataplane wide frame whose first field is time and whose other fields are numeric.
func checkWideSeries(t *testing.T, refID string, frame *data.Frame) {
	t.Helper()
	require.NotNil(t, frame.Meta, refID)
	assert.Equal(t, data.FrameTypeTimeSeriesWide, frame.Meta.Type, refID)
	require.GreaterOrEqual(t, len(frame.Fields), 2, refID)
	assert.Equal(t, data.FieldTypeTime, frame.Fields[0].Type(), refID)
	for _, field := range frame.Fields[1:] {
		assert.True(t, field.Type().Numeric(), "%s field %s must be numeric", refID, field.Name)
	}
}

// checkStatFrame checks that the stats frame has one row and that the panel's field regex
// picks exactly one numeric field with the counter from instance storage.
func checkStatFrame(t *testing.T, panel deploytest.Panel, frame *data.Frame) {
	var options struct {
		ReduceOptions struct {
			Fields string `json:"fields"`
		} `json:"reduceOptions"`
	}
	require.NoError(t, json.Unmarshal(panel.Options, &options))
	pattern := regexp.MustCompile(strings.Trim(options.ReduceOptions.Fields, "/"))
	require.Equal(t, 1, frame.Rows())

	var picked []*data.Field
	for _, field := range frame.Fields {
		if pattern.MatchString(field.Name) {
			picked = append(picked, field)
		}
	}
	require.Len(t, picked, 1, "fields %s", options.ReduceOptions.Fields)
	assert.True(t, picked[0].Type().Numeric())
	stats := shared.fixture.Expected.Stats
	want := map[string]uint64{
		"total_models": stats.TotalModels, "total_events": stats.TotalEvents,
		"high_risk_flags": stats.HighRiskFlags, "bias_flags": stats.BiasFlags,
	}
	assert.Equal(t, want[picked[0].Name], numberAt(t, frame, picked[0].Name, 0))
}

// checkRiskPanel checks that every series carries a display name that one of the panel's byName
// colour overrides matches, and the counts per level of the selected models.
func checkRiskPanel(t *testing.T, panel deploytest.Panel, frame *data.Frame, selection modelSelection) {
	var overrideNames []string
	for _, override := range panel.FieldConfig.Overrides {
		overrideNames = append(overrideNames, override.Matcher.Options.(string))
	}
	totals := map[string]int64{}
	for _, field := range frame.Fields[1:] {
		require.NotNil(t, field.Config, field.Name)
		assert.Contains(t, overrideNames, field.Config.DisplayNameFromDS)
		sum := seriesTotals(t, data.NewFrame("", frame.Fields[0], field))
		totals[field.Config.DisplayNameFromDS] = sum[field.Labels.String()]
	}

	want := map[string]int64{"low": 0, "medium": 0, "high": 0, "critical": 0}
	for _, model := range shared.selectedModels(selection) {
		want["low"] += int64(model.InferencesByRisk.Low)
		want["medium"] += int64(model.InferencesByRisk.Medium)
		want["high"] += int64(model.InferencesByRisk.High)
		want["critical"] += int64(model.InferencesByRisk.Critical)
	}
	assert.Equal(t, want, totals)
}

// checkSharePanel checks the two total series and runs the panel's transformations on them:
// the share must be finite, within 0-100 %, and present only where there were inferences.
func checkSharePanel(t *testing.T, panel deploytest.Panel, frames map[string]*data.Frame, selection modelSelection) {
	var wantHigh, wantAll int64
	for _, model := range shared.selectedModels(selection) {
		wantHigh += int64(model.HighRiskCount)
		wantAll += int64(model.InferenceCount)
	}
	assert.Equal(t, map[string]int64{"": wantHigh}, seriesTotals(t, frames["A"]))
	assert.Equal(t, map[string]int64{"": wantAll}, seriesTotals(t, frames["B"]))

	var tables []deploytest.Table
	for _, refID := range []string{"A", "B"} {
		table, err := deploytest.TableFromFrame(frames[refID])
		require.NoError(t, err)
		tables = append(tables, table)
	}
	result, err := deploytest.ApplyTransformations(tables, panel.Transformations)
	require.NoError(t, err)
	require.Len(t, result, 1)
	share := result[0].Column("High-risk share")
	require.NotNil(t, share)

	busy := 0
	all := frames["B"].Fields[1]
	for i := 0; i < all.Len(); i++ {
		if value, _ := all.FloatAt(i); value > 0 {
			busy++
		}
	}
	assert.Len(t, share.Values, busy, "one share value per interval with inferences")
	for _, value := range share.Values {
		assert.False(t, math.IsNaN(value) || math.IsInf(value, 0), "share %v", value)
		assert.GreaterOrEqual(t, value, 0.0)
		assert.LessOrEqual(t, value, 100.0)
	}
}

func fieldNames(frame *data.Frame) []string {
	names := make([]string, len(frame.Fields))
	for i, field := range frame.Fields {
		names[i] = field.Name
	}
	return names
}

func checkTablePanel(t *testing.T, panel deploytest.Panel, frame *data.Frame, selection modelSelection) {
	require.NotNil(t, frame.Meta)
	assert.Equal(t, data.VisType(data.VisTypeTable), frame.Meta.PreferredVisualization)
	models := shared.selectedModels(selection)

	switch panel.Title {
	case "Bias flags":
		assert.Equal(t, []string{"time", "ledger", "tx_hash", "event_id", "model_id", "flag_id", "auditor", "evidence_hash", "text"}, fieldNames(frame))
		var want uint64
		for _, model := range models {
			want += model.BiasFlagCount
		}
		assert.Equal(t, int(want), frame.Rows())
	case "Models":
		assert.Equal(t, []string{
			"model_id", "name", "version", "operator", "weights_hash", "training_data_cid", "registered_ledger",
			"registered_at", "inference_count", "high_risk_count", "bias_flag_count", "last_event_ledger",
		}, fieldNames(frame))
		for _, override := range panel.FieldConfig.Overrides {
			assert.Contains(t, fieldNames(frame), override.Matcher.Options, "override %v matches a column", override.Matcher.Options)
		}
		assert.Equal(t, len(shared.fixture.Expected.ByModel), frame.Rows(), "the models table ignores $model")
	default:
		assert.Failf(t, "unknown table panel", "table panel %q has no column check: add one", panel.Title)
	}
}

// checkLogsFrame checks what Grafana's logs panel reads: a time field, then a string body, and
// a level field for colouring. The rows are the newest events of the selected models, at most
// the query's limit of 200.
func checkLogsFrame(t *testing.T, frame *data.Frame, selection modelSelection) {
	require.NotNil(t, frame.Meta)
	assert.Equal(t, data.VisType(data.VisTypeLogs), frame.Meta.PreferredVisualization)
	require.GreaterOrEqual(t, len(frame.Fields), 3)
	assert.Equal(t, data.FieldTypeTime, frame.Fields[0].Type())
	assert.Equal(t, "body", frame.Fields[1].Name)
	assert.Equal(t, data.FieldTypeString, frame.Fields[1].Type())
	level, index := frame.FieldByName("level")
	require.GreaterOrEqual(t, index, 0)
	assert.Equal(t, data.FieldTypeString, level.Type())

	events := 0
	for _, event := range shared.fixture.Events {
		if selection.models == nil || slices.Contains(selection.models, event.Decoded.ModelID) {
			events++
		}
	}
	assert.Equal(t, min(events, 200), frame.Rows())
}

func TestProvisionedAnnotation(t *testing.T) {
	targets, err := deploytest.LoadDashboardTargets(repoFile(t, "provisioning/dashboards/modeltrace-risk.json"))
	require.NoError(t, err)
	index := slices.IndexFunc(targets, func(target deploytest.Target) bool {
		return strings.HasPrefix(target.Source, "annotation ")
	})
	require.GreaterOrEqual(t, index, 0)

	for _, selection := range modelSelections(t) {
		t.Run(selection.name, func(t *testing.T) {
			target := targets[index]
			resp := shared.run(t, nil, shared.dashboardQuery(target.RefID, expandModel(t, target.JSON, selection.value)))
			res := resp.Responses[target.RefID]
			require.NoError(t, res.Error)
			require.Len(t, res.Frames, 1)
			frame := res.Frames[0]

			// The frontend's framesToAnnotations reads these fields of each row.
			for _, name := range []string{"time", "model_id", "auditor", "evidence_hash", "event_id"} {
				_, found := frame.FieldByName(name)
				assert.GreaterOrEqual(t, found, 0, "annotation field %s", name)
			}
			assert.Equal(t, data.FieldTypeTime, frame.Fields[0].Type())
			var want uint64
			for _, model := range shared.selectedModels(selection) {
				want += model.BiasFlagCount
			}
			assert.Equal(t, int(want), frame.Rows())
		})
	}
}

func TestProvisionedModelVariable(t *testing.T) {
	variables, err := deploytest.LoadDashboardVariables(repoFile(t, "provisioning/dashboards/modeltrace-risk.json"))
	require.NoError(t, err)
	require.Len(t, variables, 1)
	require.NotNil(t, variables[0].Datasource)
	assert.Equal(t, shared.instance().UID, variables[0].Datasource.UID)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	status, body, err := shared.plugin.CallResource(ctx, shared.instance(), "models")
	require.NoError(t, err)
	require.Equal(t, 200, status, string(body))

	var options []struct{ ID, Name, Version string }
	require.NoError(t, json.Unmarshal(body, &options))
	var ids []string
	for _, option := range options {
		ids = append(ids, option.ID)
	}
	assert.Equal(t, []string{"1", "2", "3", "4", "5", "6"}, ids)
	names := map[string]string{}
	for _, event := range shared.fixture.Events {
		if event.Decoded.Kind == "model_registered" {
			names[fmt.Sprint(event.Decoded.ModelID)] = event.Decoded.Name
		}
	}
	for _, option := range options {
		assert.Equal(t, names[option.ID], option.Name, "model %s", option.ID)
	}
}

// alertQuery builds the DataQuery Grafana's alert evaluation sends for one rule query: the
// relative time range ends at the fixture's last ledger, and interval and max data points
// come from the model.
func (e *env) alertQuery(t *testing.T, query deploytest.AlertQuery) backend.DataQuery {
	var model struct {
		IntervalMs    int64 `json:"intervalMs"`
		MaxDataPoints int64 `json:"maxDataPoints"`
	}
	require.NoError(t, json.Unmarshal(query.Model, &model))
	return backend.DataQuery{
		RefID: query.RefID, QueryType: query.QueryType, JSON: query.Model,
		Interval: time.Duration(model.IntervalMs) * time.Millisecond, MaxDataPoints: model.MaxDataPoints,
		TimeRange: backend.TimeRange{
			From: e.to.Add(-time.Duration(query.FromSeconds) * time.Second),
			To:   e.to.Add(-time.Duration(query.ToSeconds) * time.Second),
		},
	}
}

func TestProvisionedAlertRules(t *testing.T) {
	queries, err := deploytest.LoadAlertQueries(repoFile(t, "provisioning/alerting/rules.yaml"))
	require.NoError(t, err)
	byRisk := shared.fixture.Expected.InferencesByRisk
	high := float64(byRisk.High + byRisk.Critical)
	all := float64(byRisk.Low + byRisk.Medium + byRisk.High + byRisk.Critical)
	want := map[string]map[string]float64{
		// C: high-risk inferences, D: all inferences, E: the share in percent, F: firing.
		"modeltrace-high-risk-share": {"C": high, "D": all, "E": high * 100 / all, "F": 1},
		"modeltrace-bias-flag":       {"B": float64(shared.fixture.Expected.Stats.BiasFlags), "C": 1},
	}

	for ruleUID, wantValues := range want {
		t.Run(ruleUID, func(t *testing.T) {
			var rule []deploytest.AlertQuery
			var dataQueries []backend.DataQuery
			for _, query := range queries {
				if query.RuleUID != ruleUID {
					continue
				}
				rule = append(rule, query)
				if !query.IsExpression() {
					dataQueries = append(dataQueries, shared.alertQuery(t, query))
				}
			}
			require.NotEmpty(t, dataQueries)

			resp := shared.run(t, map[string]string{"FromAlert": "true"}, dataQueries...)
			results := map[string]data.Frames{}
			for _, query := range dataQueries {
				res := resp.Responses[query.RefID]
				require.NoError(t, res.Error, query.RefID)
				require.Len(t, res.Frames, 1, query.RefID)
				checkWideSeries(t, query.RefID, res.Frames[0])
				results[query.RefID] = res.Frames
			}

			values, err := deploytest.EvaluateExpressions(rule, results)
			require.NoError(t, err)
			assert.Equal(t, wantValues, values)
		})
	}
}
