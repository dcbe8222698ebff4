package index

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stellar/go-stellar-sdk/strkey"
	"github.com/stretchr/testify/require"

	"github.com/modeltrace/soroban-datasource/pkg/registry"
	"github.com/modeltrace/soroban-datasource/pkg/soroban"
)

const testContract = "CCONTRACTUNDERTEST"

// genesisTime is the close time of ledger 0 of the synthetic chain; ledgers close every 5 s.
var genesisTime = time.Unix(1_767_225_600, 0)

// chain is a synthetic event history: ledger n holds n % (perLedger+1) events (so some
// ledgers are empty), each one of a fixed set of encoded events chosen by a hash of its position.
type chain struct {
	perLedger int
	templates []template

	// Events of ledgers [preStart, preStart+len(pre)) built ahead, so benchmarks do not time
	// the fake RPC's formatting.
	preStart uint32
	pre      [][]soroban.Event
}

// prebuild builds the events of rng ahead. It is not safe to call during scans.
func (c *chain) prebuild(rng soroban.LedgerRange) {
	c.pre = make([][]soroban.Event, 0, rng.End-rng.Start)
	for ledger := rng.Start; ledger < rng.End; ledger++ {
		c.pre = append(c.pre, c.events(ledger))
	}
	c.preStart = rng.Start
}

type template struct {
	topics []string
	value  string
}

// newChain builds templates for every kind, model 1..6 and risk level, plus an event with a
// malformed topic, one with valid topics but a malformed value, and one unknown event.
func newChain(t testing.TB, perLedger int) *chain {
	operator := testAccount(t, 1)
	auditor := testAccount(t, 2)
	hash := strings.Repeat("ab", 32)

	c := &chain{perLedger: perLedger}
	for model := uint64(1); model <= 6; model++ {
		events := []registry.Event{
			{Kind: registry.KindModelRegistered, ModelID: model, Operator: operator, Name: "fraud-screen",
				Version: "1.0", WeightsHash: hash, TrainingDataCID: "bafy-training"},
			{Kind: registry.KindBiasFlagged, ModelID: model, Auditor: auditor, EventID: model, EvidenceHash: hash},
		}
		for _, risk := range registry.RiskLevels {
			events = append(events, registry.Event{Kind: registry.KindInferenceLogged, ModelID: model,
				Risk: risk, EventID: 100 + model, Operator: operator, PayloadHash: hash})
		}
		for _, ev := range events {
			topics, value, err := registry.EncodeEvent(ev)
			require.NoError(t, err)
			c.templates = append(c.templates, template{topics: topics, value: value})
		}
	}

	good := c.templates[0]
	unknownTopic := registry.TopicSymbol("model_retired")
	c.templates = append(c.templates,
		template{topics: []string{good.topics[0], "AAAA", good.topics[2]}, value: good.value},
		template{topics: good.topics, value: "not base64 XDR!"},
		template{topics: append([]string{unknownTopic}, good.topics[1:]...), value: good.value})
	return c
}

// testAccount returns the account strkey (G…) whose key bytes are all b.
func testAccount(t testing.TB, b byte) string {
	key := make([]byte, 32)
	for i := range key {
		key[i] = b
	}
	account, err := strkey.Encode(strkey.VersionByteAccountID, key)
	require.NoError(t, err)
	return account
}

// events returns the events of ledger in chain order.
func (c *chain) events(ledger uint32) []soroban.Event {
	if ledger >= c.preStart && ledger-c.preStart < uint32(len(c.pre)) {
		return c.pre[ledger-c.preStart]
	}
	n := int(ledger) % (c.perLedger + 1)
	out := make([]soroban.Event, n)
	for i := range out {
		h := (uint64(ledger)*2654435761 + uint64(i)*40503) % uint64(len(c.templates))
		tpl := c.templates[h]
		out[i] = soroban.Event{
			ID:         fmt.Sprintf("%019d-%010d", uint64(ledger)<<32, i),
			Ledger:     ledger,
			ClosedAt:   genesisTime.Add(time.Duration(ledger) * 5 * time.Second),
			ContractID: testContract,
			TxHash:     fmt.Sprintf("tx-%d-%d", ledger, i),
			Topics:     tpl.topics,
			Value:      tpl.value,
		}
	}
	return out
}

// fakeScanner serves a chain like getEvents would: pages of pageSize events, one call each,
// and at least one call per scan. It records every scan.
type fakeScanner struct {
	chain    *chain
	pageSize int
	latest   uint32 // reported as ScanResult.LatestLedger
	oldest   uint32 // when set, scans start here at the earliest, as the node's retention

	mu    sync.Mutex
	scans []soroban.LedgerRange
	calls int
	gate  chan struct{} // when set, scans wait until it is closed
	fail  error         // when set, the next scan fails with it after one page
}

func newFake(c *chain) *fakeScanner {
	return &fakeScanner{chain: c, pageSize: 100}
}

func (f *fakeScanner) ScanEvents(ctx context.Context, rng soroban.LedgerRange, filters []soroban.Filter,
	visit func(soroban.Event) error) (soroban.ScanResult, error) {
	f.mu.Lock()
	f.scans = append(f.scans, rng)
	gate, fail := f.gate, f.fail
	f.fail = nil
	f.mu.Unlock()

	if len(filters) != 1 || filters[0].ContractIDs[0] != testContract {
		return soroban.ScanResult{}, errors.New("fake scanner: unexpected filters")
	}
	if rng.Start == 0 || rng.End < rng.Start {
		return soroban.ScanResult{}, fmt.Errorf("fake scanner: invalid range %v", rng)
	}
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return soroban.ScanResult{}, ctx.Err()
		}
	}

	res := soroban.ScanResult{Pages: 1, Calls: 1, LatestLedger: f.latest}
	if rng.Start < f.oldest {
		rng.Start = f.oldest
		res.Clamped, res.OldestLedger = true, f.oldest
	}
	defer func() { f.addCalls(res.Calls) }()
	inPage := 0
	for ledger := rng.Start; ledger < rng.End; ledger++ {
		for _, ev := range f.chain.events(ledger) {
			if inPage == f.pageSize {
				if fail != nil {
					return res, fail
				}
				if err := ctx.Err(); err != nil {
					return res, err
				}
				res.Pages++
				res.Calls++
				inPage = 0
			}
			inPage++
			res.Events++
			if err := visit(ev); err != nil {
				return res, err
			}
		}
	}
	if fail != nil {
		return res, fail
	}
	return res, nil
}

func (f *fakeScanner) addCalls(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls += n
}

func (f *fakeScanner) scanned() []soroban.LedgerRange {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]soroban.LedgerRange(nil), f.scans...)
}

// direct scans rng without the index and returns what a query should deliver.
func direct(t testing.TB, c *chain, rng soroban.LedgerRange) result {
	t.Helper()
	type outcome struct {
		header registry.Header
		err    error
	}
	// The chain repeats a few encoded events, so each is decoded once.
	memo := map[string]outcome{}

	var out result
	for ledger := rng.Start; ledger < rng.End; ledger++ {
		for _, ev := range c.events(ledger) {
			key := strings.Join(ev.Topics, ",") + "|" + ev.Value
			known, ok := memo[key]
			if !ok {
				// The index counts an event by its topics alone.
				known.header, known.err = registry.DecodeTopics(ev.Topics)
				memo[key] = known
			}
			decoded, err := known.header, known.err
			switch {
			case errors.Is(err, registry.ErrUnknownEvent):
				out.unknown++
			case err != nil:
				out.malformed++
			default:
				kind, ok := kindOf(decoded.Kind)
				require.True(t, ok)
				out.records = append(out.records, brief{ev.Ledger, ev.ClosedAt.Unix(), kind, decoded.Risk, decoded.ModelID})
			}
		}
	}
	return out
}

// brief is a Record without Raw, comparable with ==.
type brief struct {
	Ledger    uint32
	CloseTime int64
	Kind      Kind
	Risk      registry.RiskLevel
	ModelID   uint64
}

type result struct {
	records            []brief
	malformed, unknown int
}

// collect runs a query and returns what it delivered.
func collect(ctx context.Context, ix *Index, rng soroban.LedgerRange, latest uint32) (result, Stats, error) {
	var out result
	stats, err := ix.Query(ctx, rng, latest, func(r Record) bool {
		out.records = append(out.records, brief{r.Ledger, r.CloseTime, r.Kind, r.Risk, r.ModelID})
		return true
	})
	out.malformed, out.unknown = stats.Malformed, stats.Unknown
	return out, stats, err
}

// waitUntil polls cond, which reads state that other goroutines change, for at most 10 s.
// It orders steps between goroutines; no test asserts on how long anything takes.
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached within 10 s")
		}
		time.Sleep(time.Millisecond)
	}
}

func (ix *Index) waitersOf(rng soroban.LedgerRange) int {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for _, f := range ix.flights {
		if f.rng == rng {
			return f.waiters
		}
	}
	return 0
}

func lr(start, end uint32) soroban.LedgerRange {
	return soroban.LedgerRange{Start: start, End: end}
}

// flightCount returns how many scans are in flight.
func (ix *Index) flightCount() int {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return len(ix.flights)
}
