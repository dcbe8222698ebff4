package deploytest

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

func readYAML(t *testing.T, relativePath string, into any) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), relativePath))
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(raw, into))
}

func TestDatasourceProvisioning(t *testing.T) {
	var file struct {
		APIVersion  int `yaml:"apiVersion"`
		Datasources []struct {
			Name           string            `yaml:"name"`
			Type           string            `yaml:"type"`
			UID            string            `yaml:"uid"`
			JSONData       map[string]string `yaml:"jsonData"`
			SecureJSONData map[string]string `yaml:"secureJsonData"`
		} `yaml:"datasources"`
	}
	readYAML(t, "provisioning/datasources/modeltrace.yaml", &file)

	assert.Equal(t, 1, file.APIVersion)
	require.Len(t, file.Datasources, 1)
	datasource := file.Datasources[0]
	assert.Equal(t, "modeltrace-soroban-datasource", datasource.Type)
	assert.Equal(t, DatasourceUID, datasource.UID)
	assert.Equal(t, map[string]string{
		"rpcUrl":             "${MODELTRACE_RPC_URL}",
		"network":            "${MODELTRACE_NETWORK}",
		"networkPassphrase":  "${MODELTRACE_NETWORK_PASSPHRASE}",
		"registryContractId": "${MODELTRACE_REGISTRY_CONTRACT_ID}",
		"authHeaderName":     "${MODELTRACE_RPC_AUTH_HEADER}",
	}, datasource.JSONData)
	assert.Equal(t, map[string]string{"authHeaderValue": "${MODELTRACE_RPC_AUTH_VALUE}"}, datasource.SecureJSONData)
}

func TestDatasourceVariablesSetByCompose(t *testing.T) {
	grafana := service(t, loadCompose(t, nil), "grafana")
	for _, name := range []string{
		"MODELTRACE_RPC_URL", "MODELTRACE_NETWORK", "MODELTRACE_NETWORK_PASSPHRASE",
		"MODELTRACE_REGISTRY_CONTRACT_ID", "MODELTRACE_RPC_AUTH_HEADER", "MODELTRACE_RPC_AUTH_VALUE",
		"MODELTRACE_ALERT_WEBHOOK_URL",
	} {
		t.Run(name, func(t *testing.T) {
			_, ok := grafana.Environment[name]
			assert.True(t, ok)
		})
	}
	assert.Equal(t, "local", env(t, grafana, "MODELTRACE_NETWORK"))
	assert.Equal(t, "Standalone Network ; February 2017", env(t, grafana, "MODELTRACE_NETWORK_PASSPHRASE"))
}

func TestDashboardProvider(t *testing.T) {
	var file struct {
		Providers []struct {
			Type      string            `yaml:"type"`
			Folder    string            `yaml:"folder"`
			FolderUID *string           `yaml:"folderUid"`
			Options   map[string]string `yaml:"options"`
		} `yaml:"providers"`
	}
	readYAML(t, "provisioning/dashboards/provider.yaml", &file)

	require.Len(t, file.Providers, 1)
	assert.Equal(t, "file", file.Providers[0].Type)
	assert.Equal(t, "ModelTrace", file.Providers[0].Folder)
	assert.Equal(t, "/etc/grafana/provisioning/dashboards", file.Providers[0].Options["path"])

	rules, err := LoadAlertRules(filepath.Join(repoRoot(t), "provisioning/alerting/rules.yaml"))
	require.NoError(t, err)
	for _, group := range rules.Groups {
		assert.Equal(t, file.Providers[0].Folder, group.Folder, "dashboards and rule group %s share one folder", group.Name)
	}
	assert.Nil(t, file.Providers[0].FolderUID, "a folderUid would not match the folder the rules find by title")
}

func TestAlertRuleGroup(t *testing.T) {
	file, err := LoadAlertRules(filepath.Join(repoRoot(t), "provisioning/alerting/rules.yaml"))
	require.NoError(t, err)

	assert.Equal(t, 1, file.APIVersion)
	require.Len(t, file.Groups, 1)
	group := file.Groups[0]
	assert.Equal(t, "ModelTrace", group.Folder)
	assert.Equal(t, "1m", group.Interval)

	var titles []string
	for _, rule := range group.Rules {
		titles = append(titles, rule.Title)
	}
	assert.Equal(t, []string{"High-risk inference share above 5 % over 5m", "Any bias flag in the last 15m"}, titles)

	for _, rule := range group.Rules {
		t.Run(rule.Title, func(t *testing.T) {
			checkAlertRule(t, rule)
		})
	}
}

func checkAlertRule(t *testing.T, rule AlertRule) {
	refIDs := map[string]bool{}
	for _, data := range rule.Data {
		assert.Falsef(t, refIDs[data.RefID], "refId %s is used twice", data.RefID)
		refIDs[data.RefID] = true
	}
	assert.Truef(t, refIDs[rule.Condition], "condition %s names no query", rule.Condition)
	assert.NotEmpty(t, rule.UID)
	assert.Contains(t, []string{"NoData", "Alerting", "OK", "KeepLast"}, rule.NoDataState)
	assert.Contains(t, []string{"Error", "Alerting", "OK", "KeepLast"}, rule.ExecErrState)
	assert.Equal(t, "modeltrace-risk", rule.Annotations["__dashboardUid__"])

	for _, data := range rule.Data {
		assert.Contains(t, []string{DatasourceUID, ExpressionUID}, data.DatasourceUID, "query %s", data.RefID)
		assert.Equal(t, data.RefID, data.Model["refId"], "query %s model refId", data.RefID)
		if data.DatasourceUID == ExpressionUID {
			expressionType, _ := data.Model["type"].(string)
			assert.Contains(t, []string{"reduce", "math", "threshold", "resample"}, expressionType)
			input, _ := data.Model["expression"].(string)
			for _, name := range expressionInputs(t, expressionType, input) {
				assert.Truef(t, refIDs[name], "expression %s reads unknown refId %s", data.RefID, name)
			}
			continue
		}
		fields := map[string]any{}
		for name, value := range data.Model {
			fields[name] = value
		}
		assert.Empty(t, CheckQueryFields(fields), "query %s", data.RefID)
		assert.Equal(t, data.QueryType, fields["queryType"], "query %s queryType", data.RefID)
	}
}

// expressionInputs returns the refIds an expression reads: the $ variables of a math
// expression, or the one refId named by the other types.
func expressionInputs(t *testing.T, expressionType, expression string) []string {
	t.Helper()
	if expressionType != "math" {
		return []string{expression}
	}
	tokens, err := tokenizeMath(expression)
	require.NoError(t, err)
	var names []string
	for _, token := range tokens {
		if strings.HasPrefix(token, "$") {
			names = append(names, token[1:])
		}
	}
	return names
}

func TestAlertQueriesLoaded(t *testing.T) {
	queries, err := LoadAlertQueries(filepath.Join(repoRoot(t), "provisioning/alerting/rules.yaml"))
	require.NoError(t, err)

	type summary struct {
		Rule, RefID, Datasource, QueryType string
		From                               int64
	}
	var got []summary
	for _, query := range queries {
		got = append(got, summary{query.RuleUID, query.RefID, query.DatasourceUID, query.QueryType, query.FromSeconds})
	}
	assert.Equal(t, []summary{
		{"modeltrace-high-risk-share", "A", DatasourceUID, "riskSeries", 300},
		{"modeltrace-high-risk-share", "B", DatasourceUID, "riskSeries", 300},
		{"modeltrace-high-risk-share", "C", ExpressionUID, "", 0},
		{"modeltrace-high-risk-share", "D", ExpressionUID, "", 0},
		{"modeltrace-high-risk-share", "E", ExpressionUID, "", 0},
		{"modeltrace-high-risk-share", "F", ExpressionUID, "", 0},
		{"modeltrace-bias-flag", "A", DatasourceUID, "biasFlags", 900},
		{"modeltrace-bias-flag", "B", ExpressionUID, "", 0},
		{"modeltrace-bias-flag", "C", ExpressionUID, "", 0},
	}, got)

	models := make([]map[string]any, len(queries))
	for i, query := range queries {
		require.NoError(t, json.Unmarshal(query.Model, &models[i]))
	}
	assert.Equal(t, map[string]any{
		"refId": "A", "queryType": "riskSeries", "minRisk": "high", "total": true,
		"intervalMs": 60000.0, "maxDataPoints": 43200.0,
	}, models[0])
	assert.Equal(t, map[string]any{
		"refId": "B", "queryType": "riskSeries", "total": true,
		"intervalMs": 60000.0, "maxDataPoints": 43200.0,
	}, models[1])
	assert.Equal(t, "($D >= 20) * $C * 100 / ($D + ($D == 0))", models[4]["expression"])
	assert.Equal(t, "timeseries", models[6]["format"])
	assert.True(t, queries[2].IsExpression())
	assert.False(t, queries[0].IsExpression())
}

func TestAlertThresholds(t *testing.T) {
	queries, err := LoadAlertQueries(filepath.Join(repoRoot(t), "provisioning/alerting/rules.yaml"))
	require.NoError(t, err)

	thresholds := map[string]string{}
	for _, query := range queries {
		var model struct {
			Type       string `json:"type"`
			Expression string `json:"expression"`
			Reducer    string `json:"reducer"`
			Conditions []struct {
				Evaluator struct {
					Type   string    `json:"type"`
					Params []float64 `json:"params"`
				} `json:"evaluator"`
			} `json:"conditions"`
		}
		require.NoError(t, json.Unmarshal(query.Model, &model))
		switch model.Type {
		case "threshold":
			require.Len(t, model.Conditions, 1)
			evaluator := model.Conditions[0].Evaluator
			thresholds[query.RuleUID] = evaluator.Type + " " + strings.TrimSpace(strings.Trim(jsonText(t, evaluator.Params), "[]"))
		case "reduce":
			assert.Equal(t, "sum", model.Reducer, "%s %s", query.RuleUID, query.RefID)
		}
	}
	assert.Equal(t, map[string]string{
		"modeltrace-high-risk-share": "gt 5",
		"modeltrace-bias-flag":       "gt 0",
	}, thresholds)
}

func jsonText(t *testing.T, value any) string {
	t.Helper()
	raw, err := json.Marshal(value)
	require.NoError(t, err)
	return string(raw)
}

func TestContactPointWebhook(t *testing.T) {
	var file struct {
		ContactPoints []struct {
			Name      string `yaml:"name"`
			Receivers []struct {
				Type     string            `yaml:"type"`
				Settings map[string]string `yaml:"settings"`
			} `yaml:"receivers"`
		} `yaml:"contactPoints"`
		Policies []struct {
			Receiver string `yaml:"receiver"`
		} `yaml:"policies"`
	}
	readYAML(t, "provisioning/alerting/contact-points.yaml", &file)

	require.Len(t, file.ContactPoints, 1)
	require.Len(t, file.ContactPoints[0].Receivers, 1)
	receiver := file.ContactPoints[0].Receivers[0]
	assert.Equal(t, "webhook", receiver.Type)
	assert.Equal(t, "${MODELTRACE_ALERT_WEBHOOK_URL}", receiver.Settings["url"])
	require.Len(t, file.Policies, 1)
	assert.Equal(t, file.ContactPoints[0].Name, file.Policies[0].Receiver)

	placeholder, err := url.Parse(readDotEnv(t)["MODELTRACE_ALERT_WEBHOOK_URL"])
	require.NoError(t, err)
	assert.True(t, strings.HasSuffix(placeholder.Hostname(), ".invalid"), "the default webhook must not resolve: %s", placeholder)
}

func TestDashboardTargets(t *testing.T) {
	targets, err := LoadDashboardTargets(filepath.Join(repoRoot(t), "provisioning/dashboards/modeltrace-risk.json"))
	require.NoError(t, err)
	require.Len(t, targets, 11)

	usedTypes := map[string]bool{}
	for _, target := range targets {
		t.Run(target.Source, func(t *testing.T) {
			assert.Equal(t, DatasourceUID, target.DatasourceUID)
			assert.NotEmpty(t, target.RefID)
			fields, err := target.Fields()
			require.NoError(t, err)
			assert.Empty(t, CheckQueryFields(fields))
		})
		usedTypes[target.QueryType] = true
	}
	for _, queryType := range QueryTypes {
		assert.Truef(t, usedTypes[queryType], "no dashboard query uses %s", queryType)
	}
}

func TestDashboardModelVariable(t *testing.T) {
	targets, err := LoadDashboardTargets(filepath.Join(repoRoot(t), "provisioning/dashboards/modeltrace-risk.json"))
	require.NoError(t, err)

	perModel := 0
	for _, target := range targets {
		fields, err := target.Fields()
		require.NoError(t, err)
		modelIDs, ok := fields["modelIds"]
		if !ok {
			continue
		}
		perModel++
		assert.Equal(t, []any{"$model"}, modelIDs, target.Source)

		expanded := target.ExpandVariables(map[string]string{"model": "all"})
		var expandedFields map[string]any
		require.NoError(t, json.Unmarshal(expanded, &expandedFields))
		assert.Equal(t, []any{"all"}, expandedFields["modelIds"], target.Source)
	}
	assert.Equal(t, 6, perModel)

	variables, err := LoadDashboardVariables(filepath.Join(repoRoot(t), "provisioning/dashboards/modeltrace-risk.json"))
	require.NoError(t, err)
	require.Len(t, variables, 1)
	assert.Equal(t, "query", variables[0].Type)
	assert.JSONEq(t, `{"refId": "ModelVariable", "nameFilter": ""}`, string(variables[0].Query))
}

func TestCheckQueryFieldsRejects(t *testing.T) {
	cases := []struct {
		name   string
		fields map[string]any
		want   string
	}{
		{"unknown type", map[string]any{"queryType": "nope"}, `unknown queryType "nope"`},
		{"field of other type", map[string]any{"queryType": "stats", "limit": 5.0}, `field "limit" is not read by queryType "stats"`},
		{"bad risk", map[string]any{"queryType": "riskSeries", "minRisk": "severe"}, `field "minRisk" is severe`},
		{"bad format", map[string]any{"queryType": "biasFlags", "format": "logs"}, `field "format" is logs`},
		{"bad kind", map[string]any{"queryType": "events", "eventKinds": []any{"x"}}, `field "eventKinds" contains "x"`},
		{"bad limit", map[string]any{"queryType": "models", "limit": 0.5}, `field "limit" is 0.5`},
		{"bad live", map[string]any{"queryType": "events", "live": "yes"}, `field "live" is yes`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			problems := CheckQueryFields(tc.fields)
			require.Len(t, problems, 1)
			assert.Contains(t, problems[0].Error(), tc.want)
		})
	}
}

type panelSettings struct {
	Title       string `json:"title"`
	Type        string `json:"type"`
	FieldConfig struct {
		Defaults struct {
			Unit       string `json:"unit"`
			Thresholds struct {
				Steps []struct {
					Value *float64 `json:"value"`
				} `json:"steps"`
			} `json:"thresholds"`
		} `json:"defaults"`
	} `json:"fieldConfig"`
}

func TestDashboardSettings(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "provisioning/dashboards/modeltrace-risk.json"))
	require.NoError(t, err)
	var dashboard struct {
		UID        string `json:"uid"`
		Title      string `json:"title"`
		Refresh    string `json:"refresh"`
		Time       struct{ From, To string }
		Templating struct {
			List []struct {
				Name       string `json:"name"`
				Multi      bool   `json:"multi"`
				IncludeAll bool   `json:"includeAll"`
				AllValue   string `json:"allValue"`
				Datasource struct {
					UID string `json:"uid"`
				} `json:"datasource"`
			} `json:"list"`
		} `json:"templating"`
		Panels []panelSettings `json:"panels"`
	}
	require.NoError(t, json.Unmarshal(raw, &dashboard))

	assert.Equal(t, "modeltrace-risk", dashboard.UID)
	assert.Equal(t, "ModelTrace — real-time risk", dashboard.Title)
	assert.Equal(t, "10s", dashboard.Refresh)
	assert.Equal(t, "now-6h", dashboard.Time.From)
	assert.Equal(t, "now", dashboard.Time.To)

	require.Len(t, dashboard.Templating.List, 1)
	variable := dashboard.Templating.List[0]
	assert.Equal(t, "model", variable.Name)
	assert.True(t, variable.Multi)
	assert.True(t, variable.IncludeAll)
	assert.Equal(t, "all", variable.AllValue)
	assert.Equal(t, DatasourceUID, variable.Datasource.UID)

	for _, panel := range dashboard.Panels {
		if panel.Type == "logs" {
			continue
		}
		t.Run(panel.Title, func(t *testing.T) {
			assert.NotEmpty(t, panel.FieldConfig.Defaults.Thresholds.Steps, "thresholds")
			if panel.Type != "table" {
				assert.NotEmpty(t, panel.FieldConfig.Defaults.Unit, "unit")
			}
		})
	}
	share := slices.IndexFunc(dashboard.Panels, func(panel panelSettings) bool {
		return panel.Title == "High-risk share"
	})
	require.GreaterOrEqual(t, share, 0)
	steps := dashboard.Panels[share].FieldConfig.Defaults.Thresholds.Steps
	assert.Equal(t, "percent", dashboard.Panels[share].FieldConfig.Defaults.Unit)
	require.Len(t, steps, 2)
	require.NotNil(t, steps[1].Value)
	assert.Equal(t, 5.0, *steps[1].Value)
}
