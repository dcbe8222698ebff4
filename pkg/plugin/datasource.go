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

	"github.com/modeltrace/soroban-datasource/pkg/index"
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
	windows     *sharedReads[soroban.Window]
	stats       *sharedReads[statsRead]
	check       registryCheck
	events      *index.Index
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
	d := NewDatasourceWithHTTPClient(settings, httpClient)
	processMemory.add(d, settings.IndexMaxBytes)
	return d, nil
}

// NewDatasourceWithHTTPClient creates an instance that sends RPC requests through httpClient
// (used by the modeltrace CLI, which runs queries outside Grafana).
func NewDatasourceWithHTTPClient(settings Settings, httpClient *http.Client) *Datasource {
	return newDatasource(settings, nil, httpClient)
}

// newDatasource builds the handlers; a nil httpClient (invalid settings) leaves the RPC
// clients unset, and every handler then returns settingsErr first.
func newDatasource(settings Settings, settingsErr error, httpClient *http.Client) *Datasource {
	d := &Datasource{settings: settings, settingsErr: settingsErr}
	d.windows = newSharedReads[soroban.Window]()
	d.stats = newSharedReads[statsRead]()
	if httpClient != nil {
		// Both clients share the ledger close times they see, so the events the index scans
		// spare the time range mapping its getLedgers reads.
		ledgerTimes := soroban.NewLedgerTimes()
		d.rpc = soroban.NewClient(settings.RPCURL, httpClient, soroban.Options{
			MaxEvents: settings.MaxEventsPerQuery, LedgerTimes: ledgerTimes,
		})
		// The index scans whole ledger ranges of the contract and bounds its memory itself,
		// so its client has no per-scan event cap.
		indexRPC := soroban.NewClient(settings.RPCURL, httpClient, soroban.Options{LedgerTimes: ledgerTimes})
		d.events = index.New(indexRPC, settings.RegistryContractID, index.Options{
			MaxBytes: settings.IndexMaxBytes, KeepRawNewest: keepRawEvents,
		})
	}
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
	processMemory.remove(d)
	d.streams.closeAll()
	if d.rpc != nil {
		_ = d.rpc.Close()
	}
}
