package plugin

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
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

// streamPoller is one poll step of a stream: it reads what the chain added since the last
// step and sends it. After an error the next step repeats the failed work.
type streamPoller interface {
	poll(ctx context.Context) error
	position() string // the resume point, for logs
}

// SubscribeStream accepts the channel paths of streamSpec.
func (d *Datasource) SubscribeStream(ctx context.Context, req *backend.SubscribeStreamRequest) (*backend.SubscribeStreamResponse, error) {
	if d.settingsErr != nil {
		return &backend.SubscribeStreamResponse{Status: backend.SubscribeStreamStatusNotFound}, nil
	}
	if _, err := parseStreamPath(req.Path); err != nil {
		log.DefaultLogger.FromContext(ctx).Debug("Stream subscription rejected", "path", req.Path, "error", err)
		return &backend.SubscribeStreamResponse{Status: backend.SubscribeStreamStatusNotFound}, nil
	}
	return &backend.SubscribeStreamResponse{Status: backend.SubscribeStreamStatusOK}, nil
}

// PublishStream is denied: the streams are read-only views of the chain.
func (d *Datasource) PublishStream(context.Context, *backend.PublishStreamRequest) (*backend.PublishStreamResponse, error) {
	return &backend.PublishStreamResponse{Status: backend.PublishStreamStatusPermissionDenied}, nil
}

// RunStream polls the RPC about once per ledger close and sends what is new: event rows, or
// the risk counts of each bucket once the chain has passed its end. After an RPC error, also
// one at the start, it backs off and resumes where it stopped, so nothing is sent twice or
// skipped. It returns nil when ctx ends.
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
	poller := d.newPoller(spec, sender)
	backoff := d.settings.LivePollInterval
	for {
		started := time.Now()
		err := poller.poll(ctx)
		wait := backoff
		switch {
		case ctx.Err() != nil:
			logger.Info("Stream stopped", "path", req.Path, "position", poller.position())
			return nil
		case err != nil:
			backoff = min(backoff*2, maxStreamBackoff)
			logger.Warn("Stream poll failed, resuming from the last position", "path", req.Path,
				"position", poller.position(), "retryIn", backoff.String(), "error", err)
			wait = backoff
		default:
			// The next poll starts one interval after this one started, or at once when this
			// one took longer.
			backoff = d.settings.LivePollInterval
			wait = max(0, backoff-time.Since(started))
		}

		select {
		case <-ctx.Done():
			logger.Info("Stream stopped", "path", req.Path, "position", poller.position())
			return nil
		case <-time.After(wait):
		}
	}
}

func (d *Datasource) newPoller(spec streamSpec, sender *backend.StreamSender) streamPoller {
	q := spec.query()
	feed := &eventFeed{d: d, q: q, filters: eventFilters(d.settings.RegistryContractID, q.EventKinds, q)}
	if spec.Kind == streamRisk {
		return newRiskPoller(feed, spec, sender)
	}
	return &eventsPoller{feed: feed, after: spec.AfterLedger, sender: sender}
}
