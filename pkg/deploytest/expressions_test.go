package deploytest

import (
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEvaluateMath(t *testing.T) {
	vars := map[string]float64{"A": 6, "B": 4, "zero": 0}
	cases := []struct {
		expression string
		want       float64
	}{
		{"$A + $B * 2", 14},
		{"($A + $B) * 2", 20},
		{"${A} - -$B", 10},
		{"$A / $B", 1.5},
		{"$A % $B", 2},
		{"$A > $B", 1},
		{"$A >= 6", 1},
		{"$A <= 5.5", 0},
		{"$A == 6 && $B != 4", 0},
		{"$A == 6 || $B != 4", 1},
		{"!$zero", 1},
		{"!$A", 0},
		{"1 + 2 > 2", 1},
		{"(1 > 0) * 7", 7},
	}
	for _, tc := range cases {
		t.Run(tc.expression, func(t *testing.T) {
			got, err := EvaluateMath(tc.expression, vars)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}

	got, err := EvaluateMath("$A / $zero", vars)
	require.NoError(t, err)
	assert.True(t, math.IsInf(got, 1))
	got, err = EvaluateMath("$zero / $zero", vars)
	require.NoError(t, err)
	assert.True(t, math.IsNaN(got))
}

func TestEvaluateMathErrors(t *testing.T) {
	cases := map[string]string{
		"$A +":      `math "$A +": expression ends where an operand is expected`,
		"($A":       `math "($A": missing ) at token 3`,
		"$A $A":     `math "$A $A": unexpected "$A" at token 2`,
		"$missing":  `math "$missing": variable $missing has no value: the expression that sets it must come first`,
		"abs($A)":   `math "abs($A)": unexpected character 'a'`,
		"${A":       `math "${A": unclosed ${ in "${A"`,
		"$ + 1":     `math "$ + 1": $ without a variable name in "$ + 1"`,
		"1.2.3 + 1": `math "1.2.3 + 1": unexpected "1.2.3" at token 1`,
	}
	for expression, want := range cases {
		t.Run(expression, func(t *testing.T) {
			_, err := EvaluateMath(expression, map[string]float64{"A": 1})
			require.Error(t, err)
			assert.Equal(t, want, err.Error())
		})
	}
}

// countFrame is a wide series frame with one unlabelled count field, like riskSeries total.
func countFrame(counts ...float64) *data.Frame {
	times := make([]time.Time, len(counts))
	for i := range times {
		times[i] = time.Unix(int64(60*i), 0)
	}
	return data.NewFrame("risk", data.NewField("time", nil, times), data.NewField("count", nil, counts))
}

func TestHighRiskShareRule(t *testing.T) {
	queries, err := LoadAlertQueries(filepath.Join(repoRoot(t), "provisioning/alerting/rules.yaml"))
	require.NoError(t, err)
	var share []AlertQuery
	for _, query := range queries {
		if query.RuleUID == "modeltrace-high-risk-share" {
			share = append(share, query)
		}
	}

	cases := []struct {
		name       string
		high, all  []float64
		wantShare  float64
		wantFiring float64
	}{
		{"no traffic", []float64{0, 0, 0, 0, 0}, []float64{0, 0, 0, 0, 0}, 0, 0},
		{"too few inferences", []float64{0, 5, 0, 0, 0}, []float64{1, 5, 4, 4, 5}, 0, 0},
		{"exactly 5 %", []float64{0, 1, 0, 0, 0}, []float64{4, 4, 4, 4, 4}, 5, 0},
		{"10 %", []float64{0, 2, 0, 0, 0}, []float64{4, 4, 4, 4, 4}, 10, 1},
		{"quiet high risk", []float64{0, 1, 0, 0, 0}, []float64{10, 10, 10, 10, 10}, 2, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			values, err := EvaluateExpressions(share, map[string]data.Frames{
				"A": {countFrame(tc.high...)},
				"B": {countFrame(tc.all...)},
			})
			require.NoError(t, err)
			assert.Equal(t, tc.wantShare, values["E"])
			assert.Equal(t, tc.wantFiring, values["F"])
		})
	}
}

func TestReduceModes(t *testing.T) {
	frames := data.Frames{data.NewFrame("",
		data.NewField("time", nil, []time.Time{time.Unix(0, 0), time.Unix(60, 0), time.Unix(120, 0)}),
		data.NewField("count", nil, []*float64{ptr(2), nil, ptr(math.NaN())}),
	)}
	cases := []struct {
		mode string
		want float64
	}{
		{"replaceNN", 9},
		{"dropNN", 2},
	}
	for _, tc := range cases {
		t.Run(tc.mode, func(t *testing.T) {
			model := expressionModel{Expression: "A", Reducer: "sum"}
			model.Settings.Mode = tc.mode
			model.Settings.ReplaceWithValue = ptr(3.5)
			got, err := reduce(model, frames)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}

	got, err := reduce(expressionModel{Expression: "A", Reducer: "sum"}, frames)
	require.NoError(t, err)
	assert.True(t, math.IsNaN(got), "strict mode keeps NaN")

	two := data.Frames{countFrame(1), countFrame(2)}
	_, err = reduce(expressionModel{Expression: "A", Reducer: "sum"}, two)
	require.Error(t, err)
	assert.Equal(t, "reduce input A has 2 numeric series: the evaluator handles exactly 1", err.Error())
}

func ptr(v float64) *float64 { return &v }
