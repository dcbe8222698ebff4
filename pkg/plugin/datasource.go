// Package plugin is the Grafana surface of the ModelTrace datasource: settings, health checks,
// queries, resources and Grafana Live streams.
package plugin

import (
	"context"
	"fmt"
	"net/http"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/httpclient"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/modeltrace/soroban-datasource/pkg/soroban"
)

// PluginID is the Grafana plugin id of this datasource.
const PluginID = "modeltrace-soroban-datasource"

var (
	_ backend.QueryDataHandler      = (*Datasource)(nil)
	_ backend.CheckHealthHandler    = (*Datasource)(nil)
	_ backend.CallResourceHandler   = (*Datasource)(nil)
	_ backend.StreamHandler         = (*Datasource)(nil)
	_ instancemgmt.InstanceDisposer = (*Datasource)(nil)
)

// queryHandler serves one parsed query of one query type.
type queryHandler func(ctx context.Context, q Query) backend.DataResponse

// Datasource is one configured ModelTrace datasource instance.
type Datasource struct {
	settings    Settings
	settingsErr error
	rpc         *soroban.Client
	handlers    map[string]queryHandler
	streams     *streamRegistry
}

// NewDatasource creates an instance from Grafana's settings. Invalid settings do not fail the
// instance: every query and health check then returns the settings error, which names the field.
func NewDatasource(ctx context.Context, instance backend.DataSourceInstanceSettings) (instancemgmt.Instance, error) {
	settings, err := LoadSettings(instance)
	if err != nil {
		log.DefaultLogger.FromContext(ctx).Warn("Invalid datasource settings", "datasource", instance.UID, "error", err)
		return newDatasource(Settings{}, err, nil), nil
	}

	httpClient, err := newHTTPClient(ctx, instance, settings)
	if err != nil {
		return nil, fmt.Errorf("create HTTP client for %s: %w", settings.RPCURL, err)
	}
	rpc := soroban.NewClient(settings.RPCURL, httpClient, soroban.Options{MaxEvents: settings.MaxEventsPerQuery})
	return newDatasource(settings, nil, rpc), nil
}

// NewDatasourceWithClient creates an instance over an existing RPC client (used by the CLI).
func NewDatasourceWithClient(settings Settings, rpc *soroban.Client) *Datasource {
	return newDatasource(settings, nil, rpc)
}

func newDatasource(settings Settings, settingsErr error, rpc *soroban.Client) *Datasource {
	d := &Datasource{settings: settings, settingsErr: settingsErr, rpc: rpc}
	d.handlers = map[string]queryHandler{
		QueryTypeStats:      d.queryStats,
		QueryTypeRiskSeries: d.queryRiskSeries,
		QueryTypeBiasFlags:  d.queryBiasFlags,
		QueryTypeModels:     d.queryModels,
		QueryTypeEvents:     d.queryEvents,
	}
	d.streams = newStreamRegistry()
	return d
}

func newHTTPClient(ctx context.Context, instance backend.DataSourceInstanceSettings, settings Settings) (*http.Client, error) {
	opts, err := instance.HTTPClientOptions(ctx)
	if err != nil {
		return nil, err
	}
	timeouts := httpclient.DefaultTimeoutOptions
	timeouts.Timeout = settings.Timeout
	opts.Timeouts = &timeouts
	if settings.AuthHeaderName != "" && settings.authHeaderValue != "" {
		if opts.Header == nil {
			opts.Header = http.Header{}
		}
		opts.Header.Set(settings.AuthHeaderName, settings.authHeaderValue)
	}
	return httpclient.New(opts)
}

// Dispose closes the RPC client and its idle connections when Grafana replaces the instance.
func (d *Datasource) Dispose() {
	d.streams.closeAll()
	if d.rpc != nil {
		_ = d.rpc.Close()
	}
}
