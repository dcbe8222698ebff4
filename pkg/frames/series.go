package frames

import (
	"slices"
	"strconv"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/modeltrace/soroban-datasource/pkg/registry"
)

// Field and label names of the time series frames.
const (
	timeField  = "time"
	countField = "count"
	riskLabel  = "risk"
	modelLabel = "model"
)

// wideFrameMeta marks a frame as a dataplane wide time series, the shape alert rules accept.
func wideFrameMeta() *data.FrameMeta {
	return &data.FrameMeta{Type: data.FrameTypeTimeSeriesWide, TypeVersion: data.FrameTypeVersion{0, 1}}
}

// riskCounts holds one count per bucket for each risk level, indexed by registry.RiskLevel.
type riskCounts [registry.RiskCritical + 1][]int64

func newRiskCounts(n int) *riskCounts {
	var c riskCounts
	for i := range c {
		c[i] = make([]int64, n)
	}
	return &c
}

// RiskCounter counts inferences per bucket and risk level, optionally per model, and builds
// a zero-filled wide time series frame from the counts.
type RiskCounter struct {
	grid    Grid
	known   Known
	grouped bool
	total   *riskCounts
	models  map[uint64]*riskCounts
}

// NewRiskCounter returns an empty counter over grid. With groupByModel each model gets its own
// series.
func NewRiskCounter(grid Grid, groupByModel bool) *RiskCounter {
	c := &RiskCounter{grid: grid, grouped: groupByModel}
	if groupByModel {
		c.models = map[uint64]*riskCounts{}
	} else {
		c.total = newRiskCounts(grid.Len())
	}
	return c
}

// EnsureModel gives model id its four series even when it has no events, so an alert rule
// reads 0 and not "no data". It does nothing when the counter is not grouped by model.
func (c *RiskCounter) EnsureModel(id uint64) {
	if c.grouped {
		c.countsOf(id)
	}
}

func (c *RiskCounter) countsOf(id uint64) *riskCounts {
	counts, ok := c.models[id]
	if !ok {
		counts = newRiskCounts(c.grid.Len())
		c.models[id] = counts
	}
	return counts
}

// Add counts one inference of model modelID at time t. It returns false, and counts nothing,
// when t is outside the grid or risk is not one of registry.RiskLevels.
func (c *RiskCounter) Add(t time.Time, modelID uint64, risk registry.RiskLevel) bool {
	i, ok := c.grid.Index(t)
	if !ok || !risk.Valid() {
		return false
	}

	counts := c.total
	if c.grouped {
		counts = c.countsOf(modelID)
	}
	counts[risk][i]++
	return true
}

// Frame returns the counts as one wide frame: a "time" field with every bucket start, then a
// "count" field per series labelled risk (and model when grouped), ordered by model and then
// risk level. Buckets without events are 0, and buckets outside the known part (SetKnown) null.
func (c *RiskCounter) Frame(name string) *data.Frame {
	frame := data.NewFrame(name, data.NewField(timeField, nil, c.grid.Times()))
	frame.Meta = wideFrameMeta()

	first, last := c.grid.knownSpan(c.known)
	if !c.grouped {
		appendRiskFields(frame, 0, c.total, first, last)
		return frame
	}
	for _, id := range sortedKeys(c.models) {
		appendRiskFields(frame, id, c.models[id], first, last)
	}
	return frame
}

// SetKnown sets the part of the grid the RPC has data for: buckets wholly outside it are
// null in the frame.
func (c *RiskCounter) SetKnown(k Known) { c.known = k }

// appendRiskFields adds the four risk series of one model (modelID 0 when not grouped). Each
// field's display name is the risk level, after "model N " when grouped, so panel overrides
// can match a level by name.
func appendRiskFields(frame *data.Frame, modelID uint64, counts *riskCounts, first, last int) {
	for _, risk := range registry.RiskLevels {
		labels := data.Labels{riskLabel: risk.String()}
		display := risk.String()
		if modelID != 0 {
			model := strconv.FormatUint(modelID, 10)
			labels[modelLabel] = model
			display = "model " + model + " " + display
		}
		field := data.NewField(countField, labels, countValues(counts[risk], first, last))
		field.Config = &data.FieldConfig{DisplayNameFromDS: display}
		frame.Fields = append(frame.Fields, field)
	}
}

// CountSeries counts events (bias flags) per bucket, optionally per model, and builds a
// zero-filled wide time series frame from the counts.
type CountSeries struct {
	grid    Grid
	known   Known
	grouped bool
	total   []int64
	models  map[uint64][]int64
}

// NewCountSeries returns an empty series over grid. With groupByModel each model gets its own
// series.
func NewCountSeries(grid Grid, groupByModel bool) *CountSeries {
	s := &CountSeries{grid: grid, grouped: groupByModel}
	if groupByModel {
		s.models = map[uint64][]int64{}
	} else {
		s.total = make([]int64, grid.Len())
	}
	return s
}

// EnsureModel gives model id its series even when it has no events. It does nothing when the
// series is not grouped by model.
func (s *CountSeries) EnsureModel(id uint64) {
	if s.grouped {
		s.countsOf(id)
	}
}

func (s *CountSeries) countsOf(id uint64) []int64 {
	counts, ok := s.models[id]
	if !ok {
		counts = make([]int64, s.grid.Len())
		s.models[id] = counts
	}
	return counts
}

// Add counts one event of model modelID at time t. It returns false, and counts nothing, when
// t is outside the grid.
func (s *CountSeries) Add(t time.Time, modelID uint64) bool {
	i, ok := s.grid.Index(t)
	if !ok {
		return false
	}

	if s.grouped {
		s.countsOf(modelID)[i]++
	} else {
		s.total[i]++
	}
	return true
}

// Frame returns the counts as one wide frame: a "time" field, then one "count" field without
// labels, or one per model labelled model when grouped, in ascending model order.
func (s *CountSeries) Frame(name string) *data.Frame {
	frame := data.NewFrame(name, data.NewField(timeField, nil, s.grid.Times()))
	frame.Meta = wideFrameMeta()

	first, last := s.grid.knownSpan(s.known)
	if !s.grouped {
		frame.Fields = append(frame.Fields, data.NewField(countField, nil, countValues(s.total, first, last)))
		return frame
	}
	for _, id := range sortedKeys(s.models) {
		labels := data.Labels{modelLabel: strconv.FormatUint(id, 10)}
		frame.Fields = append(frame.Fields, data.NewField(countField, labels, countValues(s.models[id], first, last)))
	}
	return frame
}

// SetKnown sets the part of the grid the RPC has data for: buckets wholly outside it are
// null in the frame.
func (s *CountSeries) SetKnown(k Known) { s.known = k }

func sortedKeys[V any](m map[uint64]V) []uint64 {
	keys := make([]uint64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
