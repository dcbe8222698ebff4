package soroban

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLedgerWindowReusesKnownLedgers(t *testing.T) {
	node := newFakeNode(t, 1000, 3000, uniformTimes)
	client := node.start(t, Options{})
	from, to := at(uniformTimes, 2000, 2*time.Second), at(uniformTimes, 3000, time.Second)
	first, err := client.LedgerWindow(background, from, to)
	require.NoError(t, err)
	require.Equal(t, node.exactRange(from, to), first.Range)

	// A dashboard refresh 10 s later: two new ledgers, the range moved by 10 s.
	node.extend(3002, uniformTimes)
	from, to = from.Add(10*time.Second), to.Add(10*time.Second)
	refresh, err := client.LedgerWindow(background, from, to)

	require.NoError(t, err)
	assert.Equal(t, node.exactRange(from, to), refresh.Range)
	assert.Equal(t, 1, refresh.Calls, "only getHealth: both boundaries lie between remembered ledgers")
}

func TestLedgerWindowLearnsFromScans(t *testing.T) {
	node := newFakeNode(t, 1, 500, uniformTimes)
	for seq := uint32(1); seq <= 500; seq++ {
		node.addEvents(seq, 1)
	}
	client := node.start(t, Options{})
	_, err := client.ScanEvents(background, LedgerRange{1, 501}, nil, collect(new([]string)))
	require.NoError(t, err)
	from, to := at(uniformTimes, 200, time.Second), at(uniformTimes, 300, 2*time.Second)

	window, err := client.LedgerWindow(background, from, to)

	require.NoError(t, err)
	assert.Equal(t, LedgerRange{201, 301}, window.Range)
	assert.Equal(t, node.exactRange(from, to), window.Range)
	assert.Equal(t, 1, window.Calls)
	assert.Zero(t, node.callCount("getLedgers"))
}

func TestLedgerTimesOrderAndBound(t *testing.T) {
	times := NewLedgerTimes()
	times.add(ledgerPoint{seq: 10, closed: 50}, ledgerPoint{seq: 12, closed: 60})
	times.add(ledgerPoint{seq: 11, closed: 55}, ledgerPoint{seq: 10, closed: 50})

	assert.Equal(t, []ledgerPoint{{10, 50}, {11, 55}, {12, 60}}, times.points)
	assert.Equal(t, []ledgerPoint{{10, 50}, {11, 55}}, times.around(55))
	assert.Equal(t, []ledgerPoint{{12, 60}}, times.around(61))
	assert.Equal(t, []ledgerPoint{{10, 50}}, times.around(0))

	for seq := uint32(13); seq < 13+maxLedgerTimes; seq++ {
		times.add(ledgerPoint{seq: seq, closed: 60 + 5*int64(seq-12)})
	}
	assert.LessOrEqual(t, times.len(), maxLedgerTimes)
	assert.Equal(t, uint32(12+maxLedgerTimes), times.points[times.len()-1].seq)
}
