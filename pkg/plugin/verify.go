package plugin

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"golang.org/x/sync/singleflight"
)

// registryCheck remembers that the RPC serves the configured network and that the registry
// contract exists there. Without it, an event query against the wrong network or an id that
// was never deployed would return zero-filled series, which an alert rule reads as "no risk".
// A success holds for the life of the datasource instance. A failure is checked again on the
// next query.
type registryCheck struct {
	ok     atomic.Bool
	flight singleflight.Group
}

// verifyRegistry returns a downstream error naming the setting to fix when the RPC serves
// another network than the settings name or the registry contract is not on it.
func (d *Datasource) verifyRegistry(ctx context.Context) error {
	if d.check.ok.Load() {
		return nil
	}
	_, err, _ := d.check.flight.Do("registry", func() (any, error) {
		network, err := d.rpc.Network(ctx)
		if err != nil {
			return nil, fmt.Errorf("read the network of the RPC at %s: %w", d.settings.RPCURL, err)
		}
		if network.Passphrase != d.settings.NetworkPassphrase {
			return nil, downstream(fmt.Errorf("network passphrase mismatch: the RPC at %s serves %q but the datasource is set to %q: "+
				"choose the network the RPC serves in the datasource settings, or point the RPC URL at a node of the configured network",
				d.settings.RPCURL, network.Passphrase, d.settings.NetworkPassphrase))
		}
		if _, _, _, err := d.sharedStats(ctx); err != nil {
			return nil, err
		}
		d.check.ok.Store(true)
		return nil, nil
	})
	return err
}

// unregisteredNotice returns a notice naming the ids in q.ModelIDs above the registry's model
// count: their series are all zero because the models do not exist, not because they were
// quiet. It returns nothing when the count cannot be read, since the query itself reports
// RPC failures.
func (d *Datasource) unregisteredNotice(ctx context.Context, q Query) []data.Notice {
	if len(q.ModelIDs) == 0 {
		return nil
	}
	stats, _, _, err := d.sharedStats(ctx)
	if err != nil {
		return nil
	}
	var unknown []uint64
	for _, id := range q.ModelIDs {
		if id > stats.TotalModels {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	return []data.Notice{{Severity: data.NoticeSeverityWarning, Text: fmt.Sprintf(
		"Model id(s) %s are not registered: the registry holds %d models, ids 1 to %d. Check the model filter.",
		joinIDs(unknown), stats.TotalModels, stats.TotalModels)}}
}
