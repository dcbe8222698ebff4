package deploytest

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// Table is the transformation emulator's form of a frame: named numeric columns.
type Table struct {
	RefID   string
	Columns []Column
}

// Column is one field of a Table. Name is the field's display name in Grafana. Time columns
// hold Unix milliseconds. NaN marks a missing value, as an outer join leaves it.
type Column struct {
	Name   string
	Time   bool
	Values []float64
}

// Column returns the column with the given display name, or nil.
func (t Table) Column(name string) *Column {
	for i := range t.Columns {
		if t.Columns[i].Name == name {
			return &t.Columns[i]
		}
	}
	return nil
}

// TableFromFrame converts a frame of time and numeric fields. A field's display name is its
// config displayName, else displayNameFromDS, else its name, as Grafana's display name rules
// give it for fields without labels.
//
// NOTE: a labelled field without a display name is rejected, because Grafana then adds label
// values to the name by rules the emulator does not copy.
func TableFromFrame(frame *data.Frame) (Table, error) {
	table := Table{RefID: frame.RefID}
	for _, field := range frame.Fields {
		name := field.Name
		if config := field.Config; config != nil && config.DisplayName != "" {
			name = config.DisplayName
		} else if config != nil && config.DisplayNameFromDS != "" {
			name = config.DisplayNameFromDS
		} else if len(field.Labels) > 0 {
			return Table{}, fmt.Errorf("field %s has labels %s and no display name: the emulator cannot name it", field.Name, field.Labels)
		}

		column := Column{Name: name, Time: field.Type().Time(), Values: make([]float64, field.Len())}
		for i := range column.Values {
			value, err := numberAt(field, i)
			if err != nil {
				return Table{}, fmt.Errorf("field %s row %d: %w", field.Name, i, err)
			}
			column.Values[i] = value
		}
		table.Columns = append(table.Columns, column)
	}
	return table, nil
}

func numberAt(field *data.Field, i int) (float64, error) {
	if field.Type().Time() {
		value, ok := field.ConcreteAt(i)
		t, isTime := value.(time.Time)
		if !ok || !isTime {
			return math.NaN(), nil
		}
		return float64(t.UnixMilli()), nil
	}
	value, err := field.NullableFloatAt(i)
	if err != nil || value == nil {
		return math.NaN(), err
	}
	return *value, nil
}

// ApplyTransformations imitates Grafana's frontend transformations (as in @grafana/data 12.4)
// for the subset the bundled dashboard uses: renameByRegex, joinByField (outer), filterByValue
// and calculateField in binary mode. Each may carry a byRefId filter. Any other transformation
// is an error, so a new one in the dashboard needs support here before its test passes.
func ApplyTransformations(tables []Table, transformations []Transformation) ([]Table, error) {
	for _, transformation := range transformations {
		if transformation.Disabled {
			continue
		}
		selected := func(t Table) bool {
			return transformation.Filter == nil || transformation.Filter.ID != "byRefId" || transformation.Filter.Options == t.RefID
		}
		if transformation.Filter != nil && transformation.Filter.ID != "byRefId" {
			return nil, fmt.Errorf("transformation %s: filter %q is not supported: use byRefId", transformation.ID, transformation.Filter.ID)
		}

		var err error
		switch transformation.ID {
		case "renameByRegex":
			err = renameByRegex(tables, selected, transformation.Options)
		case "joinByField":
			tables, err = joinByField(tables, transformation.Options)
		case "filterByValue":
			err = filterByValue(tables, transformation.Options)
		case "calculateField":
			err = calculateBinary(tables, transformation.Options)
		default:
			err = fmt.Errorf("not supported by the emulator: add it to ApplyTransformations")
		}
		if err != nil {
			return nil, fmt.Errorf("transformation %s: %w", transformation.ID, err)
		}
	}
	return tables, nil
}

func renameByRegex(tables []Table, selected func(Table) bool, raw json.RawMessage) error {
	var options struct {
		Regex         string `json:"regex"`
		RenamePattern string `json:"renamePattern"`
	}
	if err := json.Unmarshal(raw, &options); err != nil {
		return err
	}
	pattern, err := regexp.Compile(options.Regex)
	if err != nil {
		return fmt.Errorf("invalid regex %q: %w", options.Regex, err)
	}
	for _, table := range tables {
		if !selected(table) {
			continue
		}
		for i := range table.Columns {
			if pattern.MatchString(table.Columns[i].Name) {
				table.Columns[i].Name = pattern.ReplaceAllString(table.Columns[i].Name, options.RenamePattern)
			}
		}
	}
	return nil
}

// joinByField joins every table on the column named byField into one table with a row per
// distinct key, in ascending order. Keys missing from a table leave NaN in its columns.
func joinByField(tables []Table, raw json.RawMessage) ([]Table, error) {
	var options struct {
		Mode    string `json:"mode"`
		ByField string `json:"byField"`
	}
	if err := json.Unmarshal(raw, &options); err != nil {
		return nil, err
	}
	if options.Mode != "outer" {
		return nil, fmt.Errorf("mode %q is not supported: use outer", options.Mode)
	}

	var keys []float64
	for _, table := range tables {
		key := table.Column(options.ByField)
		if key == nil {
			return nil, fmt.Errorf("table %s has no field %q to join by", table.RefID, options.ByField)
		}
		for _, value := range key.Values {
			if !slices.Contains(keys, value) {
				keys = append(keys, value)
			}
		}
	}
	slices.Sort(keys)

	joined := Table{Columns: []Column{{Name: options.ByField, Time: true, Values: keys}}}
	for _, table := range tables {
		key := table.Column(options.ByField)
		for _, column := range table.Columns {
			if column.Name == options.ByField {
				continue
			}
			values := make([]float64, len(keys))
			for i := range values {
				values[i] = math.NaN()
			}
			for row, value := range column.Values {
				values[slices.Index(keys, key.Values[row])] = value
			}
			joined.Columns = append(joined.Columns, Column{Name: column.Name, Values: values})
		}
	}
	return []Table{joined}, nil
}

type valueFilter struct {
	FieldName string `json:"fieldName"`
	Config    struct {
		ID      string `json:"id"`
		Options struct {
			Value float64 `json:"value"`
		} `json:"options"`
	} `json:"config"`
}

func (f valueFilter) matches(value float64) (bool, error) {
	limit := f.Config.Options.Value
	switch f.Config.ID {
	case "equal":
		return value == limit, nil
	case "notEqual":
		return value != limit, nil
	case "lower":
		return value < limit, nil
	case "lowerOrEqual":
		return value <= limit, nil
	case "greater":
		return value > limit, nil
	case "greaterOrEqual":
		return value >= limit, nil
	case "isNull":
		// A null number is NaN here; Grafana's numeric matchers are false for it, as the
		// comparisons above are.
		return math.IsNaN(value), nil
	case "isNotNull":
		return !math.IsNaN(value), nil
	}
	return false, fmt.Errorf("value matcher %q is not supported", f.Config.ID)
}

// filterByValue keeps (type include) or drops (type exclude) the rows where any or all of the
// filters match.
func filterByValue(tables []Table, raw json.RawMessage) error {
	var options struct {
		Type    string        `json:"type"`
		Match   string        `json:"match"`
		Filters []valueFilter `json:"filters"`
	}
	if err := json.Unmarshal(raw, &options); err != nil {
		return err
	}

	for t, table := range tables {
		var keep []int
		rows := len(table.Columns[0].Values)
		for row := 0; row < rows; row++ {
			matched, err := rowMatches(table, row, options.Filters, options.Match == "all")
			if err != nil {
				return err
			}
			if matched == (options.Type == "include") {
				keep = append(keep, row)
			}
		}
		for c := range table.Columns {
			values := make([]float64, len(keep))
			for i, row := range keep {
				values[i] = table.Columns[c].Values[row]
			}
			tables[t].Columns[c].Values = values
		}
	}
	return nil
}

func rowMatches(table Table, row int, filters []valueFilter, all bool) (bool, error) {
	for _, filter := range filters {
		column := table.Column(filter.FieldName)
		if column == nil {
			return false, fmt.Errorf("no field %q to filter on", filter.FieldName)
		}
		matched, err := filter.matches(column.Values[row])
		if err != nil {
			return false, err
		}
		if matched != all {
			return matched, nil
		}
	}
	return all, nil
}

type binaryOperand struct {
	Fixed   string `json:"fixed"`
	Matcher *struct {
		ID      string `json:"id"`
		Options string `json:"options"`
	} `json:"matcher"`
}

func (o binaryOperand) values(table Table) ([]float64, error) {
	if o.Matcher == nil {
		number, err := strconv.ParseFloat(o.Fixed, 64)
		if err != nil {
			return nil, fmt.Errorf("invalid fixed operand %q", o.Fixed)
		}
		values := make([]float64, len(table.Columns[0].Values))
		for i := range values {
			values[i] = number
		}
		return values, nil
	}
	column := table.Column(o.Matcher.Options)
	if o.Matcher.ID != "byName" || column == nil {
		return nil, fmt.Errorf("operand %s %q matches no field", o.Matcher.ID, o.Matcher.Options)
	}
	return column.Values, nil
}

// calculateBinary adds the column left OPERATOR right, named alias. With replaceFields only the
// first time column and the new column remain.
func calculateBinary(tables []Table, raw json.RawMessage) error {
	var options struct {
		Mode   string `json:"mode"`
		Alias  string `json:"alias"`
		Binary struct {
			Left     binaryOperand `json:"left"`
			Operator string        `json:"operator"`
			Right    binaryOperand `json:"right"`
		} `json:"binary"`
		ReplaceFields bool `json:"replaceFields"`
	}
	if err := json.Unmarshal(raw, &options); err != nil {
		return err
	}
	if options.Mode != "binary" {
		return fmt.Errorf("mode %q is not supported: use binary", options.Mode)
	}

	for t, table := range tables {
		left, err := options.Binary.Left.values(table)
		if err != nil {
			return err
		}
		right, err := options.Binary.Right.values(table)
		if err != nil {
			return err
		}
		result := Column{Name: options.Alias, Values: make([]float64, len(left))}
		for i := range left {
			if !slices.Contains([]string{"+", "-", "*", "/"}, options.Binary.Operator) {
				return fmt.Errorf("operator %q is not supported: use + - * or /", options.Binary.Operator)
			}
			result.Values[i] = applyOperator(options.Binary.Operator, left[i], right[i])
		}

		if options.ReplaceFields {
			var columns []Column
			if index := slices.IndexFunc(table.Columns, func(c Column) bool { return c.Time }); index >= 0 {
				columns = append(columns, table.Columns[index])
			}
			tables[t].Columns = append(columns, result)
		} else {
			tables[t].Columns = append(tables[t].Columns, result)
		}
	}
	return nil
}
