package sorobantest

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/stellar/go-stellar-sdk/xdr"

	"github.com/modeltrace/soroban-datasource/pkg/registry"
)

// Apply executes one contract call in ledger, which closes at closeTime, and returns the
// emitted event's topics and value (base64 XDR). The ledger must not be before the last
// one. The call's output ids (model_id of a registration, event_id) are computed, not read.
func (g *Generator) Apply(ledger uint32, closeTime time.Time, call DecodedCall) ([]string, string, error) {
	if ledger < g.ledger {
		return nil, "", fmt.Errorf("call in ledger %d is before the generator's ledger %d: apply calls in chain order",
			ledger, g.ledger)
	}
	g.ledger, g.closeTime = ledger, closeTime

	ev, err := g.apply(call)
	if err != nil {
		return nil, "", err
	}
	topics, value, err := registry.EncodeEvent(ev)
	if err != nil {
		return nil, "", fmt.Errorf("encode %s event: %w", ev.Kind, err)
	}
	return topics, value, nil
}

// Replay applies a fixture's calls in order so the generator continues from the state
// the fixture ends in. The fixture's instance entry (executable and other storage keys)
// becomes the template that later Stats are written into. It fails when the fixture's contract differs from the generator's or when a
// generated event is not byte-identical to the recorded one.
func (g *Generator) Replay(f *Fixture) error {
	if f.ContractID != g.opts.ContractID {
		return fmt.Errorf("fixture contract %s differs from the generator's %s: set GeneratorOptions.ContractID",
			f.ContractID, g.opts.ContractID)
	}
	var instance xdr.LedgerEntry
	if err := xdr.SafeUnmarshalBase64(f.Instance.Entry, &instance); err != nil {
		return fmt.Errorf("decode fixture instance entry: %w", err)
	}
	if instance.Data.ContractData == nil || instance.Data.ContractData.Val.Instance == nil {
		return fmt.Errorf("fixture instance entry is not a contract instance")
	}

	for i, e := range f.Events {
		topics, value, err := g.Apply(e.Ledger, time.Unix(e.CloseTime, 0).UTC(), e.Decoded)
		if err != nil {
			return fmt.Errorf("replay fixture event %d: %w", i, err)
		}
		if !slices.Equal(topics, e.Topics) || value != e.Value {
			return fmt.Errorf("replay fixture event %d (%s): generated XDR differs from the recorded event",
				i, e.Decoded.Kind)
		}
	}

	g.state.instance = instance
	if n := len(f.Ledgers); n > 0 {
		last := f.Ledgers[n-1]
		g.ledger, g.closeTime = last.Sequence, time.Unix(last.CloseTime, 0).UTC()
	}
	clear(g.state.dirtyModels)
	g.state.instanceWritten = false
	return nil
}

// InstanceEntry returns the contract instance entry with the current Stats.
func (g *Generator) InstanceEntry() (xdr.LedgerEntry, error) {
	return g.state.instanceEntry()
}

// ModelEntry returns the persistent entry of a registered model.
func (g *Generator) ModelEntry(id uint64) (xdr.LedgerEntry, error) {
	return g.state.modelEntry(id)
}

// Entries returns every ledger entry of the contract: the instance, then models by id.
func (g *Generator) Entries() ([]FixtureEntry, error) {
	ids := make([]uint64, len(g.state.models))
	for i := range ids {
		ids[i] = uint64(i + 1)
	}
	return g.state.encodeEntries(true, ids)
}

// dirtyEntries returns the entries written since the last call and clears the record of them.
func (st *contractState) dirtyEntries() ([]FixtureEntry, error) {
	ids := slices.Sorted(maps.Keys(st.dirtyModels))
	entries, err := st.encodeEntries(st.instanceWritten, ids)
	clear(st.dirtyModels)
	st.instanceWritten = false
	return entries, err
}

func (st *contractState) encodeEntries(withInstance bool, ids []uint64) ([]FixtureEntry, error) {
	var entries []FixtureEntry
	if withInstance {
		key, err := registry.InstanceKey(st.contractID)
		if err != nil {
			return nil, err
		}
		entry, err := st.instanceEntry()
		if err != nil {
			return nil, err
		}
		if entries, err = appendEntry(entries, key, entry); err != nil {
			return nil, err
		}
	}

	for _, id := range ids {
		key, err := registry.ModelKey(st.contractID, id)
		if err != nil {
			return nil, err
		}
		entry, err := st.modelEntry(id)
		if err != nil {
			return nil, err
		}
		if entries, err = appendEntry(entries, key, entry); err != nil {
			return nil, err
		}
	}
	return entries, nil
}

func appendEntry(entries []FixtureEntry, key xdr.LedgerKey, entry xdr.LedgerEntry) ([]FixtureEntry, error) {
	k, err := xdr.MarshalBase64(key)
	if err != nil {
		return nil, fmt.Errorf("encode ledger key: %w", err)
	}
	e, err := xdr.MarshalBase64(entry)
	if err != nil {
		return nil, fmt.Errorf("encode ledger entry: %w", err)
	}
	return append(entries, FixtureEntry{Key: k, Entry: e}), nil
}

// AddBlock stores a generated ledger: the ledger, its events and the entries it wrote.
func (s *Server) AddBlock(b Block) error {
	for i, e := range b.Events {
		if err := s.AppendEvent(e); err != nil {
			return fmt.Errorf("ledger %d event %d: %w", b.Sequence, i, err)
		}
	}
	for _, e := range b.Entries {
		if err := s.PutLedgerEntry(e.Key, e.Entry); err != nil {
			return fmt.Errorf("ledger %d: %w", b.Sequence, err)
		}
	}
	// The ledger goes last so readers never see it before its events and entries.
	s.AddLedger(b.Sequence, b.CloseTime)
	return nil
}
