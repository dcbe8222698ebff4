package plugin

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/modeltrace/soroban-datasource/pkg/registry"
)

// Query types served by QueryData.
const (
	QueryTypeStats      = "stats"
	QueryTypeRiskSeries = "riskSeries"
	QueryTypeBiasFlags  = "biasFlags"
	QueryTypeModels     = "models"
	QueryTypeEvents     = "events"
)

// Bias flag frame formats.
const (
	FormatTimeSeries = "timeseries"
	FormatTable      = "table"
)

const maxQueryLimit = 100_000

// queryModel is the query JSON sent by the editors, dashboards and alert rules.
type queryModel struct {
	QueryType    string          `json:"queryType"`
	ModelIDs     []string        `json:"modelIds"`
	MinRisk      string          `json:"minRisk"`
	GroupByModel bool            `json:"groupByModel"`
	Total        bool            `json:"total"`
	Format       string          `json:"format"`
	EventKinds   []string        `json:"eventKinds"`
	Limit        json.RawMessage `json:"limit"`
	Live         bool            `json:"live"`
}

// Query is a parsed and validated query.
type Query struct {
	RefID        string
	Type         string
	ModelIDs     []uint64
	MinRisk      registry.RiskLevel
	GroupByModel bool
	Total        bool // riskSeries: one series of all accepted inferences instead of one per risk level
	Format       string
	EventKinds   []registry.EventKind
	Limit        int
	Live         bool
	DataQuery    backend.DataQuery
}

// ParseQuery decodes and validates one query. Errors name the field, the value and the fix.
func ParseQuery(dq backend.DataQuery) (Query, error) {
	var m queryModel
	if len(dq.JSON) > 0 {
		if err := json.Unmarshal(dq.JSON, &m); err != nil {
			return Query{}, fmt.Errorf("invalid query JSON: %v: check the query fields", err)
		}
	}

	q := Query{
		RefID:        dq.RefID,
		Type:         m.QueryType,
		GroupByModel: m.GroupByModel,
		Total:        m.Total,
		Format:       m.Format,
		Live:         m.Live,
		DataQuery:    dq,
	}
	if q.Type == "" {
		q.Type = dq.QueryType
	}
	if q.Type == "" {
		q.Type = QueryTypeRiskSeries
	}

	var err error
	if q.ModelIDs, err = parseModelIDs(m.ModelIDs); err != nil {
		return Query{}, err
	}
	if m.MinRisk != "" {
		if q.MinRisk, err = registry.ParseRiskLevel(m.MinRisk); err != nil {
			return Query{}, fmt.Errorf("invalid minRisk: %w", err)
		}
	}
	if q.EventKinds, err = parseEventKinds(m.EventKinds); err != nil {
		return Query{}, err
	}
	if q.Format, err = parseFormat(m.Format); err != nil {
		return Query{}, err
	}
	if q.Limit, err = parseLimit(m.Limit); err != nil {
		return Query{}, err
	}
	return q, nil
}

// parseModelIDs accepts decimal ids; entries may hold comma lists from multi-value variables.
// "$__all", "All" and empty entries mean no model filter.
func parseModelIDs(values []string) ([]uint64, error) {
	var ids []uint64
	for _, value := range values {
		for _, part := range strings.Split(value, ",") {
			part = strings.Trim(strings.TrimSpace(part), "{}")
			if part == "" || part == "$__all" || strings.EqualFold(part, "all") {
				continue
			}
			id, err := strconv.ParseUint(part, 10, 64)
			if err != nil || id == 0 {
				return nil, fmt.Errorf("invalid model id %q in modelIds: use decimal model ids starting at 1, e.g. [\"1\", \"2\"]", part)
			}
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	slices.Sort(ids)
	return ids, nil
}

func parseEventKinds(values []string) ([]registry.EventKind, error) {
	kinds := make([]registry.EventKind, 0, len(values))
	for _, value := range values {
		kind, err := registry.ParseEventKind(value)
		if err != nil {
			return nil, fmt.Errorf("invalid eventKinds: %w", err)
		}
		if !slices.Contains(kinds, kind) {
			kinds = append(kinds, kind)
		}
	}
	if len(kinds) == 0 {
		return slices.Clone(registry.EventKinds), nil
	}
	return kinds, nil
}

func parseFormat(value string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(value)) {
	case "", FormatTimeSeries:
		return FormatTimeSeries, nil
	case FormatTable:
		return FormatTable, nil
	}
	return "", fmt.Errorf("invalid format %q: use %q or %q", value, FormatTimeSeries, FormatTable)
}

// parseLimit reads the limit field: a whole number, also as a string (a dashboard variable),
// and null, empty or 0 for no limit.
func parseLimit(raw json.RawMessage) (int, error) {
	text := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	if text == "" || text == "null" || text == "0" {
		return 0, nil
	}
	limit, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
	if err != nil || limit != math.Trunc(limit) || limit < 1 || limit > maxQueryLimit {
		return 0, fmt.Errorf("invalid limit %s: use a whole number from 1 to %d, or leave it empty for no limit", raw, maxQueryLimit)
	}
	return int(limit), nil
}

// wantsModel reports whether the query's model filter accepts id.
func (q Query) wantsModel(id uint64) bool {
	if len(q.ModelIDs) == 0 {
		return true
	}
	_, found := slices.BinarySearch(q.ModelIDs, id)
	return found
}

// wantsKind reports whether the query's event kinds include kind.
func (q Query) wantsKind(kind registry.EventKind) bool {
	return slices.Contains(q.EventKinds, kind)
}
