package deploytest

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// expressionModel is the part of a server-side expression's model that EvaluateExpressions reads.
type expressionModel struct {
	Type       string `json:"type"`
	Expression string `json:"expression"`
	Reducer    string `json:"reducer"`
	Settings   struct {
		Mode             string   `json:"mode"`
		ReplaceWithValue *float64 `json:"replaceWithValue"`
	} `json:"settings"`
	Conditions []struct {
		Evaluator struct {
			Type   string    `json:"type"`
			Params []float64 `json:"params"`
		} `json:"evaluator"`
	} `json:"conditions"`
}

// EvaluateExpressions runs the server-side expressions of one alert rule, in file order, over
// the frames its data queries returned (keyed by refId), as Grafana's reduce, math and
// threshold expressions do. It returns the number each expression produced, keyed by refId.
//
// NOTE: it handles only rules whose every step yields one number: each reduce input must hold
// exactly one numeric series, so the label matching Grafana does between several series is
// not imitated.
func EvaluateExpressions(queries []AlertQuery, results map[string]data.Frames) (map[string]float64, error) {
	values := map[string]float64{}
	for _, query := range queries {
		if !query.IsExpression() {
			continue
		}
		var model expressionModel
		if err := json.Unmarshal(query.Model, &model); err != nil {
			return nil, fmt.Errorf("expression %s: decode model: %w", query.RefID, err)
		}

		var value float64
		var err error
		switch model.Type {
		case "reduce":
			value, err = reduce(model, results[model.Expression])
		case "math":
			value, err = EvaluateMath(model.Expression, values)
		case "threshold":
			value, err = threshold(model, values)
		default:
			err = fmt.Errorf("expression type %q is not supported: use reduce, math or threshold", model.Type)
		}
		if err != nil {
			return nil, fmt.Errorf("expression %s: %w", query.RefID, err)
		}
		values[query.RefID] = value
	}
	return values, nil
}

// reduce turns the one numeric series of frames into a number with the model's reducer and
// non-numeric mode (strict, dropNN or replaceNN).
func reduce(model expressionModel, frames data.Frames) (float64, error) {
	var series []*data.Field
	for _, frame := range frames {
		for _, field := range frame.Fields {
			if field.Type().Numeric() {
				series = append(series, field)
			}
		}
	}
	if len(series) != 1 {
		return 0, fmt.Errorf("reduce input %s has %d numeric series: the evaluator handles exactly 1", model.Expression, len(series))
	}

	var points []float64
	for i := 0; i < series[0].Len(); i++ {
		value, err := series[0].NullableFloatAt(i)
		if err != nil {
			return 0, fmt.Errorf("reduce input %s point %d: %w", model.Expression, i, err)
		}
		number := math.NaN()
		if value != nil {
			number = *value
		}
		if math.IsNaN(number) || math.IsInf(number, 0) {
			switch model.Settings.Mode {
			case "dropNN":
				continue
			case "replaceNN":
				if model.Settings.ReplaceWithValue != nil {
					number = *model.Settings.ReplaceWithValue
				}
			}
		}
		points = append(points, number)
	}
	return reducePoints(model.Reducer, points)
}

func reducePoints(reducer string, points []float64) (float64, error) {
	switch reducer {
	case "sum":
		sum := 0.0
		for _, point := range points {
			sum += point
		}
		return sum, nil
	case "count":
		return float64(len(points)), nil
	case "last":
		if len(points) == 0 {
			return math.NaN(), nil
		}
		return points[len(points)-1], nil
	case "max", "min":
		if len(points) == 0 {
			return math.NaN(), nil
		}
		result := points[0]
		for _, point := range points[1:] {
			if (reducer == "max" && point > result) || (reducer == "min" && point < result) {
				result = point
			}
		}
		return result, nil
	}
	return 0, fmt.Errorf("reducer %q is not supported: use sum, count, last, max or min", reducer)
}

// threshold returns 1 when the input number meets the model's one condition, else 0.
func threshold(model expressionModel, values map[string]float64) (float64, error) {
	input, ok := values[model.Expression]
	if !ok {
		return 0, fmt.Errorf("threshold input %s has no value: list it before the threshold", model.Expression)
	}
	if len(model.Conditions) != 1 {
		return 0, fmt.Errorf("threshold has %d conditions: the evaluator handles exactly 1", len(model.Conditions))
	}
	evaluator := model.Conditions[0].Evaluator

	if len(evaluator.Params) != 1 || (evaluator.Type != "gt" && evaluator.Type != "lt") {
		return 0, fmt.Errorf("threshold evaluator %q with %d params is not supported: use gt or lt with 1 param",
			evaluator.Type, len(evaluator.Params))
	}
	met := input > evaluator.Params[0]
	if evaluator.Type == "lt" {
		met = input < evaluator.Params[0]
	}
	if met {
		return 1, nil
	}
	return 0, nil
}
