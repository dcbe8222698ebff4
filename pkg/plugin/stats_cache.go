package plugin

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/modeltrace/soroban-datasource/pkg/registry"
)

// statsTTL is how long a stats read is reused. The stat panels and the models table of one
// dashboard refresh ask within this time, so they share one getLedgerEntries call.
const statsTTL = 2 * time.Second

// statsCache shares the registry stats read between the queries of one dashboard refresh.
type statsCache struct {
	read   func(ctx context.Context) (registry.Stats, uint32, error)
	flight singleflight.Group

	mu      sync.Mutex
	stats   registry.Stats
	ledger  uint32
	expires time.Time
}

type statsRead struct {
	stats  registry.Stats
	ledger uint32
}

// get returns the stats and the ledger they were read at, and whether they came from an
// earlier or concurrent read.
func (c *statsCache) get(ctx context.Context) (registry.Stats, uint32, bool, error) {
	c.mu.Lock()
	if time.Now().Before(c.expires) {
		stats, ledger := c.stats, c.ledger
		c.mu.Unlock()
		return stats, ledger, true, nil
	}
	c.mu.Unlock()

	value, err, shared := c.flight.Do("stats", func() (any, error) {
		stats, ledger, err := c.read(ctx)
		if err != nil {
			return statsRead{}, err
		}
		c.mu.Lock()
		c.stats, c.ledger, c.expires = stats, ledger, time.Now().Add(statsTTL)
		c.mu.Unlock()
		return statsRead{stats: stats, ledger: ledger}, nil
	})
	if err != nil {
		return registry.Stats{}, 0, false, err
	}
	read := value.(statsRead)
	return read.stats, read.ledger, shared, nil
}
