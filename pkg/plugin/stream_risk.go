package plugin

import (
	"context"
	"fmt"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/modeltrace/soroban-datasource/pkg/frames"
	"github.com/modeltrace/soroban-datasource/pkg/registry"
)

// riskPoller counts accepted inferences into buckets of spec.Interval and sends each bucket,
// zero-filled in the riskSeries frame shape, once the chain's latest ledger closed after its
// end. A bucket is therefore sent once and complete, and the panel's points keep one width.
type riskPoller struct {
	feed    *eventFeed
	spec    streamSpec
	sender  *backend.StreamSender
	next    time.Time   // start of the first bucket not sent yet; zero until placed
	pending []riskPoint // accepted inferences at or after next, in chain order
}

type riskPoint struct {
	at    time.Time
	model uint64
	risk  registry.RiskLevel
}

func newRiskPoller(feed *eventFeed, spec streamSpec, sender *backend.StreamSender) *riskPoller {
	return &riskPoller{feed: feed, spec: spec, sender: sender}
}

func (p *riskPoller) position() string {
	return fmt.Sprintf("cursor %s, next bucket %s", p.feed.cursor, p.next.Format(time.RFC3339))
}

func (p *riskPoller) poll(ctx context.Context) error {
	if p.feed.cursor == "" {
		if err := p.place(ctx); err != nil {
			return err
		}
	}

	events, result, err := p.feed.next(ctx)
	if err != nil {
		return err
	}
	for _, ev := range events {
		// The ledger range of a time can start a little early, and a bucket already sent
		// is final, so inferences before next are not counted.
		if !ev.Time.Before(p.next) {
			p.pending = append(p.pending, riskPoint{at: ev.Time, model: ev.ModelID, risk: ev.Risk})
		}
	}
	p.feed.advance(events, result)
	return p.sendClosed(result.LatestClosedAt)
}

// place sets the first bucket, spec.From or the bucket of the latest ledger, and puts the
// cursor before the first ledger that can hold its inferences.
func (p *riskPoller) place(ctx context.Context) error {
	from := p.spec.From
	if from.IsZero() {
		latest, err := p.feed.d.rpc.LatestLedger(ctx)
		if err != nil {
			return fmt.Errorf("read the latest ledger: %w", err)
		}
		closed := time.Now()
		if latest.LedgerCloseTime > 0 {
			closed = time.Unix(latest.LedgerCloseTime, 0)
		}
		from = bucketStart(closed, p.spec.Interval)
	}

	window, err := p.feed.d.rpc.LedgerWindow(ctx, from, from)
	if err != nil {
		return fmt.Errorf("find the first ledger at %s: %w", from.Format(time.RFC3339), err)
	}
	p.next = from
	p.feed.startBefore(window.Range.Start)
	return nil
}

// sendClosed sends the buckets that end at or before latestClosed, the close time of the
// latest ledger the poll read. A zero time (no page read) sends nothing.
func (p *riskPoller) sendClosed(latestClosed time.Time) error {
	if latestClosed.IsZero() {
		return nil
	}
	end := bucketStart(latestClosed, p.spec.Interval)
	if !end.After(p.next) {
		return nil
	}

	grid := frames.Grid{From: p.next, To: end.Add(-time.Nanosecond), Interval: p.spec.Interval}
	counter := newInferenceCounter(grid, p.feed.q)
	var later []riskPoint
	for _, point := range p.pending {
		if point.at.Before(end) {
			counter.add(point.at, point.model, point.risk)
		} else {
			later = append(later, point)
		}
	}
	if err := p.sender.SendFrame(counter.frame(), data.IncludeAll); err != nil {
		return fmt.Errorf("send risk buckets %s – %s: %w", p.next.Format(time.RFC3339), end.Format(time.RFC3339), err)
	}
	p.next, p.pending = end, later
	return nil
}

// bucketStart returns the start of the bucket of width interval that contains t. Buckets
// start at multiples of interval since the Unix epoch, as frames.Grid places them.
func bucketStart(t time.Time, interval time.Duration) time.Time {
	ns, width := t.UnixNano(), int64(interval)
	start := ns - ns%width
	if ns%width < 0 {
		start -= width
	}
	return time.Unix(0, start).UTC()
}
