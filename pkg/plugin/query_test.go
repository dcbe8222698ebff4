package plugin

import (
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modeltrace/soroban-datasource/pkg/registry"
)

func parse(t *testing.T, json string) (Query, error) {
	t.Helper()
	return ParseQuery(backend.DataQuery{RefID: "A", JSON: []byte(json)})
}

func TestParseQueryDefaults(t *testing.T) {
	q, err := parse(t, `{}`)

	require.NoError(t, err)
	assert.Equal(t, QueryTypeRiskSeries, q.Type)
	assert.Equal(t, "A", q.RefID)
	assert.Empty(t, q.ModelIDs)
	assert.Equal(t, registry.RiskLow, q.MinRisk)
	assert.Equal(t, registry.EventKinds, q.EventKinds)
	assert.Equal(t, FormatTimeSeries, q.Format)
	assert.Zero(t, q.Limit)
	assert.False(t, q.Live)
	assert.False(t, q.Total)
}

func TestParseQueryFields(t *testing.T) {
	q, err := parse(t, `{"queryType":"events","modelIds":["3","1,2","{4,3}","$__all"],"minRisk":"high",
		"eventKinds":["bias_flagged","bias_flagged"],"limit":50,"live":true,"groupByModel":true,"total":true,"format":"table"}`)

	require.NoError(t, err)
	assert.Equal(t, QueryTypeEvents, q.Type)
	assert.Equal(t, []uint64{1, 2, 3, 4}, q.ModelIDs)
	assert.Equal(t, registry.RiskHigh, q.MinRisk)
	assert.Equal(t, []registry.EventKind{registry.KindBiasFlagged}, q.EventKinds)
	assert.Equal(t, 50, q.Limit)
	assert.True(t, q.Live)
	assert.True(t, q.GroupByModel)
	assert.True(t, q.Total)
	assert.Equal(t, FormatTable, q.Format)
}

func TestParseQueryAllModels(t *testing.T) {
	for _, ids := range []string{`["All"]`, `["all"]`, `["$__all"]`, `[""]`, `[]`} {
		q, err := parse(t, `{"modelIds":`+ids+`}`)

		require.NoError(t, err, ids)
		assert.Empty(t, q.ModelIDs, ids)
	}
}

func TestParseQueryErrors(t *testing.T) {
	cases := map[string]string{
		`{`:                          "invalid query JSON: unexpected end of JSON input: check the query fields",
		`{"modelIds":["0"]}`:         `invalid model id "0" in modelIds: use decimal model ids starting at 1, e.g. ["1", "2"]`,
		`{"modelIds":["gpt"]}`:       `invalid model id "gpt" in modelIds: use decimal model ids starting at 1, e.g. ["1", "2"]`,
		`{"minRisk":"severe"}`:       `invalid minRisk: invalid risk level "severe": use low, medium, high or critical`,
		`{"eventKinds":["deleted"]}`: `invalid eventKinds: invalid event kind "deleted": use model_registered, inference_logged or bias_flagged`,
		`{"format":"csv"}`:           `invalid format "csv": use "timeseries" or "table"`,
		`{"limit":-1}`:               "invalid limit -1: use a whole number from 1 to 100000, or leave it empty for no limit",
		`{"limit":100001}`:           "invalid limit 100001: use a whole number from 1 to 100000, or leave it empty for no limit",
		`{"limit":1e9}`:              "invalid limit 1e9: use a whole number from 1 to 100000, or leave it empty for no limit",
		`{"limit":2.5}`:              "invalid limit 2.5: use a whole number from 1 to 100000, or leave it empty for no limit",
		`{"limit":"$rows"}`:          `invalid limit "$rows": use a whole number from 1 to 100000, or leave it empty for no limit`,
		`{"modelIds":"1"}`:           "invalid query JSON: json: cannot unmarshal string into Go struct field queryModel.modelIds of type []string: check the query fields",
	}
	for input, want := range cases {
		t.Run(input, func(t *testing.T) {
			_, err := parse(t, input)

			require.EqualError(t, err, want)
		})
	}
}

func TestParseQueryLimitForms(t *testing.T) {
	for input, want := range map[string]int{`50`: 50, `"50"`: 50, `5e1`: 50, `null`: 0, `""`: 0, `0`: 0} {
		q, err := parse(t, `{"queryType":"events","limit":`+input+`}`)

		require.NoError(t, err, input)
		assert.Equal(t, want, q.Limit, input)
	}
}

func TestParseQueryFormatIgnoresCase(t *testing.T) {
	q, err := parse(t, `{"queryType":"biasFlags","format":" Table "}`)

	require.NoError(t, err)
	assert.Equal(t, FormatTable, q.Format)
}

func TestParseQueryTypeFromRequest(t *testing.T) {
	q, err := ParseQuery(backend.DataQuery{RefID: "B", QueryType: QueryTypeStats})

	require.NoError(t, err)
	assert.Equal(t, QueryTypeStats, q.Type)
}
