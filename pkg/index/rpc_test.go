package index

import (
	"context"
	"errors"
	"io/fs"
	"math/rand/v2"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stellar/go-stellar-sdk/strkey"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modeltrace/soroban-datasource/pkg/registry"
	"github.com/modeltrace/soroban-datasource/pkg/soroban"
	"github.com/modeltrace/soroban-datasource/pkg/sorobantest"
)

// rpcChain is a registry history served by the test RPC server, with the counts a query over
// any range should find.
type rpcChain struct {
	server     *sorobantest.Server
	contractID string
	otherID    string // another contract emitting the same events
	rnd        *rand.Rand
	kinds      map[uint32]map[Kind]int // per ledger
}

func newRPCChain(t *testing.T) *rpcChain {
	id, err := strkey.Encode(strkey.VersionByteContract, make([]byte, 32))
	require.NoError(t, err)
	other, err := strkey.Encode(strkey.VersionByteContract, []byte(strings.Repeat("o", 32)))
	require.NoError(t, err)
	return &rpcChain{
		server:     sorobantest.NewServer(sorobantest.Config{MaxEventsLimit: 50}),
		contractID: id,
		otherID:    other,
		rnd:        rand.New(rand.NewPCG(3, 5)),
		kinds:      map[uint32]map[Kind]int{},
	}
}

// addLedgers appends ledgers [rng.Start, rng.End), each with up to six registry events.
func (c *rpcChain) addLedgers(t *testing.T, rng soroban.LedgerRange) {
	operator, err := strkey.Encode(strkey.VersionByteAccountID, make([]byte, 32))
	require.NoError(t, err)
	hash := "0000000000000000000000000000000000000000000000000000000000000001"

	for ledger := rng.Start; ledger < rng.End; ledger++ {
		c.server.AddLedger(ledger, genesisTime.Add(time.Duration(ledger)*5*time.Second))
		c.kinds[ledger] = map[Kind]int{}
		for tx := range uint32(c.rnd.IntN(7)) {
			ev := registry.Event{ModelID: uint64(c.rnd.IntN(5) + 1), EventID: uint64(ledger)}
			switch c.rnd.IntN(3) {
			case 0:
				ev.Kind, ev.Operator, ev.Name, ev.Version, ev.WeightsHash, ev.TrainingDataCID =
					registry.KindModelRegistered, operator, "m", "1", hash, "cid"
			case 1:
				ev.Kind, ev.Operator, ev.PayloadHash, ev.Risk =
					registry.KindInferenceLogged, operator, hash, registry.RiskLevel(c.rnd.IntN(4))
			default:
				ev.Kind, ev.Auditor, ev.EvidenceHash = registry.KindBiasFlagged, operator, hash
			}
			topics, value, err := registry.EncodeEvent(ev)
			require.NoError(t, err)
			c.server.AddEvent(sorobantest.StoredEvent{Ledger: ledger, TxIndex: tx + 1,
				ContractID: c.contractID, Topics: topics, Value: value})
			kind, _ := kindOf(ev.Kind)
			c.kinds[ledger][kind]++

			// The index's filter must leave out the same event from another contract and
			// an event of this contract with a name the registry does not define.
			if tx == 0 && ledger%10 == 0 {
				c.server.AddEvent(sorobantest.StoredEvent{Ledger: ledger, TxIndex: 100,
					ContractID: c.otherID, Topics: topics, Value: value})
				renamed := append([]string{registry.TopicSymbol("model_retired")}, topics[1:]...)
				c.server.AddEvent(sorobantest.StoredEvent{Ledger: ledger, TxIndex: 101,
					ContractID: c.contractID, Topics: renamed, Value: value})
			}
		}
	}
}

func (c *rpcChain) want(rng soroban.LedgerRange) map[Kind]int {
	out := map[Kind]int{}
	for ledger := rng.Start; ledger < rng.End; ledger++ {
		for kind, n := range c.kinds[ledger] {
			out[kind] += n
		}
	}
	return out
}

func countKinds(ctx context.Context, ix *Index, rng soroban.LedgerRange, latest uint32) (map[Kind]int, Stats, error) {
	out := map[Kind]int{}
	stats, err := ix.Query(ctx, rng, latest, func(r Record) bool {
		out[r.Kind]++
		return true
	})
	return out, stats, err
}

func TestIndexOverRPC(t *testing.T) {
	chain := newRPCChain(t)
	chain.addLedgers(t, lr(100, 1100))
	httpServer := httptest.NewServer(chain.server)
	defer httpServer.Close()
	client := soroban.NewClient(httpServer.URL, httpServer.Client(), soroban.Options{PageLimit: 50})
	defer client.Close()
	ix := New(client, chain.contractID, Options{ChunkLedgers: 300})

	day := lr(100, 1100)
	stats := make([]Stats, panels)
	counts := make([]map[Kind]int, panels)
	errs := make([]error, panels)
	var wg sync.WaitGroup
	for i := range panels {
		wg.Go(func() { counts[i], stats[i], errs[i] = countKinds(context.Background(), ix, day, 1099) })
	}
	wg.Wait()

	calls, scanned := 0, []soroban.LedgerRange{}
	for i := range panels {
		require.NoError(t, errs[i])
		assert.Equal(t, chain.want(day), counts[i])
		calls += stats[i].RPCCalls
		scanned = append(scanned, stats[i].Scanned...)
	}
	chunks := []soroban.LedgerRange{lr(100, 300), lr(300, 600), lr(600, 900), lr(900, 1100)}
	assert.ElementsMatch(t, chunks, scanned)
	assert.Equal(t, chain.server.Calls("getEvents"), calls)

	// One scan of each chunk, made directly, costs exactly the calls of the whole dashboard.
	direct := 0
	for _, chunk := range chunks {
		result, err := client.ScanEvents(context.Background(), chunk, ix.Filters(),
			func(soroban.Event) error { return nil })
		require.NoError(t, err)
		direct += result.Calls
	}
	assert.Equal(t, direct, calls)
	assert.Greater(t, calls, len(chunks), "pages of 50 events should need more than one call per chunk")

	t.Run("refresh reads only the new ledgers", func(t *testing.T) {
		chain.addLedgers(t, lr(1100, 1110))
		before := chain.server.Calls("getEvents")

		got, stats, err := countKinds(context.Background(), ix, lr(110, 1110), 1109)
		require.NoError(t, err)
		assert.Equal(t, chain.want(lr(110, 1110)), got)
		assert.Equal(t, []soroban.LedgerRange{lr(1100, 1110)}, stats.Scanned)
		assert.Equal(t, chain.server.Calls("getEvents")-before, stats.RPCCalls)
	})
}

// TestIndexOverScenario reads the events the real Soroban host emitted in the contract tests
// through the test RPC server and checks the totals the scenario expects.
func TestIndexOverScenario(t *testing.T) {
	fixture, err := sorobantest.LoadFixture(scenarioPath)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("scenario %s not found: run the audit-registry contract tests first", scenarioPath)
	}
	require.NoError(t, err)
	server := sorobantest.NewServer(sorobantest.Config{MaxEventsLimit: 40})
	require.NoError(t, server.Seed(fixture))
	httpServer := httptest.NewServer(server)
	defer httpServer.Close()
	client := soroban.NewClient(httpServer.URL, httpServer.Client(), soroban.Options{PageLimit: 40})
	defer client.Close()

	ix := New(client, fixture.ContractID, Options{ChunkLedgers: 16, KeepRawNewest: 5})
	first, last := fixture.Ledgers[0].Sequence, fixture.Ledgers[len(fixture.Ledgers)-1].Sequence
	var got []brief
	byModel := map[uint64]*sorobantest.ExpectedModel{}
	var byRisk sorobantest.RiskCounts
	stats, err := ix.Query(context.Background(), lr(first, last+1), last, func(r Record) bool {
		got = append(got, brief{r.Ledger, r.CloseTime, r.Kind, r.Risk, r.ModelID})
		tallyScenario(byModel, &byRisk, r)
		return true
	})
	require.NoError(t, err)
	assert.Equal(t, 0, stats.Malformed)
	assert.Equal(t, 0, stats.Unknown)

	want := make([]brief, len(fixture.Events))
	for i, ev := range fixture.Events {
		kind, err := registry.ParseEventKind(ev.Decoded.Kind)
		require.NoError(t, err)
		k, _ := kindOf(kind)
		want[i] = brief{ev.Ledger, ev.CloseTime, k, registry.RiskLevel(ev.Decoded.RiskLevel), ev.Decoded.ModelID}
	}
	assert.Equal(t, want, got)
	assert.Equal(t, fixture.Expected.InferencesByRisk, byRisk)
	assert.Equal(t, int(fixture.Expected.Stats.TotalModels), len(byModel))
	for _, model := range fixture.Expected.ByModel {
		require.Contains(t, byModel, model.ModelID)
		counted := byModel[model.ModelID]
		assert.Equal(t, model.InferenceCount, counted.InferenceCount, "model %d", model.ModelID)
		assert.Equal(t, model.HighRiskCount, counted.HighRiskCount, "model %d", model.ModelID)
		assert.Equal(t, model.BiasFlagCount, counted.BiasFlagCount, "model %d", model.ModelID)
		assert.Equal(t, model.InferencesByRisk, counted.InferencesByRisk, "model %d", model.ModelID)
		assert.Equal(t, model.RegisteredLedger, counted.RegisteredLedger, "model %d", model.ModelID)
		assert.Equal(t, model.LastEventLedger, counted.LastEventLedger, "model %d", model.ModelID)
	}
}

// tallyScenario adds r to per-model and per-risk counters shaped like the scenario's totals.
func tallyScenario(byModel map[uint64]*sorobantest.ExpectedModel, byRisk *sorobantest.RiskCounts, r Record) {
	model := byModel[r.ModelID]
	if model == nil {
		model = &sorobantest.ExpectedModel{ModelID: r.ModelID}
		byModel[r.ModelID] = model
	}
	model.LastEventLedger = r.Ledger

	switch r.Kind {
	case KindModelRegistered:
		model.RegisteredLedger = r.Ledger
	case KindBiasFlagged:
		model.BiasFlagCount++
	case KindInferenceLogged:
		model.InferenceCount++
		if r.Risk.IsHigh() {
			model.HighRiskCount++
		}
		for _, counts := range []*sorobantest.RiskCounts{byRisk, &model.InferencesByRisk} {
			switch r.Risk {
			case registry.RiskLow:
				counts.Low++
			case registry.RiskMedium:
				counts.Medium++
			case registry.RiskHigh:
				counts.High++
			case registry.RiskCritical:
				counts.Critical++
			}
		}
	}
}
