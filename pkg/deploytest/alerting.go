package deploytest

import (
	"encoding/json"
	"fmt"
	"os"

	"go.yaml.in/yaml/v3"
)

// AlertRuleFile is the part of a Grafana alert rule provisioning file that the tests check.
type AlertRuleFile struct {
	APIVersion int              `yaml:"apiVersion"`
	Groups     []AlertRuleGroup `yaml:"groups"`
}

// AlertRuleGroup is one provisioned rule group.
type AlertRuleGroup struct {
	OrgID    int         `yaml:"orgId"`
	Name     string      `yaml:"name"`
	Folder   string      `yaml:"folder"`
	Interval string      `yaml:"interval"`
	Rules    []AlertRule `yaml:"rules"`
}

// AlertRule is one provisioned Grafana-managed alert rule.
type AlertRule struct {
	UID          string            `yaml:"uid"`
	Title        string            `yaml:"title"`
	Condition    string            `yaml:"condition"`
	For          string            `yaml:"for"`
	NoDataState  string            `yaml:"noDataState"`
	ExecErrState string            `yaml:"execErrState"`
	Labels       map[string]string `yaml:"labels"`
	Annotations  map[string]string `yaml:"annotations"`
	Data         []AlertData       `yaml:"data"`
}

// AlertData is one query or expression of an alert rule.
type AlertData struct {
	RefID             string `yaml:"refId"`
	QueryType         string `yaml:"queryType"`
	DatasourceUID     string `yaml:"datasourceUid"`
	RelativeTimeRange struct {
		From int64 `yaml:"from"`
		To   int64 `yaml:"to"`
	} `yaml:"relativeTimeRange"`
	Model map[string]any `yaml:"model"`
}

// AlertQuery is one query of an alert rule with its model as JSON, the form Grafana sends to
// the datasource (or to the expression engine when DatasourceUID is ExpressionUID).
type AlertQuery struct {
	RuleUID       string
	RuleTitle     string
	RefID         string
	DatasourceUID string
	QueryType     string
	// FromSeconds and ToSeconds are the relative time range: the query covers
	// [now - FromSeconds, now - ToSeconds].
	FromSeconds int64
	ToSeconds   int64
	Model       json.RawMessage
}

// IsExpression reports whether the query is a Grafana server-side expression.
func (q AlertQuery) IsExpression() bool {
	return q.DatasourceUID == ExpressionUID
}

// LoadAlertRules parses a Grafana alert rule provisioning file.
func LoadAlertRules(path string) (AlertRuleFile, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return AlertRuleFile{}, fmt.Errorf("read alert rules %s: %w", path, err)
	}
	var file AlertRuleFile
	if err := yaml.Unmarshal(raw, &file); err != nil {
		return AlertRuleFile{}, fmt.Errorf("parse alert rules %s: %w: check the YAML syntax", path, err)
	}
	return file, nil
}

// LoadAlertQueries returns every query and expression of every rule in an alert rule
// provisioning file, in file order. The query type comes from the model, or from the data
// item's queryType when the model has none.
func LoadAlertQueries(path string) ([]AlertQuery, error) {
	file, err := LoadAlertRules(path)
	if err != nil {
		return nil, err
	}

	var queries []AlertQuery
	for _, group := range file.Groups {
		for _, rule := range group.Rules {
			for _, data := range rule.Data {
				model, err := json.Marshal(data.Model)
				if err != nil {
					return nil, fmt.Errorf("alert rule %q query %s: encode model: %w", rule.Title, data.RefID, err)
				}
				queryType, _ := data.Model["queryType"].(string)
				if queryType == "" {
					queryType = data.QueryType
				}
				queries = append(queries, AlertQuery{
					RuleUID:       rule.UID,
					RuleTitle:     rule.Title,
					RefID:         data.RefID,
					DatasourceUID: data.DatasourceUID,
					QueryType:     queryType,
					FromSeconds:   data.RelativeTimeRange.From,
					ToSeconds:     data.RelativeTimeRange.To,
					Model:         model,
				})
			}
		}
	}
	return queries, nil
}
