package deploytest

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// DatasourceUID is the fixed uid of the provisioned ModelTrace datasource.
const DatasourceUID = "modeltrace"

// ExpressionUID is the datasource uid Grafana uses for server-side expressions.
const ExpressionUID = "__expr__"

// Target is one query of the bundled dashboard that Grafana sends to QueryData: a panel target
// or an annotation query.
type Target struct {
	// Source names where the query sits: "panel 5 Inferences by risk level" or
	// "annotation Bias flags".
	Source        string
	PanelID       int
	RefID         string
	DatasourceUID string
	QueryType     string
	// JSON is the query object exactly as stored in the dashboard.
	JSON json.RawMessage
}

// Fields decodes the query object into a map keyed by query JSON field name.
func (t Target) Fields() (map[string]any, error) {
	var fields map[string]any
	if err := json.Unmarshal(t.JSON, &fields); err != nil {
		return nil, fmt.Errorf("decode query of %s: %w", t.Source, err)
	}
	return fields, nil
}

// ExpandVariables returns the query JSON with each $name and ${name} replaced by vars[name],
// as Grafana's frontend does before it sends a dashboard query to the backend.
func (t Target) ExpandVariables(vars map[string]string) json.RawMessage {
	text := string(t.JSON)
	for name, value := range vars {
		text = strings.ReplaceAll(text, "${"+name+"}", value)
		text = strings.ReplaceAll(text, "$"+name, value)
	}
	return json.RawMessage(text)
}

type dataSourceRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type dashboardQuery struct {
	RefID      string         `json:"refId"`
	QueryType  string         `json:"queryType"`
	Datasource *dataSourceRef `json:"datasource"`
}

type dashboardPanel struct {
	ID         int               `json:"id"`
	Title      string            `json:"title"`
	Datasource *dataSourceRef    `json:"datasource"`
	Targets    []json.RawMessage `json:"targets"`
	Panels     []dashboardPanel  `json:"panels"`
}

type dashboardFile struct {
	Panels      []dashboardPanel `json:"panels"`
	Annotations struct {
		List []struct {
			Name       string          `json:"name"`
			BuiltIn    int             `json:"builtIn"`
			Datasource *dataSourceRef  `json:"datasource"`
			Target     json.RawMessage `json:"target"`
		} `json:"list"`
	} `json:"annotations"`
}

// LoadDashboardTargets reads a dashboard JSON file and returns every query it sends to
// QueryData: panel targets (including panels nested in rows) and annotation queries. Built-in
// Grafana annotations are skipped. A target without its own datasource takes the panel's.
// Variables are left out because the datasource's variable support reads GET /models
// instead: LoadDashboardVariables returns them.
func LoadDashboardTargets(path string) ([]Target, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read dashboard %s: %w", path, err)
	}
	var dashboard dashboardFile
	if err := json.Unmarshal(raw, &dashboard); err != nil {
		return nil, fmt.Errorf("parse dashboard %s: %w: check the JSON syntax", path, err)
	}

	var targets []Target
	for _, panel := range flattenPanels(dashboard.Panels) {
		source := fmt.Sprintf("panel %d %s", panel.ID, panel.Title)
		for _, rawTarget := range panel.Targets {
			target, err := newTarget(source, panel.ID, rawTarget, panel.Datasource)
			if err != nil {
				return nil, fmt.Errorf("dashboard %s: %w", path, err)
			}
			targets = append(targets, target)
		}
	}

	for _, annotation := range dashboard.Annotations.List {
		if annotation.BuiltIn != 0 || len(annotation.Target) == 0 {
			continue
		}
		target, err := newTarget("annotation "+annotation.Name, 0, annotation.Target, annotation.Datasource)
		if err != nil {
			return nil, fmt.Errorf("dashboard %s: %w", path, err)
		}
		targets = append(targets, target)
	}
	return targets, nil
}

func flattenPanels(panels []dashboardPanel) []dashboardPanel {
	var flat []dashboardPanel
	for _, panel := range panels {
		flat = append(flat, panel)
		flat = append(flat, flattenPanels(panel.Panels)...)
	}
	return flat
}

func newTarget(source string, panelID int, raw json.RawMessage, fallback *dataSourceRef) (Target, error) {
	var query dashboardQuery
	if err := json.Unmarshal(raw, &query); err != nil {
		return Target{}, fmt.Errorf("parse query of %s: %w", source, err)
	}
	datasource := query.Datasource
	if datasource == nil {
		datasource = fallback
	}
	target := Target{
		Source:    source,
		PanelID:   panelID,
		RefID:     query.RefID,
		QueryType: query.QueryType,
		JSON:      raw,
	}
	if datasource != nil {
		target.DatasourceUID = datasource.UID
	}
	return target, nil
}
