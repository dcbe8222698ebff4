package plugin

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/modeltrace/soroban-datasource/pkg/soroban"
)

// windowTTL is how long a time range's ledger mapping is reused. The panels of one dashboard
// refresh send the same range within this time, so they share one mapping.
const windowTTL = 2 * time.Second

// windowCache shares LedgerWindow results between the queries of one dashboard refresh.
type windowCache struct {
	rpc    *soroban.Client
	flight singleflight.Group

	mu      sync.Mutex
	entries map[string]cachedWindow
}

type cachedWindow struct {
	window  soroban.Window
	expires time.Time
}

func newWindowCache(rpc *soroban.Client) *windowCache {
	return &windowCache{rpc: rpc, entries: map[string]cachedWindow{}}
}

// get returns the ledger window of [from, to] and whether it came from the cache.
func (c *windowCache) get(ctx context.Context, from, to time.Time) (soroban.Window, bool, error) {
	key := fmt.Sprintf("%d-%d", from.UnixNano(), to.UnixNano())
	now := time.Now()

	c.mu.Lock()
	for k, e := range c.entries {
		if now.After(e.expires) {
			delete(c.entries, k)
		}
	}
	cached, ok := c.entries[key]
	c.mu.Unlock()
	if ok {
		return cached.window, true, nil
	}

	value, err, shared := c.flight.Do(key, func() (any, error) {
		window, err := c.rpc.LedgerWindow(ctx, from, to)
		if err != nil {
			return soroban.Window{}, err
		}
		c.mu.Lock()
		c.entries[key] = cachedWindow{window: window, expires: time.Now().Add(windowTTL)}
		c.mu.Unlock()
		return window, nil
	})
	if err != nil {
		return soroban.Window{}, false, err
	}
	return value.(soroban.Window), shared, nil
}
