package soroban

import (
	"testing"
	"time"

	protocol "github.com/stellar/go-stellar-sdk/protocols/rpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// unevenTimes returns close times for ledgers 1000 to 3000 that are not uniform: 5 s
// apart, 30 s after every 97th ledger, 20 s through ledgers 1500 to 1529 and 6 s through
// ledgers 2500 to 2599.
func unevenTimes() func(seq uint32) int64 {
	times := map[uint32]int64{1000: 1767225600}
	for seq := uint32(1001); seq <= 3000; seq++ {
		gap := int64(5)
		switch {
		case seq%97 == 0:
			gap = 30
		case seq >= 1500 && seq < 1530:
			gap = 20
		case seq >= 2500 && seq < 2600:
			gap = 6
		}
		times[seq] = times[seq-1] + gap
	}
	return func(seq uint32) int64 { return times[seq] }
}

// exactRange returns the ledgers of node that closed within [from, to], by brute force.
func (n *fakeNode) exactRange(from, to time.Time) LedgerRange {
	rng := LedgerRange{Start: n.latest + 1, End: n.oldest}
	for seq := n.oldest; seq <= n.latest; seq++ {
		closed := time.Unix(n.closeTimes[seq], 0)
		if closed.Before(from) || closed.After(to) {
			continue
		}
		rng.Start = min(rng.Start, seq)
		rng.End = max(rng.End, seq+1)
	}
	return rng
}

func at(closeTime func(uint32) int64, seq uint32, offset time.Duration) time.Time {
	return time.Unix(closeTime(seq), 0).Add(offset).UTC()
}

func TestLedgerWindow(t *testing.T) {
	times := unevenTimes()
	oldestTime := at(times, 1000, 0)
	// Ranges marked loose have a boundary that the getLedgers pages of 16 ledgers miss. The
	// comment above each derives its bound from the page the client read.
	tests := []struct {
		name        string
		from, to    time.Time
		want        LedgerRange
		loose       bool
		wantCalls   int
		wantClamped bool
		wantFrom    time.Time
	}{
		{name: "recent range up to now", from: at(times, 2900, -2*time.Second), to: at(times, 3000, time.Minute),
			want: LedgerRange{2900, 3001}, wantCalls: 2},
		// The start page 1734-1749 closed after from: ledger 1734 closed 169 s after it,
		// so the start can be no lower than 1734-169 = 1565.
		{name: "historical range", from: at(times, 1700, time.Second), to: at(times, 1800, -time.Second),
			want: LedgerRange{1565, 1800}, loose: true, wantCalls: 3},
		// The end page 1545-1560 closed after to, so ledger 1545 bounds the end.
		{name: "inside the 20 s stretch", from: at(times, 1510, -3*time.Second), to: at(times, 1525, 0),
			want: LedgerRange{1510, 1545}, loose: true, wantCalls: 3},
		{name: "inside the 6 s stretch", from: at(times, 2550, 0), to: at(times, 2560, 5*time.Second),
			want: LedgerRange{2550, 2561}, wantCalls: 3},
		// The start page 2019-2034 closed after from: ledger 2019 closed 94 s after it.
		{name: "sub-second bounds", from: at(times, 2000, 500*time.Millisecond), to: at(times, 2100, 900*time.Millisecond),
			want: LedgerRange{1925, 2101}, loose: true, wantCalls: 3},
		{name: "single ledger", from: at(times, 2222, 0), to: at(times, 2222, 0),
			want: LedgerRange{2222, 2223}, wantCalls: 3},
		{name: "start before retention", from: oldestTime.Add(-time.Hour), to: at(times, 1200, 0),
			want: LedgerRange{1000, 1201}, wantCalls: 2, wantClamped: true, wantFrom: oldestTime},
		{name: "whole retention", from: oldestTime.Add(-time.Second), to: at(times, 3000, time.Second),
			want: LedgerRange{1000, 3001}, wantCalls: 1, wantClamped: true, wantFrom: oldestTime},
		{name: "from at the oldest close time", from: oldestTime, to: at(times, 3000, 0),
			want: LedgerRange{1000, 3001}, wantCalls: 1},
		{name: "range before retention", from: oldestTime.Add(-2 * time.Hour), to: oldestTime.Add(-time.Second),
			want: LedgerRange{1000, 1000}, wantCalls: 1, wantClamped: true, wantFrom: oldestTime},
		{name: "range in the future", from: at(times, 3000, time.Second), to: at(times, 3000, time.Hour),
			want: LedgerRange{3001, 3001}, wantCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			node := newFakeNode(t, 1000, 3000, times)
			client := node.start(t, Options{})

			window, err := client.LedgerWindow(background, tt.from, tt.to)

			require.NoError(t, err)
			assert.Equal(t, tt.want, window.Range)
			exact := node.exactRange(tt.from, tt.to)
			switch {
			case exact.Start >= exact.End:
			case tt.loose:
				assert.NotEqual(t, exact, window.Range, "loose start or end")
				assert.LessOrEqual(t, window.Range.Start, exact.Start)
				assert.GreaterOrEqual(t, window.Range.End, exact.End)
			default:
				assert.Equal(t, exact, window.Range, "brute force")
			}
			assert.Equal(t, tt.wantCalls, window.Calls)
			assert.Equal(t, tt.wantCalls, node.callCount(protocol.GetHealthMethodName)+node.callCount(protocol.GetLedgersMethodName))
			assert.Equal(t, tt.wantClamped, window.Clamped)
			wantFrom := tt.from
			if tt.wantClamped {
				wantFrom = tt.wantFrom
			}
			assert.True(t, wantFrom.Equal(window.From), "From %s, want %s", window.From, wantFrom)
			assert.True(t, tt.to.Equal(window.To))
			assert.Equal(t, uint32(1000), window.OldestLedger)
			assert.Equal(t, uint32(3000), window.LatestLedger)
			assert.Equal(t, time.Unix(times(3000), 0).UTC(), window.LatestClosedAt)
		})
	}
}

func TestLedgerWindowCoversEveryRange(t *testing.T) {
	times := unevenTimes()
	node := newFakeNode(t, 1000, 3000, times)
	client := node.start(t, Options{})
	oldest, latest := at(times, 1000, 0), at(times, 3000, 0)
	span := latest.Sub(oldest)

	exact, extra := 0, uint32(0)
	const ranges = 120
	for i := range ranges {
		from := oldest.Add(time.Duration(i) * span / ranges).Add(time.Duration(i%7) * 700 * time.Millisecond)
		to := from.Add(time.Duration(i*37%2400) * time.Second)
		window, err := client.LedgerWindow(background, from, to)
		require.NoError(t, err)

		want := node.exactRange(from, to)
		assert.LessOrEqual(t, window.Calls, 3, "range %d", i)
		if want.Start < want.End {
			assert.LessOrEqual(t, window.Range.Start, want.Start, "range %d from %s", i, from)
			assert.GreaterOrEqual(t, window.Range.End, want.End, "range %d to %s", i, to)
		}
		if window.Range == want {
			exact++
		}
		if want.Start < want.End {
			extra += want.Start - window.Range.Start + window.Range.End - want.End
		}
	}
	t.Logf("%d of %d ranges mapped exactly, %d extra ledgers in all", exact, ranges, extra)
}

func TestLedgerWindowMissedEstimate(t *testing.T) {
	// Ledgers 1000 to 1999 close 5 s apart and 2000 to 3000 close 30 s apart, so
	// interpolating between the oldest and the latest ledger lands far from the boundary
	// and the getLedgers pages miss it.
	closeTime := func(seq uint32) int64 {
		if seq < 2000 {
			return 1767225600 + 5*int64(seq-1000)
		}
		return 1767225600 + 5*1000 + 30*int64(seq-2000)
	}
	node := newFakeNode(t, 1000, 3000, closeTime)
	client := node.start(t, Options{})
	from, to := at(closeTime, 1500, 0), at(closeTime, 1600, 0)

	window, err := client.LedgerWindow(background, from, to)

	require.NoError(t, err)
	assert.Equal(t, LedgerRange{1500, 1601}, node.exactRange(from, to))
	assert.Equal(t, 3, window.Calls)
	// The start estimate 1142 puts the first page at 1130-1145, the end estimate 1268 the
	// second at 1264-1279; both closed before from. Ledger 1279 closed at +1395 s, to is at
	// +3000 s, so the end can be no higher than 1279+1605 under the one-second rule.
	assert.Equal(t, LedgerRange{1280, 2885}, window.Range)
}

func TestLedgerWindowErrors(t *testing.T) {
	t.Run("to before from", func(t *testing.T) {
		node := newFakeNode(t, 1000, 3000, uniformTimes)
		client := node.start(t, Options{})
		from := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

		window, err := client.LedgerWindow(background, from, from.Add(-time.Minute))

		assert.EqualError(t, err, "invalid time range: to 2026-12-04T11:59:00Z is before from 2026-12-04T12:00:00Z")
		assert.Equal(t, 0, window.Calls)
	})

	t.Run("health without close times", func(t *testing.T) {
		node := newFakeNode(t, 1000, 3000, uniformTimes)
		node.noCloseTimes = true
		client := node.start(t, Options{})

		window, err := client.LedgerWindow(background, time.Unix(uniformTimes(1500), 0), time.Unix(uniformTimes(1600), 0))

		require.Error(t, err)
		assert.Contains(t, err.Error(), "getHealth returned no usable ledger range (oldest 1000 closed at 0, latest 3000 closed at 0)")
		assert.Equal(t, 1, window.Calls)
	})

	t.Run("getLedgers failure", func(t *testing.T) {
		node := newFakeNode(t, 1000, 3000, uniformTimes)
		node.inject(protocol.GetLedgersMethodName, fault{code: codeInvalidRequest, message: "start ledger out of range"})
		client := node.start(t, Options{})

		window, err := client.LedgerWindow(background, time.Unix(uniformTimes(1500), 0), time.Unix(uniformTimes(1600), 0))

		var rpcErr *RPCError
		require.ErrorAs(t, err, &rpcErr)
		assert.Equal(t, "getLedgers", rpcErr.Method)
		assert.Equal(t, 2, window.Calls)
	})

	t.Run("retried health counts its requests", func(t *testing.T) {
		node := newFakeNode(t, 1000, 3000, uniformTimes)
		node.inject(protocol.GetHealthMethodName, fault{status: 503})
		client := node.start(t, Options{})

		window, err := client.LedgerWindow(background, time.Unix(uniformTimes(1000), 0), time.Unix(uniformTimes(3000), 0))

		require.NoError(t, err)
		assert.Equal(t, LedgerRange{1000, 3001}, window.Range)
		assert.Equal(t, 2, window.Calls)
		assert.Equal(t, 1, window.Retries)
	})
}
