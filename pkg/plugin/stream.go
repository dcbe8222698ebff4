package plugin

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/live"
	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"

	"github.com/modeltrace/soroban-datasource/pkg/frames"
	"github.com/modeltrace/soroban-datasource/pkg/registry"
	"github.com/modeltrace/soroban-datasource/pkg/soroban"
)

// defaultPollInterval is about one ledger close on Stellar networks.
const defaultPollInterval = 5 * time.Second

// maxStreamBackoff caps the wait between polls after RPC errors.
const maxStreamBackoff = 30 * time.Second

// streamRegistry tracks running streams so Dispose can stop them.
type streamRegistry struct {
	mu      sync.Mutex
	cancels map[int]context.CancelFunc
	next    int
}

func newStreamRegistry() *streamRegistry {
	return &streamRegistry{cancels: map[int]context.CancelFunc{}}
}

func (r *streamRegistry) add(cancel context.CancelFunc) (remove func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	id := r.next
	r.next++
	r.cancels[id] = cancel
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		delete(r.cancels, id)
	}
}

func (r *streamRegistry) closeAll() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, cancel := range r.cancels {
		cancel()
	}
}

// attachChannel points a live query's frame at its Grafana Live channel.
func (d *Datasource) attachChannel(ctx context.Context, frame *data.Frame, q Query) {
	if !q.Live {
		return
	}
	settings := backend.PluginConfigFromContext(ctx).DataSourceInstanceSettings
	if settings == nil {
		return
	}
	spec := streamSpec{Kind: streamEvents, ModelIDs: q.ModelIDs, MinRisk: q.MinRisk}
	if q.Type == QueryTypeRiskSeries {
		spec.Kind = streamRisk
	}
	channel := live.Channel{Scope: live.ScopeDatasource, Namespace: settings.UID, Path: spec.path()}
	frame.Meta.Channel = channel.String()
}

// SubscribeStream accepts the channel paths of streamSpec.
func (d *Datasource) SubscribeStream(_ context.Context, req *backend.SubscribeStreamRequest) (*backend.SubscribeStreamResponse, error) {
	if d.settingsErr != nil {
		return &backend.SubscribeStreamResponse{Status: backend.SubscribeStreamStatusNotFound}, nil
	}
	if _, err := parseStreamPath(req.Path); err != nil {
		return &backend.SubscribeStreamResponse{Status: backend.SubscribeStreamStatusNotFound}, nil
	}
	return &backend.SubscribeStreamResponse{Status: backend.SubscribeStreamStatusOK}, nil
}

// PublishStream is denied: the streams are read-only views of the chain.
func (d *Datasource) PublishStream(context.Context, *backend.PublishStreamRequest) (*backend.PublishStreamResponse, error) {
	return &backend.PublishStreamResponse{Status: backend.PublishStreamStatusPermissionDenied}, nil
}

// RunStream polls the RPC about once per ledger close from the event cursor and sends only new
// events. After an RPC error, also one at the start, it backs off and resumes from the last
// cursor, so no event is sent twice or skipped. It returns nil when ctx ends.
func (d *Datasource) RunStream(ctx context.Context, req *backend.RunStreamRequest, sender *backend.StreamSender) error {
	spec, err := parseStreamPath(req.Path)
	if err != nil {
		return err
	}
	if d.settingsErr != nil {
		return fmt.Errorf("datasource settings: %w", d.settingsErr)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer d.streams.add(cancel)()

	logger := log.DefaultLogger.FromContext(ctx)
	logger.Info("Stream started", "path", req.Path, "contract", d.settings.RegistryContractID)
	q := spec.query()
	filters := eventFilters(d.settings.RegistryContractID, q.EventKinds, q)
	poller := streamPoller{d: d, spec: spec, q: q, filters: filters, sender: sender}
	backoff := d.settings.LivePollInterval
	for {
		err := poller.poll(ctx)
		switch {
		case ctx.Err() != nil:
			logger.Info("Stream stopped", "path", req.Path, "cursor", poller.cursor)
			return nil
		case err != nil:
			backoff = min(backoff*2, maxStreamBackoff)
			logger.Warn("Stream poll failed, resuming from the last cursor", "path", req.Path,
				"cursor", poller.cursor, "retryIn", backoff, "error", err)
		default:
			backoff = d.settings.LivePollInterval
		}

		select {
		case <-ctx.Done():
			logger.Info("Stream stopped", "path", req.Path, "cursor", poller.cursor)
			return nil
		case <-time.After(backoff):
		}
	}
}

// streamPoller reads new events from the cursor and sends them as one frame per poll.
type streamPoller struct {
	d       *Datasource
	spec    streamSpec
	q       Query
	filters []soroban.Filter
	sender  *backend.StreamSender
	cursor  string
	lastID  string
}

// poll sends the events after the cursor. The first poll only places the cursor after the
// latest ledger, so a stream starts with the events of the next ledger.
func (p *streamPoller) poll(ctx context.Context) error {
	if p.cursor == "" {
		latest, err := p.d.rpc.LatestLedger(ctx)
		if err != nil {
			return fmt.Errorf("read the latest ledger: %w", err)
		}
		p.cursor = protocol.Cursor{Ledger: latest.Sequence + 1}.String()
		return nil
	}

	var events []scannedEvent
	result, err := p.d.rpc.PollEvents(ctx, p.cursor, p.filters, func(ev soroban.Event) error {
		if ev.ID <= p.lastID {
			return nil
		}
		decoded, err := registry.DecodeEvent(ev.Topics, ev.Value)
		if err != nil {
			return nil
		}
		if p.q.wantsKind(decoded.Kind) && p.q.accepts(decoded) {
			events = append(events, scannedEvent{Event: decoded, ID: ev.ID, Ledger: ev.Ledger, Time: ev.ClosedAt, TxHash: ev.TxHash})
		}
		return nil
	})
	if err != nil {
		return err
	}

	if len(events) > 0 {
		if err := p.send(events); err != nil {
			return err
		}
		p.lastID = events[len(events)-1].ID
	}
	if result.Cursor != "" {
		p.cursor = result.Cursor
	}
	return nil
}

func (p *streamPoller) send(events []scannedEvent) error {
	var frame *data.Frame
	if p.spec.Kind == streamRisk {
		frame = riskStreamFrame(events)
	} else {
		rows := make([]frames.EventRow, len(events))
		for i, ev := range events {
			rows[i] = eventRow(ev)
		}
		frame = frames.EventsFrame(rows)
	}
	return p.sender.SendFrame(frame, data.IncludeAll)
}

// riskStreamFrame counts the polled inferences per ledger close time and risk level, in the
// labelled shape of the riskSeries frame, so Grafana appends them to the live panel.
func riskStreamFrame(events []scannedEvent) *data.Frame {
	var times []time.Time
	counts := make([][]int64, len(registry.RiskLevels))
	for _, ev := range events {
		if len(times) == 0 || !times[len(times)-1].Equal(ev.Time) {
			times = append(times, ev.Time)
			for i := range counts {
				counts[i] = append(counts[i], 0)
			}
		}
		if int(ev.Risk) < len(counts) {
			counts[ev.Risk][len(times)-1]++
		}
	}

	frame := data.NewFrame("risk", data.NewField("time", nil, times))
	for i, level := range registry.RiskLevels {
		frame.Fields = append(frame.Fields, data.NewField("count", data.Labels{"risk": level.String()}, counts[i]))
	}
	return frame
}
