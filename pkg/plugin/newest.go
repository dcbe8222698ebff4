package plugin

import (
	"context"
	"time"

	"github.com/modeltrace/soroban-datasource/pkg/frames"
	"github.com/modeltrace/soroban-datasource/pkg/index"
	"github.com/modeltrace/soroban-datasource/pkg/soroban"
)

// keepRawEvents is how many of the newest events the event index keeps with every field, so
// event tables with a limit up to it are served without a scan. At an estimated few hundred
// bytes an event this is a few MB, counted in the index's memory cap.
const keepRawEvents = 10_000

// newestFromIndex finds the newest q.Limit accepted events of window in the event index. When
// some of them no longer have their full fields there, it scans getEvents again, but only from
// the ledger of the oldest of them, which holds every row the table needs.
func (d *Datasource) newestFromIndex(ctx context.Context, q Query, window soroban.Window) (*ring[frames.EventRow], scanReport, error) {
	newest := newRing[index.Record](q.Limit)
	from, to := window.From.Unix(), q.DataQuery.TimeRange.To.Unix()
	report, err := d.aggregateEvents(ctx, q, window, func(r index.Record) {
		if r.CloseTime >= from && r.CloseTime <= to && q.wantsKind(r.Kind.EventKind()) && q.acceptsRecord(r) {
			newest.push(r)
		}
	})
	if err != nil {
		return nil, report, err
	}

	rows := newRing[frames.EventRow](q.Limit)
	rows.dropped = newest.dropped
	for _, r := range newest.oldestFirst() {
		if r.Raw == nil {
			return d.rescanFrom(ctx, q, window, newest, report)
		}
		rows.push(frames.EventRow{
			Time: time.Unix(r.CloseTime, 0).UTC(), Ledger: r.Ledger, TxHash: r.Raw.TxHash, ID: r.Raw.ID, Event: r.Raw.Event,
		})
	}
	return rows, report, nil
}

// rescanFrom reads the rows of newest with a getEvents scan that starts at the ledger of its
// oldest record. The index report's notices stay, and the scan's counts are added.
func (d *Datasource) rescanFrom(ctx context.Context, q Query, window soroban.Window, newest *ring[index.Record], indexed scanReport) (*ring[frames.EventRow], scanReport, error) {
	if oldest, ok := newest.oldest(); ok && newest.full() {
		window.Range.Start = max(window.Range.Start, oldest.Ledger)
	}
	rows, report, err := d.newestFromScan(ctx, q, window)
	if rows != nil {
		rows.dropped += newest.dropped
	}
	report.window.Clamped = report.window.Clamped || indexed.window.Clamped
	report.window.OldestLedger = max(report.window.OldestLedger, indexed.window.OldestLedger)
	report.index = indexed.index
	return rows, report, err
}
