package frames

import (
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modeltrace/soroban-datasource/pkg/registry"
)

// series is one numeric field of a wide frame, for exact comparisons.
type series struct {
	Name   string
	Labels data.Labels
	Values []int64
}

// countFields returns every field after the time field, as series.
func countFields(t *testing.T, frame *data.Frame) []series {
	t.Helper()
	var out []series
	for _, f := range frame.Fields[1:] {
		require.Equal(t, data.FieldTypeInt64, f.Type(), "field %s", f.Name)
		values := make([]int64, f.Len())
		for i := range values {
			values[i] = f.At(i).(int64)
		}
		out = append(out, series{Name: f.Name, Labels: f.Labels, Values: values})
	}
	return out
}

// assertWide checks the parts every series frame shares: name, meta, time field and shape.
func assertWide(t *testing.T, frame *data.Frame, name string, g Grid) {
	t.Helper()
	assert.Equal(t, name, frame.Name)
	require.NotNil(t, frame.Meta)
	assert.Equal(t, data.FrameTypeTimeSeriesWide, frame.Meta.Type)
	assert.Equal(t, data.FrameTypeVersion{0, 1}, frame.Meta.TypeVersion)
	require.NotEmpty(t, frame.Fields)
	assert.Equal(t, "time", frame.Fields[0].Name)
	assert.Nil(t, frame.Fields[0].Labels)

	times := make([]time.Time, frame.Fields[0].Len())
	for i := range times {
		times[i] = frame.Fields[0].At(i).(time.Time)
	}
	assert.Equal(t, g.Times(), times)
	if len(frame.Fields) > 1 {
		assert.Equal(t, data.TimeSeriesTypeWide, frame.TimeSeriesSchema().Type)
	}
}

// fourMinutes is a grid of four one-minute buckets: 10:00 to 10:03.
func fourMinutes() Grid {
	return NewGrid(at(0, 0, 0), at(3, 30, 0), time.Minute, 100)
}

func TestRiskCounterEmpty(t *testing.T) {
	g := fourMinutes()
	frame := NewRiskCounter(g, false).Frame("risk")

	assertWide(t, frame, "risk", g)
	zero := []int64{0, 0, 0, 0}
	assert.Equal(t, []series{
		{"count", data.Labels{"risk": "low"}, zero},
		{"count", data.Labels{"risk": "medium"}, zero},
		{"count", data.Labels{"risk": "high"}, zero},
		{"count", data.Labels{"risk": "critical"}, zero},
	}, countFields(t, frame))
}

func TestRiskCounterCounts(t *testing.T) {
	g := fourMinutes()
	c := NewRiskCounter(g, false)
	c.EnsureModel(9)

	assert.True(t, c.Add(at(0, 0, 0), 1, registry.RiskLow), "exactly at From")
	assert.True(t, c.Add(at(0, 59, 0), 2, registry.RiskLow))
	assert.True(t, c.Add(at(1, 0, 0), 1, registry.RiskHigh))
	assert.True(t, c.Add(at(3, 30, 0), 3, registry.RiskCritical), "exactly at To")
	assert.True(t, c.Add(at(2, 10, 0), 1, registry.RiskMedium))
	assert.False(t, c.Add(at(0, 0, 0).Add(-time.Nanosecond), 1, registry.RiskLow), "before From")
	assert.False(t, c.Add(at(3, 30, 1), 1, registry.RiskLow), "after To")
	assert.False(t, c.Add(at(1, 0, 0), 1, registry.RiskLevel(4)), "unknown risk level")

	frame := c.Frame("risk")
	assertWide(t, frame, "risk", g)
	assert.Equal(t, []series{
		{"count", data.Labels{"risk": "low"}, []int64{2, 0, 0, 0}},
		{"count", data.Labels{"risk": "medium"}, []int64{0, 0, 1, 0}},
		{"count", data.Labels{"risk": "high"}, []int64{0, 1, 0, 0}},
		{"count", data.Labels{"risk": "critical"}, []int64{0, 0, 0, 1}},
	}, countFields(t, frame))
}

func TestRiskCounterGrouped(t *testing.T) {
	g := fourMinutes()
	c := NewRiskCounter(g, true)
	c.EnsureModel(2)
	c.EnsureModel(10)
	assert.True(t, c.Add(at(1, 5, 0), 10, registry.RiskHigh))
	assert.True(t, c.Add(at(0, 5, 0), 1, registry.RiskLow))
	assert.True(t, c.Add(at(0, 6, 0), 1, registry.RiskLow))
	assert.True(t, c.Add(at(3, 0, 0), 10, registry.RiskCritical))
	assert.False(t, c.Add(at(4, 0, 0), 7, registry.RiskLow), "after To")

	frame := c.Frame("risk")
	assertWide(t, frame, "risk", g)
	zero := []int64{0, 0, 0, 0}
	labels := func(model, risk string) data.Labels { return data.Labels{"model": model, "risk": risk} }
	assert.Equal(t, []series{
		{"count", labels("1", "low"), []int64{2, 0, 0, 0}},
		{"count", labels("1", "medium"), zero},
		{"count", labels("1", "high"), zero},
		{"count", labels("1", "critical"), zero},
		{"count", labels("2", "low"), zero},
		{"count", labels("2", "medium"), zero},
		{"count", labels("2", "high"), zero},
		{"count", labels("2", "critical"), zero},
		{"count", labels("10", "low"), zero},
		{"count", labels("10", "medium"), zero},
		{"count", labels("10", "high"), []int64{0, 1, 0, 0}},
		{"count", labels("10", "critical"), []int64{0, 0, 0, 1}},
	}, countFields(t, frame))
}

func TestRiskCounterGroupedEmpty(t *testing.T) {
	g := fourMinutes()
	frame := NewRiskCounter(g, true).Frame("risk")
	assertWide(t, frame, "risk", g)
	assert.Len(t, frame.Fields, 1)
}

func TestRiskCounterEmptyGrid(t *testing.T) {
	g := NewGrid(at(5, 0, 0), at(4, 0, 0), time.Minute, 100)
	c := NewRiskCounter(g, false)
	assert.False(t, c.Add(at(4, 30, 0), 1, registry.RiskLow))

	frame := c.Frame("risk")
	require.Len(t, frame.Fields, 5)
	for _, f := range frame.Fields {
		assert.Equal(t, 0, f.Len())
	}
}

func TestCountSeriesUngrouped(t *testing.T) {
	g := fourMinutes()
	s := NewCountSeries(g, false)
	s.EnsureModel(4)
	assert.True(t, s.Add(at(0, 0, 0), 4), "exactly at From")
	assert.True(t, s.Add(at(3, 30, 0), 5), "exactly at To")
	assert.True(t, s.Add(at(3, 1, 0), 6))
	assert.False(t, s.Add(at(3, 31, 0), 4), "after To")

	frame := s.Frame("bias_flags")
	assertWide(t, frame, "bias_flags", g)
	assert.Equal(t, []series{{"count", nil, []int64{1, 0, 0, 2}}}, countFields(t, frame))
}

func TestCountSeriesEmpty(t *testing.T) {
	g := fourMinutes()
	frame := NewCountSeries(g, false).Frame("bias_flags")
	assertWide(t, frame, "bias_flags", g)
	assert.Equal(t, []series{{"count", nil, []int64{0, 0, 0, 0}}}, countFields(t, frame))
}

func TestCountSeriesGrouped(t *testing.T) {
	g := fourMinutes()
	s := NewCountSeries(g, true)
	s.EnsureModel(3)
	assert.True(t, s.Add(at(2, 0, 0), 12))
	assert.True(t, s.Add(at(2, 59, 0), 12))
	assert.True(t, s.Add(at(0, 1, 0), 1))

	frame := s.Frame("bias_flags")
	assertWide(t, frame, "bias_flags", g)
	assert.Equal(t, []series{
		{"count", data.Labels{"model": "1"}, []int64{1, 0, 0, 0}},
		{"count", data.Labels{"model": "3"}, []int64{0, 0, 0, 0}},
		{"count", data.Labels{"model": "12"}, []int64{0, 0, 2, 0}},
	}, countFields(t, frame))
}

func TestSeriesFrameJSON(t *testing.T) {
	g := NewGrid(at(0, 0, 0), at(1, 0, 0), time.Minute, 100)
	c := NewRiskCounter(g, false)
	c.Add(at(1, 0, 0), 1, registry.RiskHigh)

	raw, err := data.FrameToJSON(c.Frame("risk"), data.IncludeAll)
	require.NoError(t, err)
	assert.JSONEq(t, `{
		"schema": {
			"name": "risk",
			"meta": {"type": "timeseries-wide", "typeVersion": [0, 1]},
			"fields": [
				{"name": "time", "type": "time", "typeInfo": {"frame": "time.Time"}},
				{"name": "count", "type": "number", "typeInfo": {"frame": "int64"}, "labels": {"risk": "low"},
					"config": {"displayNameFromDS": "low"}},
				{"name": "count", "type": "number", "typeInfo": {"frame": "int64"}, "labels": {"risk": "medium"},
					"config": {"displayNameFromDS": "medium"}},
				{"name": "count", "type": "number", "typeInfo": {"frame": "int64"}, "labels": {"risk": "high"},
					"config": {"displayNameFromDS": "high"}},
				{"name": "count", "type": "number", "typeInfo": {"frame": "int64"}, "labels": {"risk": "critical"},
					"config": {"displayNameFromDS": "critical"}}
			]
		},
		"data": {"values": [[1767261600000, 1767261660000], [0, 0], [0, 0], [0, 1], [0, 0]]}
	}`, string(raw))
}

func TestRiskCounterDisplayNames(t *testing.T) {
	g := NewGrid(at(0, 0, 0), at(0, 1, 0), time.Minute, 100)
	c := NewRiskCounter(g, true)
	c.EnsureModel(7)

	frame := c.Frame("risk")

	var names []string
	for _, field := range frame.Fields[1:] {
		names = append(names, field.Config.DisplayNameFromDS)
	}
	assert.Equal(t, []string{"model 7 low", "model 7 medium", "model 7 high", "model 7 critical"}, names)
}

func TestSeriesNullOutsideKnown(t *testing.T) {
	g := NewGrid(at(0, 0, 0), at(4, 59, 0), time.Minute, 100)
	c := NewRiskCounter(g, false)
	c.Add(at(2, 10, 0), 1, registry.RiskLow)
	// The RPC keeps ledgers from 10:01:30 on, and its latest ledger closed at 10:03:05.
	c.SetKnown(Known{From: at(1, 30, 0), To: at(3, 5, 0)})

	low := c.Frame("risk").Fields[1]

	one, zero := int64(1), int64(0)
	want := []*int64{nil, &zero, &one, &zero, nil}
	require.Equal(t, len(want), low.Len())
	for i := range want {
		assert.Equal(t, want[i], low.At(i), "bucket %d", i)
	}
}

func TestCountSeriesAllKnownStaysDense(t *testing.T) {
	g := NewGrid(at(0, 0, 0), at(2, 0, 0), time.Minute, 100)
	s := NewCountSeries(g, false)
	s.SetKnown(Known{From: at(0, 0, 0), To: at(2, 0, 0)})

	field := s.Frame("bias_flags").Fields[1]

	require.Equal(t, 3, field.Len())
	assert.Equal(t, []int64{0, 0, 0}, []int64{field.At(0).(int64), field.At(1).(int64), field.At(2).(int64)})
}

func TestSeriesNoBucketKnown(t *testing.T) {
	g := NewGrid(at(0, 0, 0), at(2, 0, 0), time.Minute, 100)
	s := NewCountSeries(g, false)
	s.SetKnown(Known{From: at(30, 0, 0)})

	field := s.Frame("bias_flags").Fields[1]

	require.Equal(t, 3, field.Len())
	for i := range field.Len() {
		assert.Nil(t, field.At(i), "bucket %d", i)
	}
}
