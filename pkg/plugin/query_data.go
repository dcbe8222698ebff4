package plugin

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/grafana/grafana-plugin-sdk-go/experimental/concurrent"
)

// maxConcurrentQueries bounds how many queries of one request run at once.
const maxConcurrentQueries = 4

// QueryData runs each query on its own: one failing query does not fail the others.
func (d *Datasource) QueryData(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	fromAlert := req.GetHTTPHeader("FromAlert") == "true"
	return concurrent.QueryData(ctx, req, func(ctx context.Context, cq concurrent.Query) backend.DataResponse {
		return d.query(ctx, cq.DataQuery, fromAlert)
	}, maxConcurrentQueries)
}

func (d *Datasource) query(ctx context.Context, dq backend.DataQuery, fromAlert bool) backend.DataResponse {
	logger := log.DefaultLogger.FromContext(ctx)
	if d.settingsErr != nil {
		return errorResponse(downstream(fmt.Errorf("datasource settings: %w", d.settingsErr)))
	}

	q, err := ParseQuery(dq)
	if err != nil {
		logger.Debug("Invalid query", "refId", dq.RefID, "error", err)
		return errorResponse(downstream(err))
	}
	handler, ok := d.handlers[q.Type]
	if !ok {
		return errorResponse(downstream(fmt.Errorf("unknown query type %q: use one of %s",
			q.Type, strings.Join(d.queryTypes(), ", "))))
	}

	if err := d.verifyRegistry(ctx); err != nil {
		logger.Debug("Query target check failed", "refId", q.RefID, "contract", d.settings.RegistryContractID, "error", err)
		return errorResponse(err)
	}

	logger.Debug("Running query", "refId", q.RefID, "queryType", q.Type,
		"contract", d.settings.RegistryContractID, "fromAlert", fromAlert,
		"from", dq.TimeRange.From, "to", dq.TimeRange.To)
	resp := handler(ctx, q)
	if resp.Error != nil {
		logger.Debug("Query failed", "refId", q.RefID, "queryType", q.Type, "error", resp.Error)
	}
	return resp
}

func (d *Datasource) queryTypes() []string {
	types := make([]string, 0, len(d.handlers))
	for t := range d.handlers {
		types = append(types, t)
	}
	sort.Strings(types)
	return types
}
