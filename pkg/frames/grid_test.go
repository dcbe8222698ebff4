package frames

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// at returns 2026-01-01 10:mm:ss.ns UTC.
func at(minute, second, nanos int) time.Time {
	return time.Date(2026, 1, 1, 10, minute, second, nanos, time.UTC)
}

func TestNewGridInterval(t *testing.T) {
	from, to := at(0, 0, 0), at(10, 0, 0)
	cases := []struct {
		name      string
		interval  time.Duration
		maxPoints int64
		want      time.Duration
		wantLen   int
	}{
		{"kept", 30 * time.Second, 100, 30 * time.Second, 21},
		{"zero raised to 1s", 0, 1000, time.Second, 601},
		{"sub-second raised to 1s", 500 * time.Millisecond, 1000, time.Second, 601},
		{"odd interval kept", 7 * time.Second, 1000, 7 * time.Second, 87},
		{"widened to 10s", time.Second, 100, 10 * time.Second, 61},
		{"widened to 1m", 2 * time.Second, 11, time.Minute, 11},
		{"default max points", time.Second, 0, time.Second, 601},
		{"negative max points", time.Second, -5, time.Second, 601},
		{"one point", time.Second, 1, 15 * time.Minute, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewGrid(from, to, tc.interval, tc.maxPoints)
			assert.Equal(t, tc.want, g.Interval)
			assert.Equal(t, tc.wantLen, g.Len())
			assert.Equal(t, from, g.From)
			assert.Equal(t, to, g.To)
		})
	}
}

func TestNewGridWidensPastDays(t *testing.T) {
	from := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	g := NewGrid(from, to, time.Minute, 10)
	assert.Equal(t, 240*24*time.Hour, g.Interval)
	assert.Equal(t, 10, g.Len())
}

func TestNewGridCapsMaxPoints(t *testing.T) {
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	g := NewGrid(from, from.Add(7*24*time.Hour), time.Second, 1<<40)
	assert.Equal(t, 10*time.Second, g.Interval)
	assert.Equal(t, 60481, g.Len())
	assert.LessOrEqual(t, g.Len(), MaxPoints)
}

func TestGridAlignment(t *testing.T) {
	g := NewGrid(at(0, 7, 0), at(0, 52, 0), 15*time.Second, 100)
	assert.Equal(t, []time.Time{at(0, 0, 0), at(0, 15, 0), at(0, 30, 0), at(0, 45, 0)}, g.Times())
	assert.Equal(t, 4, g.Len())
}

func TestGridAlignedToEpoch(t *testing.T) {
	// 7 s does not divide a minute, so buckets start at multiples of 7 s since 1970.
	g := NewGrid(at(0, 0, 0), at(0, 20, 0), 7*time.Second, 100)
	first := g.Times()[0]
	assert.Equal(t, int64(0), first.Unix()%7)
	assert.False(t, first.After(g.From))
	assert.True(t, first.Add(7*time.Second).After(g.From))
}

func TestGridIndex(t *testing.T) {
	g := NewGrid(at(0, 7, 0), at(0, 52, 0), 15*time.Second, 100)
	cases := []struct {
		name   string
		t      time.Time
		want   int
		wantOK bool
	}{
		{"exactly at from", at(0, 7, 0), 0, true},
		{"exactly at to", at(0, 52, 0), 3, true},
		{"bucket start", at(0, 15, 0), 1, true},
		{"just before bucket start", at(0, 14, 999999999), 0, true},
		{"just before from", at(0, 6, 999999999), 0, false},
		{"just after to", at(0, 52, 1), 0, false},
		{"aligned start before from", at(0, 0, 0), 0, false},
		{"other time zone", at(0, 30, 0).In(time.FixedZone("UTC+2", 7200)), 2, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := g.Index(tc.t)
			assert.Equal(t, tc.wantOK, ok)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestGridBeforeEpoch(t *testing.T) {
	epoch := time.Unix(0, 0).UTC()
	g := NewGrid(epoch.Add(-20*time.Second), epoch.Add(5*time.Second), 10*time.Second, 100)
	assert.Equal(t, []time.Time{epoch.Add(-20 * time.Second), epoch.Add(-10 * time.Second), epoch}, g.Times())

	i, ok := g.Index(epoch.Add(-time.Nanosecond))
	assert.True(t, ok)
	assert.Equal(t, 1, i)
}

func TestGridEmptyRange(t *testing.T) {
	g := NewGrid(at(5, 0, 0), at(4, 0, 0), time.Minute, 100)
	assert.Equal(t, 0, g.Len())
	assert.Empty(t, g.Times())

	_, ok := g.Index(at(4, 30, 0))
	assert.False(t, ok)
}

func TestGridSingleInstant(t *testing.T) {
	g := NewGrid(at(1, 30, 0), at(1, 30, 0), time.Minute, 100)
	assert.Equal(t, []time.Time{at(1, 0, 0)}, g.Times())

	i, ok := g.Index(at(1, 30, 0))
	assert.True(t, ok)
	assert.Equal(t, 0, i)
}

func TestGridZeroValue(t *testing.T) {
	var g Grid
	assert.Equal(t, 0, g.Len())
	_, ok := g.Index(time.Time{})
	assert.False(t, ok)
}
