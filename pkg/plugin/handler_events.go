package plugin

import (
	"context"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/modeltrace/soroban-datasource/pkg/frames"
	"github.com/modeltrace/soroban-datasource/pkg/index"
	"github.com/modeltrace/soroban-datasource/pkg/registry"
	"github.com/modeltrace/soroban-datasource/pkg/soroban"
)

// maxSeriesPoints bounds the buckets of a time series when Grafana sends no MaxDataPoints.
const maxSeriesPoints = 2000

// grid returns the bucket grid of q's time range and interval.
func grid(q Query) frames.Grid {
	maxPoints := q.DataQuery.MaxDataPoints
	if maxPoints <= 0 {
		maxPoints = maxSeriesPoints
	}
	return frames.NewGrid(q.DataQuery.TimeRange.From, q.DataQuery.TimeRange.To, q.DataQuery.Interval, maxPoints)
}

// queryRiskSeries counts inferences per interval, one zero-filled series per risk level (and
// per model when grouped), or one series of all accepted inferences with q.Total.
func (d *Datasource) queryRiskSeries(ctx context.Context, q Query) backend.DataResponse {
	window, err := d.liveWindow(ctx, &q)
	if err != nil {
		return errorResponse(err)
	}
	stream, g, liveNotices := liveRisk(q, grid(q), window)

	counter := newInferenceCounter(g, q)
	report, err := d.aggregateEvents(ctx, q, window, func(r index.Record) {
		if r.Kind == index.KindInferenceLogged && q.acceptsRecord(r) {
			counter.add(time.Unix(r.CloseTime, 0), r.ModelID, r.Risk)
		}
	})
	if err != nil {
		return errorResponse(err)
	}

	counter.setKnown(report.known())
	frame := counter.frame()
	frame.RefID = q.RefID
	notices := append(report.notices(), liveNotices...)
	annotate(frame, report.executed(), append(notices, d.unregisteredNotice(ctx, q)...))
	attachChannel(ctx, frame, stream)
	return backend.DataResponse{Frames: data.Frames{frame}}
}

// inferenceCounter is the riskSeries counter: per risk level, or in one total series.
type inferenceCounter struct {
	perRisk *frames.RiskCounter
	total   *frames.CountSeries
}

func newInferenceCounter(g frames.Grid, q Query) inferenceCounter {
	var c inferenceCounter
	if q.Total {
		c.total = frames.NewCountSeries(g, q.GroupByModel)
	} else {
		c.perRisk = frames.NewRiskCounter(g, q.GroupByModel)
	}
	if q.GroupByModel {
		for _, id := range q.ModelIDs {
			c.ensureModel(id)
		}
	}
	return c
}

func (c inferenceCounter) ensureModel(id uint64) {
	if c.total != nil {
		c.total.EnsureModel(id)
	} else {
		c.perRisk.EnsureModel(id)
	}
}

func (c inferenceCounter) add(t time.Time, modelID uint64, risk registry.RiskLevel) {
	if c.total != nil {
		c.total.Add(t, modelID)
	} else {
		c.perRisk.Add(t, modelID, risk)
	}
}

func (c inferenceCounter) setKnown(k frames.Known) {
	if c.total != nil {
		c.total.SetKnown(k)
	} else {
		c.perRisk.SetKnown(k)
	}
}

func (c inferenceCounter) frame() *data.Frame {
	if c.total != nil {
		return c.total.Frame("risk")
	}
	return c.perRisk.Frame("risk")
}

// queryBiasFlags returns bias flags as a zero-filled count series or as a table.
func (d *Datasource) queryBiasFlags(ctx context.Context, q Query) backend.DataResponse {
	filters := eventFilters(d.settings.RegistryContractID, []registry.EventKind{registry.KindBiasFlagged}, q)

	var frame *data.Frame
	var report scanReport
	var err error
	if q.Format == FormatTable {
		var window soroban.Window
		if window, err = d.window(ctx, q); err != nil {
			return errorResponse(err)
		}
		var rows []frames.EventRow
		report, err = d.scanEvents(ctx, q, window, filters, func(ev scannedEvent) {
			if ev.Kind == registry.KindBiasFlagged && q.accepts(ev.Event) {
				rows = append(rows, eventRow(ev))
			}
		})
		reverse(rows)
		frame = frames.BiasFlagsTable(rows)
	} else {
		series := frames.NewCountSeries(grid(q), q.GroupByModel)
		for _, id := range q.ModelIDs {
			series.EnsureModel(id)
		}
		var window soroban.Window
		if window, err = d.window(ctx, q); err != nil {
			return errorResponse(err)
		}
		report, err = d.aggregateEvents(ctx, q, window, func(r index.Record) {
			if r.Kind == index.KindBiasFlagged && q.acceptsRecord(r) {
				series.Add(time.Unix(r.CloseTime, 0), r.ModelID)
			}
		})
		series.SetKnown(report.known())
		frame = series.Frame("bias_flags")
	}
	if err != nil {
		return errorResponse(err)
	}

	frame.RefID = q.RefID
	annotate(frame, report.executed(), append(report.notices(), d.unregisteredNotice(ctx, q)...))
	return backend.DataResponse{Frames: data.Frames{frame}}
}

// queryEvents lists registry events, newest first, at most q.Limit of them. A limit the
// event index can serve is read from it, else the rows come from a getEvents scan.
func (d *Datasource) queryEvents(ctx context.Context, q Query) backend.DataResponse {
	window, err := d.liveWindow(ctx, &q)
	if err != nil {
		return errorResponse(err)
	}

	var newest *ring[frames.EventRow]
	var report scanReport
	if q.Limit > 0 && q.Limit <= keepRawEvents {
		newest, report, err = d.newestFromIndex(ctx, q, window)
	} else {
		newest, report, err = d.newestFromScan(ctx, q, window)
	}
	if err != nil {
		return errorResponse(err)
	}

	frame := frames.EventsFrame(newest.newestFirst())
	frame.RefID = q.RefID
	notices := report.notices()
	if q.Limit > 0 && newest.dropped > 0 {
		notices = append(notices, data.Notice{Severity: data.NoticeSeverityInfo, Text: limitNotice(q.Limit, newest.dropped)})
	}
	stream, liveNotices := liveEvents(q, window)
	notices = append(notices, liveNotices...)
	annotate(frame, report.executed(), append(notices, d.unregisteredNotice(ctx, q)...))
	attachChannel(ctx, frame, stream)
	return backend.DataResponse{Frames: data.Frames{frame}}
}

// newestFromScan keeps the newest q.Limit accepted events of a getEvents scan of window.
func (d *Datasource) newestFromScan(ctx context.Context, q Query, window soroban.Window) (*ring[frames.EventRow], scanReport, error) {
	filters := eventFilters(d.settings.RegistryContractID, q.EventKinds, q)
	newest := newRing[frames.EventRow](q.Limit)
	report, err := d.scanEvents(ctx, q, window, filters, func(ev scannedEvent) {
		if q.wantsKind(ev.Kind) && q.accepts(ev.Event) {
			newest.push(eventRow(ev))
		}
	})
	return newest, report, err
}

func eventRow(ev scannedEvent) frames.EventRow {
	return frames.EventRow{
		Time:   ev.Time,
		Ledger: ev.Ledger,
		TxHash: ev.TxHash,
		ID:     ev.ID,
		Event:  ev.Event,
	}
}

func reverse[T any](items []T) {
	for i, j := 0, len(items)-1; i < j; i, j = i+1, j-1 {
		items[i], items[j] = items[j], items[i]
	}
}
