package deploytest

import (
	"fmt"
	"slices"
	"sort"
)

// QueryTypes lists the query types the ModelTrace datasource serves.
var QueryTypes = []string{"stats", "riskSeries", "biasFlags", "models", "events"}

// queryTypeFields maps each query type to the query JSON fields it reads.
var queryTypeFields = map[string][]string{
	"stats":      {},
	"riskSeries": {"modelIds", "minRisk", "groupByModel", "total", "live"},
	"biasFlags":  {"modelIds", "groupByModel", "format"},
	"models":     {"limit"},
	"events":     {"modelIds", "minRisk", "eventKinds", "limit", "live"},
}

// grafanaQueryFields are fields Grafana itself adds to every query object.
var grafanaQueryFields = []string{"refId", "queryType", "datasource", "hide", "key", "intervalMs", "maxDataPoints"}

var (
	riskLevels = []string{"low", "medium", "high", "critical"}
	eventKinds = []string{"model_registered", "inference_logged", "bias_flagged"}
	formats    = []string{"timeseries", "table"}
)

// CheckQueryFields checks a query object against the datasource's query model: the query type
// must exist, every other field must be one that type reads, and enumerated fields must hold
// accepted values. It returns one error per problem, sorted by message.
func CheckQueryFields(fields map[string]any) []error {
	queryType, _ := fields["queryType"].(string)
	allowed, ok := queryTypeFields[queryType]
	if !ok {
		return []error{fmt.Errorf("unknown queryType %q: use one of %v", queryType, QueryTypes)}
	}

	var problems []error
	for name, value := range fields {
		if slices.Contains(grafanaQueryFields, name) {
			continue
		}
		if !slices.Contains(allowed, name) {
			problems = append(problems, fmt.Errorf("field %q is not read by queryType %q (it reads %v)", name, queryType, allowed))
			continue
		}
		if err := checkFieldValue(name, value); err != nil {
			problems = append(problems, err)
		}
	}
	sort.Slice(problems, func(i, j int) bool { return problems[i].Error() < problems[j].Error() })
	return problems
}

func checkFieldValue(name string, value any) error {
	switch name {
	case "minRisk":
		return checkEnum(name, value, riskLevels)
	case "format":
		return checkEnum(name, value, formats)
	case "eventKinds":
		return checkEnumList(name, value, eventKinds)
	case "modelIds":
		return checkEnumList(name, value, nil)
	case "groupByModel", "total", "live":
		if _, ok := value.(bool); !ok {
			return fmt.Errorf("field %q is %v: use true or false", name, value)
		}
	case "limit":
		if number, ok := value.(float64); !ok || number < 1 || number != float64(int64(number)) {
			return fmt.Errorf("field %q is %v: use a whole number of at least 1", name, value)
		}
	}
	return nil
}

func checkEnum(name string, value any, accepted []string) error {
	text, ok := value.(string)
	if !ok || !slices.Contains(accepted, text) {
		return fmt.Errorf("field %q is %v: use one of %v", name, value, accepted)
	}
	return nil
}

// checkEnumList checks a list of strings; a nil accepted list allows any string.
func checkEnumList(name string, value any, accepted []string) error {
	items, ok := value.([]any)
	if !ok {
		return fmt.Errorf("field %q is %v: use a list of strings", name, value)
	}
	for _, item := range items {
		text, ok := item.(string)
		if !ok {
			return fmt.Errorf("field %q contains %v: use strings", name, item)
		}
		if accepted != nil && !slices.Contains(accepted, text) {
			return fmt.Errorf("field %q contains %q: use values from %v", name, text, accepted)
		}
	}
	return nil
}
