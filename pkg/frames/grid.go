// Package frames turns decoded registry data into Grafana data frames: zero-filled wide time
// series for panels and alert rules, and tables for stats, models and events.
package frames

import (
	"time"
)

// DefaultMaxPoints is the bucket limit NewGrid applies when the request gives none.
const DefaultMaxPoints = 1000

// MaxPoints is the largest bucket limit NewGrid accepts, so that one query cannot make a
// counter allocate gigabytes: 100,000 buckets cost 3.2 MB per grouped model.
const MaxPoints = 100_000

// minInterval is the smallest bucket width. Ledgers close about every 5 s, so finer buckets
// would only add empty points.
const minInterval = time.Second

// niceIntervals are the widths NewGrid widens to, so widened buckets stay easy to read.
// Beyond the last one it doubles.
var niceIntervals = []time.Duration{
	time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second,
	30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute,
	15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 3 * time.Hour,
	6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 7 * 24 * time.Hour, 30 * 24 * time.Hour,
}

// Grid is the bucketing of the time range [From, To] (both ends included) into buckets of
// width Interval. Bucket starts are multiples of Interval since the Unix epoch, so they stay
// put as a dashboard's time range moves, and the first bucket may start before From.
type Grid struct {
	From, To time.Time
	Interval time.Duration
}

// NewGrid returns the grid of [from, to] with buckets of the given interval, at least 1 s.
// While the range would need more than maxPoints buckets, it widens the interval to the next
// of niceIntervals (1s, 2s, 5s … 1d, 7d, 30d) and past 30d doubles it. A maxPoints below 1
// means DefaultMaxPoints, and one above MaxPoints means MaxPoints.
func NewGrid(from, to time.Time, interval time.Duration, maxPoints int64) Grid {
	if maxPoints < 1 {
		maxPoints = DefaultMaxPoints
	}
	maxPoints = min(maxPoints, MaxPoints)
	g := Grid{From: from, To: to, Interval: max(interval, minInterval)}
	for int64(g.Len()) > maxPoints {
		g.Interval = widen(g.Interval)
	}
	return g
}

// widen returns the next nice interval above d.
func widen(d time.Duration) time.Duration {
	for _, nice := range niceIntervals {
		if nice > d {
			return nice
		}
	}
	return 2 * d
}

// bucket returns the number of the bucket containing t, counted from the Unix epoch.
func (g Grid) bucket(t time.Time) int64 {
	ns, width := t.UnixNano(), int64(g.Interval)
	q := ns / width
	if ns%width < 0 {
		q-- // round towards minus infinity for times before the epoch
	}
	return q
}

// Len returns the number of buckets: 0 when To is before From.
func (g Grid) Len() int {
	if g.To.Before(g.From) || g.Interval <= 0 {
		return 0
	}
	return int(g.bucket(g.To) - g.bucket(g.From) + 1)
}

// Index returns the index of the bucket that contains t, and false when t is outside
// [From, To].
func (g Grid) Index(t time.Time) (int, bool) {
	if t.Before(g.From) || t.After(g.To) || g.Interval <= 0 {
		return 0, false
	}
	return int(g.bucket(t) - g.bucket(g.From)), true
}

// Times returns the start time of every bucket, in UTC.
func (g Grid) Times() []time.Time {
	n := g.Len()
	times := make([]time.Time, n)
	first := g.bucket(g.From) * int64(g.Interval)
	for i := range times {
		times[i] = time.Unix(0, first+int64(i)*int64(g.Interval)).UTC()
	}
	return times
}
