package plugin

import (
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// sharedReadTTL is how long a read is reused. The panels of one dashboard refresh send their
// queries within this time, so they share one read of the time range mapping and the stats.
const sharedReadTTL = 2 * time.Second

// sharedReads reuses the result of a read for sharedReadTTL and joins concurrent reads of the
// same key, so the queries of one refresh share one RPC call. Failed reads are not kept.
type sharedReads[V any] struct {
	flight singleflight.Group

	mu      sync.Mutex
	entries map[string]sharedEntry[V]
}

type sharedEntry[V any] struct {
	value   V
	expires time.Time
}

func newSharedReads[V any]() *sharedReads[V] {
	return &sharedReads[V]{entries: map[string]sharedEntry[V]{}}
}

// get returns the value of key and whether an earlier or concurrent read provided it. Otherwise
// read runs once for all concurrent callers.
func (c *sharedReads[V]) get(key string, read func() (V, error)) (V, bool, error) {
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
		return cached.value, true, nil
	}

	value, err, shared := c.flight.Do(key, func() (any, error) {
		value, err := read()
		if err != nil {
			return value, err
		}
		c.mu.Lock()
		c.entries[key] = sharedEntry[V]{value: value, expires: time.Now().Add(sharedReadTTL)}
		c.mu.Unlock()
		return value, nil
	})
	if err != nil {
		var zero V
		return zero, false, err
	}
	return value.(V), shared, nil
}
