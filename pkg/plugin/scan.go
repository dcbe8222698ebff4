package plugin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/modeltrace/soroban-datasource/pkg/frames"
	"github.com/modeltrace/soroban-datasource/pkg/index"
	"github.com/modeltrace/soroban-datasource/pkg/registry"
	"github.com/modeltrace/soroban-datasource/pkg/soroban"
)

// scannedEvent is a decoded registry event with its place on the chain.
type scannedEvent struct {
	registry.Event
	ID     string
	Ledger uint32
	Time   time.Time
	TxHash string
}

// scanReport describes what a scan read, for ExecutedQueryString and notices.
type scanReport struct {
	window    soroban.Window
	result    soroban.ScanResult
	filters   []soroban.Filter
	matched   int
	malformed int
	unknown   int
	index     *index.Stats
}

// scanEvents reads the registry events of window that match filters, decodes them and visits
// those whose close time lies in q's time range, in chain order.
func (d *Datasource) scanEvents(ctx context.Context, q Query, window soroban.Window, filters []soroban.Filter, visit func(scannedEvent)) (scanReport, error) {
	to := q.DataQuery.TimeRange.To
	report := scanReport{window: window, filters: filters}
	result, err := d.rpc.ScanEvents(ctx, window.Range, filters, func(ev soroban.Event) error {
		if ev.ClosedAt.Before(window.From) || ev.ClosedAt.After(to) {
			return nil
		}
		decoded, err := registry.DecodeEvent(ev.Topics, ev.Value)
		switch {
		case errors.Is(err, registry.ErrUnknownEvent):
			report.unknown++
			return nil
		case err != nil:
			report.malformed++
			return nil
		}
		report.matched++
		visit(scannedEvent{Event: decoded, ID: ev.ID, Ledger: ev.Ledger, Time: ev.ClosedAt, TxHash: ev.TxHash})
		return nil
	})
	report.result = result
	if errors.Is(err, soroban.ErrTooManyEvents) {
		return report, downstream(fmt.Errorf("%w: narrow the time range or the model filter, or raise \"Max events per query\" (now %d) in the datasource settings",
			err, d.settings.MaxEventsPerQuery))
	}
	if err != nil {
		return report, fmt.Errorf("read events of contract %s in ledgers %d–%d: %w",
			d.settings.RegistryContractID, window.Range.Start, window.Range.End, err)
	}
	return report, nil
}

// window maps q's time range to ledgers, shared with the other queries of the same refresh.
func (d *Datasource) window(ctx context.Context, q Query) (soroban.Window, error) {
	from, to := q.DataQuery.TimeRange.From, q.DataQuery.TimeRange.To
	if to.Before(from) {
		return soroban.Window{}, downstream(fmt.Errorf("invalid time range: it ends at %s, before it starts at %s: swap the two ends",
			to.UTC().Format(time.RFC3339), from.UTC().Format(time.RFC3339)))
	}
	key := fmt.Sprintf("%d-%d", from.UnixNano(), to.UnixNano())
	window, shared, err := d.windows.get(key, func() (soroban.Window, error) {
		return d.rpc.LedgerWindow(ctx, from, to)
	})
	if err != nil {
		return soroban.Window{}, fmt.Errorf("map time range %s – %s to ledgers: %w", from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339), err)
	}
	if shared {
		window.Calls = 0
	}
	return window, nil
}

// aggregateEvents visits the compact records of q's time range, mapped to window, from the
// shared event index, which scans each ledger range of the contract once for all panels and
// refreshes.
func (d *Datasource) aggregateEvents(ctx context.Context, q Query, window soroban.Window, visit func(index.Record)) (scanReport, error) {
	from, to := window.From.Unix(), q.DataQuery.TimeRange.To.Unix()
	report := scanReport{window: window}
	stats, err := d.events.Query(ctx, window.Range, window.LatestLedger, func(r index.Record) bool {
		if r.CloseTime < from || r.CloseTime > to {
			return true
		}
		report.matched++
		visit(r)
		return true
	})
	report.index = &stats
	report.malformed, report.unknown = stats.Malformed, stats.Unknown
	if stats.Clamped && !report.window.Clamped {
		report.window.Clamped = true
		report.window.OldestLedger = stats.OldestLedger
	}
	if err != nil {
		return report, fmt.Errorf("read events of contract %s in ledgers %d–%d: %w",
			d.settings.RegistryContractID, window.Range.Start, window.Range.End, err)
	}
	return report, nil
}

// known returns the part of the time range the RPC has data for, whose empty buckets are 0
// rather than null: from the start of its retention window up to its latest ledger.
func (r scanReport) known() frames.Known {
	k := frames.Known{To: r.window.LatestClosedAt}
	if r.window.Clamped {
		k.From = r.window.From
	}
	return k
}

// executed summarises what was read for Frame.Meta.ExecutedQueryString: the index, a
// getEvents scan, or both when an event table was completed with a scan.
func (r scanReport) executed() string {
	timeRange := fmt.Sprintf("time range closed %s – %s (+%d RPC calls to map it)",
		r.window.From.UTC().Format(time.RFC3339), r.window.To.UTC().Format(time.RFC3339), r.window.Calls)
	var parts []string
	if r.index != nil {
		parts = append(parts, r.index.String())
	}
	if r.index == nil || r.filters != nil {
		parts = append(parts, fmt.Sprintf("getEvents ledgers [%d, %d), %d filter(s); pages=%d rpcCalls=%d; events=%d duplicatesDropped=%d",
			r.window.Range.Start, r.window.Range.End, len(r.filters), r.result.Pages, r.result.Calls,
			r.result.Events, r.result.Duplicates))
	}
	parts = append(parts, timeRange, fmt.Sprintf("matched=%d", r.matched))
	return strings.Join(parts, "; ")
}

// notices lists what a reader of the frame must know: a clamped range or skipped events.
func (r scanReport) notices() []data.Notice {
	var notices []data.Notice
	switch {
	case r.window.Clamped && r.window.From.After(r.window.To):
		notices = append(notices, data.Notice{
			Severity: data.NoticeSeverityWarning,
			Text: fmt.Sprintf("The time range ends before the RPC's retention window, which starts at ledger %d (closed %s): no data is available for it. Use an RPC with longer retention for older data.",
				r.window.OldestLedger, r.window.From.UTC().Format(time.RFC3339)),
		})
	case r.window.Clamped:
		notices = append(notices, data.Notice{
			Severity: data.NoticeSeverityWarning,
			Text: fmt.Sprintf("The time range starts before the RPC's retention window: data is shown from ledger %d (%s) on. Use an RPC with longer retention for older data.",
				r.window.OldestLedger, r.window.From.UTC().Format(time.RFC3339)),
		})
	case !r.window.LatestClosedAt.IsZero() && r.window.From.After(r.window.LatestClosedAt):
		notices = append(notices, data.Notice{
			Severity: data.NoticeSeverityInfo,
			Text: fmt.Sprintf("The time range starts after the latest ledger %d closed (%s): there is no data for it yet.",
				r.window.LatestLedger, r.window.LatestClosedAt.Format(time.RFC3339)),
		})
	}
	if r.malformed > 0 {
		notices = append(notices, data.Notice{
			Severity: data.NoticeSeverityWarning,
			Text:     fmt.Sprintf("%d event(s) with malformed XDR were skipped and are not counted.", r.malformed),
		})
	}
	if r.unknown > 0 {
		notices = append(notices, data.Notice{
			Severity: data.NoticeSeverityInfo,
			Text:     fmt.Sprintf("%d event(s) with names this datasource does not know were skipped.", r.unknown),
		})
	}
	return notices
}

// annotate sets the frame meta every handler reports.
func annotate(frame *data.Frame, executed string, notices []data.Notice) {
	if frame.Meta == nil {
		frame.Meta = &data.FrameMeta{}
	}
	frame.Meta.ExecutedQueryString = executed
	frame.Meta.Notices = append(frame.Meta.Notices, notices...)
}
