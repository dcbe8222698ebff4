package deploytest

import (
	"encoding/json"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func loadPanel(t *testing.T, id int) Panel {
	t.Helper()
	panels, err := LoadDashboardPanels(filepath.Join(repoRoot(t), "provisioning/dashboards/modeltrace-risk.json"))
	require.NoError(t, err)
	for _, panel := range panels {
		if panel.ID == id {
			return panel
		}
	}
	require.Failf(t, "panel missing", "the dashboard has no panel %d", id)
	return Panel{}
}

func TestDashboardPanelTypes(t *testing.T) {
	panels, err := LoadDashboardPanels(filepath.Join(repoRoot(t), "provisioning/dashboards/modeltrace-risk.json"))
	require.NoError(t, err)
	types := map[int]string{}
	for _, panel := range panels {
		types[panel.ID] = panel.Type
	}
	assert.Equal(t, map[int]string{
		1: "stat", 2: "stat", 3: "stat", 4: "stat",
		5: "timeseries", 6: "timeseries", 7: "table", 8: "table", 9: "logs",
	}, types)
}

func TestRiskPanelOverridesByLevel(t *testing.T) {
	panel := loadPanel(t, 5)
	colours := map[string]any{}
	for _, override := range panel.FieldConfig.Overrides {
		assert.Equal(t, "byName", override.Matcher.ID)
		require.Len(t, override.Properties, 1)
		assert.Equal(t, "color", override.Properties[0].ID)
		colour, _ := override.Properties[0].Value.(map[string]any)
		colours[override.Matcher.Options.(string)] = colour["fixedColor"]
	}
	// The datasource sets displayNameFromDS to the level name, and byName matches display names.
	assert.Equal(t, map[string]any{"low": "green", "medium": "yellow", "high": "orange", "critical": "red"}, colours)
}

// totalFrame is a riskSeries total frame as the datasource returns it: "time" and one
// unlabelled "count" field.
func totalFrame(refID string, counts ...int64) *data.Frame {
	times := make([]time.Time, len(counts))
	for i := range times {
		times[i] = time.UnixMilli(int64(60_000 * (i + 1)))
	}
	frame := data.NewFrame("risk", data.NewField("time", nil, times), data.NewField("count", nil, counts))
	frame.RefID = refID
	return frame
}

func TestHighRiskSharePanel(t *testing.T) {
	panel := loadPanel(t, 6)
	var tables []Table
	for _, frame := range []*data.Frame{totalFrame("A", 0, 1, 0, 3), totalFrame("B", 0, 20, 0, 10)} {
		table, err := TableFromFrame(frame)
		require.NoError(t, err)
		tables = append(tables, table)
	}

	result, err := ApplyTransformations(tables, panel.Transformations)
	require.NoError(t, err)
	require.Len(t, result, 1)
	require.Len(t, result[0].Columns, 2)
	assert.Equal(t, Column{Name: "time", Time: true, Values: []float64{120_000, 240_000}}, result[0].Columns[0])
	share := result[0].Columns[1]
	assert.Equal(t, "High-risk share", share.Name)
	require.Len(t, share.Values, 2, "intervals without inferences have no value")
	assert.InDelta(t, 5.0, share.Values[0], 1e-9)
	assert.InDelta(t, 30.0, share.Values[1], 1e-9)
}

func TestHighRiskSharePanelTargets(t *testing.T) {
	targets, err := LoadDashboardTargets(filepath.Join(repoRoot(t), "provisioning/dashboards/modeltrace-risk.json"))
	require.NoError(t, err)
	var queries []map[string]any
	for _, target := range targets {
		if target.PanelID == 6 {
			fields, err := target.Fields()
			require.NoError(t, err)
			delete(fields, "datasource")
			queries = append(queries, fields)
		}
	}
	assert.Equal(t, []map[string]any{
		{"refId": "A", "queryType": "riskSeries", "minRisk": "high", "total": true, "modelIds": []any{"$model"}},
		{"refId": "B", "queryType": "riskSeries", "total": true, "modelIds": []any{"$model"}},
	}, queries)
}

func TestTransformationErrors(t *testing.T) {
	table, err := TableFromFrame(totalFrame("A", 1, 2))
	require.NoError(t, err)
	cases := []struct {
		name           string
		transformation Transformation
		want           string
	}{
		{"unknown", Transformation{ID: "merge"}, "transformation merge: not supported by the emulator: add it to ApplyTransformations"},
		{"join field", Transformation{ID: "joinByField", Options: json.RawMessage(`{"mode":"outer","byField":"Time"}`)},
			`transformation joinByField: table A has no field "Time" to join by`},
		{"filter field", Transformation{ID: "filterByValue", Options: json.RawMessage(`{"type":"exclude","filters":[{"fieldName":"total","config":{"id":"equal"}}]}`)},
			`transformation filterByValue: no field "total" to filter on`},
		{"operand", Transformation{ID: "calculateField", Options: json.RawMessage(`{"mode":"binary","binary":{"left":{"matcher":{"id":"byName","options":"x"}},"operator":"/","right":{"fixed":"2"}}}`)},
			`transformation calculateField: operand byName "x" matches no field`},
		{"filter kind", Transformation{ID: "renameByRegex", Filter: &FrameFilter{ID: "byName", Options: "A"}},
			`transformation renameByRegex: filter "byName" is not supported: use byRefId`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ApplyTransformations([]Table{table}, []Transformation{tc.transformation})
			require.Error(t, err)
			assert.Equal(t, tc.want, err.Error())
		})
	}
}

func TestTableFromFrameRejectsLabels(t *testing.T) {
	frame := data.NewFrame("", data.NewField("count", data.Labels{"risk": "low"}, []int64{1}))
	_, err := TableFromFrame(frame)
	require.Error(t, err)
	assert.Equal(t, "field count has labels risk=low and no display name: the emulator cannot name it", err.Error())

	frame.Fields[0].Config = &data.FieldConfig{DisplayNameFromDS: "low"}
	table, err := TableFromFrame(frame)
	require.NoError(t, err)
	assert.Equal(t, "low", table.Columns[0].Name)
	assert.False(t, math.IsNaN(table.Columns[0].Values[0]))
}
