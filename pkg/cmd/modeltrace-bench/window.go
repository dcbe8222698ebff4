package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"sort"
	"time"

	"github.com/modeltrace/soroban-datasource/pkg/soroban"
	"github.com/modeltrace/soroban-datasource/pkg/sorobantest"
)

// Chains of P4: three days of ledgers on a node that keeps two days (at 5 s a ledger), so a
// 7-day range is clamped.
const (
	windowLedgers   = 51_840
	windowRetention = 34_560
	windowFirst     = 1000
)

// windowChain is a chain of ledger close times, in unix seconds, from ledger windowFirst on.
type windowChain struct {
	name   string
	closes []int64
}

// windowChains returns a chain with a ledger every 5 s and one with uneven close times:
// 1 to 12 s apart, with a 60 s pause every 500 ledgers.
func windowChains() []windowChain {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	even := windowChain{name: "5 s apart", closes: make([]int64, windowLedgers)}
	uneven := windowChain{name: "uneven (1–12 s apart, 60 s pauses)", closes: make([]int64, windowLedgers)}
	rng := rand.New(rand.NewPCG(4, 4))
	t := start
	for i := range windowLedgers {
		even.closes[i] = start + 5*int64(i)
		if i > 0 {
			t += 1 + rng.Int64N(12)
			if i%500 == 0 {
				t += 60
			}
		}
		uneven.closes[i] = t
	}
	return []windowChain{even, uneven}
}

// windowRange is one time range of P4, relative to "now": 1 s after the latest close.
type windowRange struct {
	name     string
	from, to time.Duration // before now
}

var windowRanges = []windowRange{
	{"last 1 h", time.Hour, 0},
	{"last 6 h", 6 * time.Hour, 0},
	{"last 24 h", 24 * time.Hour, 0},
	{"last 7 d (clamped)", 7 * 24 * time.Hour, 0},
	{"1 h ending 24 h ago", 25 * time.Hour, 24 * time.Hour},
}

// benchWindow is P4: soroban.Client.LedgerWindow over each range on each chain, counting the
// calls the server receives and checking that the ledger range holds every ledger that
// closed in the time range.
func benchWindow(ctx context.Context, env *benchEnv) error {
	maxCalls := 0
	for _, chain := range windowChains() {
		server := sorobantest.NewServer(sorobantest.Config{RetentionWindow: windowRetention})
		for i, closed := range chain.closes {
			server.AddLedger(windowFirst+uint32(i), time.Unix(closed, 0))
		}
		rpc := httptest.NewServer(server)
		client := soroban.NewClient(rpc.URL, nil, soroban.Options{})
		now := time.Unix(chain.closes[len(chain.closes)-1]+1, 0)
		for _, r := range windowRanges {
			server.ResetCalls()
			from, to := now.Add(-r.from), now.Add(-r.to)
			w, err := client.LedgerWindow(ctx, from, to)
			if err != nil {
				rpc.Close()
				return fmt.Errorf("%s, %s: %w", chain.name, r.name, err)
			}
			calls := snapshotCalls(server)
			extra, err := chain.check(w, to)
			if err != nil {
				rpc.Close()
				return fmt.Errorf("%s, %s: %w", chain.name, r.name, err)
			}
			maxCalls = max(maxCalls, calls.total())
			env.report.note("P4", "%s, %s: ledgers [%d, %d), clamped=%t, %d ledgers beyond the exact range; %s",
				chain.name, r.name, w.Range.Start, w.Range.End, w.Clamped, extra, calls)
		}
		_ = client.Close()
		rpc.Close()
	}
	env.report.add(figure{ID: "P4", Name: fmt.Sprintf("RPC calls to map a time range to ledgers (max of %d)", 2*len(windowRanges)),
		Measured: float64(maxCalls), Target: 3, AtMost: true, Unit: "calls"})
	return nil
}

// check verifies that w.Range holds every retained ledger that closed within [w.From, to]
// and returns how many ledgers outside that exact range it holds.
func (c windowChain) check(w soroban.Window, to time.Time) (int, error) {
	oldest := len(c.closes) - windowRetention
	retained := c.closes[oldest:]
	lo := sort.Search(len(retained), func(i int) bool { return retained[i] >= w.From.Unix() })
	hi := sort.Search(len(retained), func(i int) bool { return retained[i] > to.Unix() })
	exactStart, exactEnd := uint32(windowFirst+oldest+lo), uint32(windowFirst+oldest+hi)
	if lo < hi && (w.Range.Start > exactStart || w.Range.End < exactEnd) {
		return 0, fmt.Errorf("ledger range [%d, %d) misses part of the exact range [%d, %d)",
			w.Range.Start, w.Range.End, exactStart, exactEnd)
	}
	return int(w.Range.End-w.Range.Start) - int(exactEnd-exactStart), nil
}
