package plugin

import (
	"context"
	"fmt"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"

	"github.com/modeltrace/soroban-datasource/pkg/frames"
	"github.com/modeltrace/soroban-datasource/pkg/registry"
	"github.com/modeltrace/soroban-datasource/pkg/soroban"
)

// eventFeed reads the registry events after its cursor, decoded and filtered by q. The
// cursor moves only on advance, so a caller that fails to use a batch reads it again.
type eventFeed struct {
	d       *Datasource
	q       Query
	filters []soroban.Filter
	cursor  string // empty until the stream is placed
	lastID  string // id of the last event handed out
}

// startBefore places the cursor before every event of ledger seq.
func (f *eventFeed) startBefore(seq uint32) {
	f.cursor = protocol.Cursor{Ledger: seq}.String()
}

// startAfterLatest places the cursor after the node's latest ledger.
func (f *eventFeed) startAfterLatest(ctx context.Context) (protocol.GetLatestLedgerResponse, error) {
	latest, err := f.d.rpc.LatestLedger(ctx)
	if err != nil {
		return latest, fmt.Errorf("read the latest ledger: %w", err)
	}
	f.startBefore(latest.Sequence + 1)
	return latest, nil
}

// next returns the accepted events after the cursor, in chain order, with the scan result.
func (f *eventFeed) next(ctx context.Context) ([]scannedEvent, soroban.ScanResult, error) {
	var events []scannedEvent
	skipped := 0
	result, err := f.d.rpc.PollEvents(ctx, f.cursor, f.filters, func(ev soroban.Event) error {
		if ev.ID <= f.lastID {
			return nil
		}
		decoded, err := registry.DecodeEvent(ev.Topics, ev.Value)
		if err != nil {
			skipped++
			return nil
		}
		if f.q.wantsKind(decoded.Kind) && f.q.accepts(decoded) {
			events = append(events, scannedEvent{Event: decoded, ID: ev.ID, Ledger: ev.Ledger, Time: ev.ClosedAt, TxHash: ev.TxHash})
		}
		return nil
	})
	if err != nil {
		return nil, result, err
	}
	if skipped > 0 {
		log.DefaultLogger.FromContext(ctx).Warn("Stream skipped undecodable events",
			"contract", f.d.settings.RegistryContractID, "count", skipped, "cursor", f.cursor)
	}
	return events, result, nil
}

// advance moves the cursor past a batch returned by next.
func (f *eventFeed) advance(events []scannedEvent, result soroban.ScanResult) {
	if len(events) > 0 {
		f.lastID = events[len(events)-1].ID
	}
	if result.Cursor != "" {
		f.cursor = result.Cursor
	}
}

// eventsPoller sends every new accepted event as a row of the events frame.
type eventsPoller struct {
	feed   *eventFeed
	after  uint32 // the last ledger the query returned; 0 starts after the latest ledger
	sender *backend.StreamSender
}

func (p *eventsPoller) position() string { return p.feed.cursor }

func (p *eventsPoller) poll(ctx context.Context) error {
	if p.feed.cursor == "" {
		if p.after == 0 {
			_, err := p.feed.startAfterLatest(ctx)
			return err
		}
		p.feed.startBefore(p.after + 1)
	}

	events, result, err := p.feed.next(ctx)
	if err != nil {
		return err
	}
	if len(events) > 0 {
		rows := make([]frames.EventRow, len(events))
		for i, ev := range events {
			rows[i] = eventRow(ev)
		}
		if err := p.sender.SendFrame(frames.EventsFrame(rows), data.IncludeAll); err != nil {
			return fmt.Errorf("send %d event(s): %w", len(rows), err)
		}
	}
	p.feed.advance(events, result)
	return nil
}
