package plugin

import (
	"os"
	"runtime/debug"
	"sync"

	"github.com/modeltrace/soroban-datasource/pkg/index"
)

// memoryHeadroom is the memory allowed beyond the event index caps: RPC pages in flight (a
// page of 10,000 events is about 6 MB of JSON, and a query reads up to three at once), frames
// and the Go runtime.
const memoryHeadroom = 48 << 20

// memoryLimits sets the Go runtime's soft memory limit to the sum of the live datasource
// instances' index caps plus memoryHeadroom, so the garbage collector runs before the heap
// doubles, which GOGC alone allows. A non-empty GOMEMLIMIT environment variable turns it off.
type memoryLimits struct {
	mu   sync.Mutex
	caps map[*Datasource]int64
}

var processMemory = &memoryLimits{caps: map[*Datasource]int64{}}

func (m *memoryLimits) add(d *Datasource, indexCap int64) {
	if indexCap <= 0 {
		indexCap = index.DefaultMaxBytes
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.caps[d] = indexCap
	m.applyLocked()
}

func (m *memoryLimits) remove(d *Datasource) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.caps, d)
	m.applyLocked()
}

func (m *memoryLimits) applyLocked() {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	limit := int64(memoryHeadroom)
	for _, indexCap := range m.caps {
		limit += indexCap
	}
	debug.SetMemoryLimit(limit)
}

// limit returns the limit applyLocked set, for tests.
func (m *memoryLimits) limit() int64 {
	return debug.SetMemoryLimit(-1)
}
