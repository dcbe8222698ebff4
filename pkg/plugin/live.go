package plugin

import (
	"context"
	"fmt"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/live"

	"github.com/modeltrace/soroban-datasource/pkg/frames"
	"github.com/modeltrace/soroban-datasource/pkg/soroban"
)

// maxLiveSkew is how far a live query's end may lie before the latest ledger's close time and
// still count as "now": Grafana's clock and the validators' close times differ a little.
const maxLiveSkew = 30 * time.Second

// liveWindow maps q's time range to ledgers. For a live query whose end is at most
// maxLiveSkew before the latest ledger closed, it first moves the end to that close time, so
// the query reads every ledger the stream does not.
func (d *Datasource) liveWindow(ctx context.Context, q *Query) (soroban.Window, error) {
	window, err := d.window(ctx, *q)
	if err != nil || !q.Live {
		return window, err
	}
	to := q.DataQuery.TimeRange.To
	if to.Before(window.LatestClosedAt) && window.LatestClosedAt.Sub(to) <= maxLiveSkew {
		q.DataQuery.TimeRange.To = window.LatestClosedAt
		return d.window(ctx, *q)
	}
	return window, nil
}

// liveRisk returns the stream that continues a live riskSeries query over g, and g cut to
// the buckets that ended before the latest ledger closed. The stream sends each later bucket
// once it is complete, so no bucket is shown twice or half counted. The stream is nil when
// the query is not live or cannot be, and the notice then gives the reason.
func liveRisk(q Query, g frames.Grid, window soroban.Window) (*streamSpec, frames.Grid, []data.Notice) {
	if !q.Live {
		return nil, g, nil
	}
	if notice, ok := liveBlocked(q, window); !ok {
		return nil, g, []data.Notice{notice}
	}

	from := bucketStart(window.LatestClosedAt, g.Interval)
	g.To = from.Add(-time.Nanosecond)
	spec := &streamSpec{
		Kind: streamRisk, ModelIDs: q.ModelIDs, MinRisk: q.MinRisk,
		GroupByModel: q.GroupByModel, Total: q.Total, Interval: g.Interval, From: from,
	}
	return spec, g, nil
}

// liveEvents returns the stream that continues a live events query, which read every
// ledger before window.Range.End.
func liveEvents(q Query, window soroban.Window) (*streamSpec, []data.Notice) {
	if !q.Live {
		return nil, nil
	}
	if notice, ok := liveBlocked(q, window); !ok {
		return nil, []data.Notice{notice}
	}
	spec := &streamSpec{Kind: streamEvents, ModelIDs: q.ModelIDs, MinRisk: q.MinRisk, EventKinds: q.EventKinds}
	if window.Range.End > 0 {
		spec.AfterLedger = window.Range.End - 1
	}
	return spec, nil
}

// liveBlocked returns a notice and false when q cannot be continued by a stream.
func liveBlocked(q Query, window soroban.Window) (data.Notice, bool) {
	to := q.DataQuery.TimeRange.To
	if to.Before(window.LatestClosedAt) {
		return data.Notice{Severity: data.NoticeSeverityInfo, Text: fmt.Sprintf(
			"Live is off: the time range ends at %s, before the latest ledger %d closed at %s. Set the range to end at now to stream new data.",
			to.UTC().Format(time.RFC3339), window.LatestLedger, window.LatestClosedAt.Format(time.RFC3339))}, false
	}
	if q.Type == QueryTypeRiskSeries && q.GroupByModel && len(q.ModelIDs) == 0 {
		return data.Notice{Severity: data.NoticeSeverityWarning, Text: "Live is off: a risk series grouped by model streams only when " +
			"the query names its models. Select models, or turn off Group by model."}, false
	}
	return data.Notice{}, true
}

// attachChannel points frame at the Grafana Live channel of spec. Outside Grafana (the
// modeltrace CLI) there is no datasource uid and the frame gets no channel.
func attachChannel(ctx context.Context, frame *data.Frame, spec *streamSpec) {
	settings := backend.PluginConfigFromContext(ctx).DataSourceInstanceSettings
	if spec == nil || settings == nil {
		return
	}
	channel := live.Channel{Scope: live.ScopeDatasource, Namespace: settings.UID, Path: spec.path()}
	if frame.Meta == nil {
		frame.Meta = &data.FrameMeta{}
	}
	frame.Meta.Channel = channel.String()
}
