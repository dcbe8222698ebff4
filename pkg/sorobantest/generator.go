package sorobantest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/stellar/go-stellar-sdk/strkey"

	"github.com/modeltrace/soroban-datasource/pkg/registry"
)

// DefaultContractID is the registry contract id the generator uses when none is given:
// the C... strkey of SHA-256("modeltrace audit-registry sandbox").
var DefaultContractID = func() string {
	sum := sha256.Sum256([]byte("modeltrace audit-registry sandbox"))
	return strkey.MustEncode(strkey.VersionByteContract, sum[:])
}()

// GeneratorOptions configures the simulated audit-registry traffic. Zero fields take the
// defaults named in their comments.
type GeneratorOptions struct {
	Seed            uint64        // random seed; the same options produce the same chain
	ContractID      string        // default DefaultContractID
	Models          int           // models registered before any inference; default 6
	EventsPerLedger int           // contract calls per ledger once models exist; default 20
	RiskWeights     [4]int        // relative weights of low, medium, high, critical; default 70,20,8,2
	BiasRate        float64       // share of calls that flag bias instead of logging an inference, in [0, 1]
	StartLedger     uint32        // first generated ledger; default 1000
	StartTime       time.Time     // close time of StartLedger; default 2026-01-01T00:00:00Z
	LedgerInterval  time.Duration // time between ledgers; default 5s
}

func (o *GeneratorOptions) setDefaults() error {
	if o.ContractID == "" {
		o.ContractID = DefaultContractID
	}
	if _, err := strkey.Decode(strkey.VersionByteContract, o.ContractID); err != nil {
		return fmt.Errorf("contract id %q is not a C... strkey", o.ContractID)
	}
	if o.Models == 0 {
		o.Models = 6
	}
	if o.EventsPerLedger == 0 {
		o.EventsPerLedger = 20
	}
	if o.RiskWeights == [4]int{} {
		o.RiskWeights = [4]int{70, 20, 8, 2}
	}
	if o.StartLedger == 0 {
		o.StartLedger = 1000
	}
	if o.StartTime.IsZero() {
		o.StartTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if o.LedgerInterval == 0 {
		o.LedgerInterval = 5 * time.Second
	}
	return o.validate()
}

func (o *GeneratorOptions) validate() error {
	weights := 0
	for _, w := range o.RiskWeights {
		if w < 0 {
			return fmt.Errorf("risk weights %v contain a negative weight: use weights >= 0", o.RiskWeights)
		}
		weights += w
	}
	switch {
	case o.Models < 0 || o.EventsPerLedger < 0:
		return fmt.Errorf("models (%d) and events per ledger (%d) must not be negative", o.Models, o.EventsPerLedger)
	case weights == 0:
		return errors.New("risk weights are all zero: give at least one level a positive weight")
	case o.BiasRate < 0 || o.BiasRate > 1:
		return fmt.Errorf("bias rate %g is outside [0, 1]", o.BiasRate)
	case o.LedgerInterval < 0:
		return fmt.Errorf("ledger interval %s is negative", o.LedgerInterval)
	}
	return nil
}

// Block is one generated ledger: its events in chain order and the ledger entries the
// ledger's calls wrote, with their final values.
type Block struct {
	Sequence  uint32
	CloseTime time.Time
	Events    []StoredEvent
	Entries   []FixtureEntry // base64 key and LedgerEntry
}

// Generator simulates the audit-registry contract deterministically: it executes
// register_model, log_inference and flag_bias calls against its own state, and emits the
// events and storage entries the Soroban host would, encoded through pkg/registry.
type Generator struct {
	opts GeneratorOptions
	rng  *rand.Rand

	state    contractState
	auditors []string

	ledger    uint32 // last generated or replayed ledger; 0 before the first
	closeTime time.Time
}

// NewGenerator returns a generator positioned before opts.StartLedger.
func NewGenerator(opts GeneratorOptions) (*Generator, error) {
	if err := opts.setDefaults(); err != nil {
		return nil, fmt.Errorf("generator options: %w", err)
	}
	g := &Generator{
		opts:      opts,
		rng:       rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)),
		state:     newContractState(opts.ContractID),
		ledger:    opts.StartLedger - 1,
		closeTime: opts.StartTime.Add(-opts.LedgerInterval),
	}
	for range 3 {
		g.auditors = append(g.auditors, g.randomAccount())
	}
	return g, nil
}

// ContractID returns the strkey of the simulated registry contract.
func (g *Generator) ContractID() string { return g.opts.ContractID }

// Ledger returns the last generated or replayed ledger and its close time.
func (g *Generator) Ledger() (uint32, time.Time) { return g.ledger, g.closeTime }

// Stats returns the contract's RegistryStats.
func (g *Generator) Stats() registry.Stats { return g.state.stats }

// Model returns the stored record of a model, or false if no such model is registered.
func (g *Generator) Model(id uint64) (registry.ModelRecord, bool) {
	if id == 0 || id > uint64(len(g.state.models)) {
		return registry.ModelRecord{}, false
	}
	return g.state.models[id-1], true
}

// NextLedger generates the ledger after the last one, LedgerInterval later.
func (g *Generator) NextLedger() (Block, error) {
	return g.NextLedgerAt(g.closeTime.Add(g.opts.LedgerInterval))
}

// NextLedgerAt generates the ledger after the last one, closing at closeTime. The first
// ledgers register the missing models; the others carry EventsPerLedger inference and
// bias calls.
func (g *Generator) NextLedgerAt(closeTime time.Time) (Block, error) {
	g.ledger++
	g.closeTime = closeTime
	block := Block{Sequence: g.ledger, CloseTime: closeTime}

	calls := g.plannedCalls()
	for i, c := range calls {
		ev, err := g.apply(c)
		if err != nil {
			return Block{}, fmt.Errorf("ledger %d call %d: %w", g.ledger, i+1, err)
		}
		topics, value, err := registry.EncodeEvent(ev)
		if err != nil {
			return Block{}, fmt.Errorf("encode %s event in ledger %d: %w", ev.Kind, g.ledger, err)
		}
		block.Events = append(block.Events, StoredEvent{
			Ledger: g.ledger, TxIndex: uint32(i + 1), ContractID: g.opts.ContractID,
			Topics: topics, Value: value,
		})
	}

	entries, err := g.state.dirtyEntries()
	if err != nil {
		return Block{}, err
	}
	block.Entries = entries
	return block, nil
}

// plannedCalls draws the calls of the next ledger.
func (g *Generator) plannedCalls() []DecodedCall {
	var calls []DecodedCall
	for len(g.state.models)+len(calls) < g.opts.Models {
		calls = append(calls, g.randomRegistration(uint64(len(g.state.models)+len(calls)+1)))
	}
	if len(calls) > 0 || len(g.state.models) == 0 {
		return calls
	}

	for range g.opts.EventsPerLedger {
		id := 1 + g.rng.Uint64N(uint64(len(g.state.models)))
		if g.rng.Float64() < g.opts.BiasRate {
			calls = append(calls, DecodedCall{Kind: string(registry.KindBiasFlagged), ModelID: id,
				Auditor: g.auditors[g.rng.IntN(len(g.auditors))], EvidenceHash: g.randomHash()})
			continue
		}
		calls = append(calls, DecodedCall{Kind: string(registry.KindInferenceLogged), ModelID: id,
			Operator: g.state.models[id-1].Operator, RiskLevel: g.randomRisk(), PayloadHash: g.randomHash()})
	}
	return calls
}

var modelNames = []string{"credit-score", "fraud-screen", "triage-assist", "resume-rank", "loan-approve", "claims-review"}

func (g *Generator) randomRegistration(id uint64) DecodedCall {
	return DecodedCall{
		Kind:            string(registry.KindModelRegistered),
		ModelID:         id,
		Operator:        g.randomAccount(),
		Name:            fmt.Sprintf("%s-%d", modelNames[(id-1)%uint64(len(modelNames))], id),
		Version:         fmt.Sprintf("1.%d.0", g.rng.IntN(10)),
		WeightsHash:     g.randomHash(),
		TrainingDataCID: "bafy" + g.randomHash()[:40],
	}
}

func (g *Generator) randomRisk() uint32 {
	total := 0
	for _, w := range g.opts.RiskWeights {
		total += w
	}
	n := g.rng.IntN(total)
	for level, w := range g.opts.RiskWeights {
		if n < w {
			return uint32(level)
		}
		n -= w
	}
	return uint32(registry.RiskLow)
}

func (g *Generator) randomHash() string {
	var b [32]byte
	for i := range 4 {
		v := g.rng.Uint64()
		for j := range 8 {
			b[i*8+j] = byte(v >> (8 * j))
		}
	}
	return hex.EncodeToString(b[:])
}

func (g *Generator) randomAccount() string {
	raw, _ := hex.DecodeString(g.randomHash())
	return strkey.MustEncode(strkey.VersionByteAccountID, raw)
}
