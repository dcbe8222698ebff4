package plugin

import (
	"math"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/modeltrace/soroban-datasource/pkg/index"
)

func TestMemoryLimitFollowsIndexCaps(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "")
	t.Cleanup(func() { debug.SetMemoryLimit(math.MaxInt64) })
	limits := &memoryLimits{caps: map[*Datasource]int64{}}
	first, second := &Datasource{}, &Datasource{}

	limits.add(first, 0)
	assert.Equal(t, index.DefaultMaxBytes+memoryHeadroom, limits.limit())
	limits.add(second, 64<<20)
	assert.Equal(t, index.DefaultMaxBytes+64<<20+memoryHeadroom, limits.limit())
	limits.remove(first)
	assert.Equal(t, int64(64<<20+memoryHeadroom), limits.limit())
}

func TestMemoryLimitLeavesGOMEMLIMIT(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "1GiB")
	before := debug.SetMemoryLimit(-1)
	limits := &memoryLimits{caps: map[*Datasource]int64{}}

	limits.add(&Datasource{}, 0)

	assert.Equal(t, before, limits.limit())
}
