package deploytest

import (
	"encoding/json"
	"fmt"
	"os"
)

// Panel is one panel of a dashboard with the settings that decide which frames it can show.
type Panel struct {
	ID              int              `json:"id"`
	Title           string           `json:"title"`
	Type            string           `json:"type"`
	Transformations []Transformation `json:"transformations"`
	FieldConfig     struct {
		Overrides []Override `json:"overrides"`
	} `json:"fieldConfig"`
	Options json.RawMessage `json:"options"`
	Panels  []Panel         `json:"panels"`
}

// Transformation is one entry of a panel's transformations list.
type Transformation struct {
	ID       string          `json:"id"`
	Disabled bool            `json:"disabled"`
	Filter   *FrameFilter    `json:"filter"`
	Options  json.RawMessage `json:"options"`
}

// FrameFilter limits a transformation to some frames, e.g. {"id": "byRefId", "options": "A"}.
type FrameFilter struct {
	ID      string `json:"id"`
	Options string `json:"options"`
}

// Override is one field override of a panel: a matcher and the properties it sets.
type Override struct {
	Matcher struct {
		ID      string `json:"id"`
		Options any    `json:"options"`
	} `json:"matcher"`
	Properties []struct {
		ID    string `json:"id"`
		Value any    `json:"value"`
	} `json:"properties"`
}

// Variable is one dashboard template variable.
type Variable struct {
	Name       string `json:"name"`
	Type       string `json:"type"`
	Multi      bool   `json:"multi"`
	IncludeAll bool   `json:"includeAll"`
	AllValue   string `json:"allValue"`
	Datasource *struct {
		UID string `json:"uid"`
	} `json:"datasource"`
	// Query is the variable's query object as stored, for this datasource a
	// ModelVariableQuery ({"refId", "nameFilter"}) that the frontend resolves with GET /models.
	Query json.RawMessage `json:"query"`
}

type dashboardLayout struct {
	Panels     []Panel `json:"panels"`
	Templating struct {
		List []Variable `json:"list"`
	} `json:"templating"`
}

func loadLayout(path string) (dashboardLayout, error) {
	var layout dashboardLayout
	raw, err := os.ReadFile(path)
	if err != nil {
		return layout, fmt.Errorf("read dashboard %s: %w", path, err)
	}
	if err := json.Unmarshal(raw, &layout); err != nil {
		return layout, fmt.Errorf("parse dashboard %s: %w: check the JSON syntax", path, err)
	}
	return layout, nil
}

// LoadDashboardPanels reads a dashboard JSON file and returns its panels, with the panels of
// rows listed after the row.
func LoadDashboardPanels(path string) ([]Panel, error) {
	layout, err := loadLayout(path)
	if err != nil {
		return nil, err
	}
	var panels []Panel
	var walk func([]Panel)
	walk = func(list []Panel) {
		for _, panel := range list {
			panels = append(panels, panel)
			walk(panel.Panels)
		}
	}
	walk(layout.Panels)
	return panels, nil
}

// LoadDashboardVariables reads a dashboard JSON file and returns its template variables.
func LoadDashboardVariables(path string) ([]Variable, error) {
	layout, err := loadLayout(path)
	if err != nil {
		return nil, err
	}
	return layout.Templating.List, nil
}
