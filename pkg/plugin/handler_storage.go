package plugin

import (
	"context"
	"fmt"
	"slices"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/stellar/go-stellar-sdk/xdr"

	"github.com/modeltrace/soroban-datasource/pkg/frames"
	"github.com/modeltrace/soroban-datasource/pkg/registry"
)

// queryStats reads RegistryStats from the contract instance entry.
func (d *Datasource) queryStats(ctx context.Context, q Query) backend.DataResponse {
	stats, ledger, err := d.readStats(ctx)
	if err != nil {
		return errorResponse(err)
	}

	frame := frames.StatsFrame(stats, ledger)
	frame.RefID = q.RefID
	annotate(frame, fmt.Sprintf("getLedgerEntries contract instance of %s at ledger %d; rpcCalls=1", d.settings.RegistryContractID, ledger), nil)
	return backend.DataResponse{Frames: data.Frames{frame}}
}

// readStats returns the registry counters and the ledger they were read at.
func (d *Datasource) readStats(ctx context.Context) (registry.Stats, uint32, error) {
	key, err := registry.InstanceKey(d.settings.RegistryContractID)
	if err != nil {
		return registry.Stats{}, 0, downstream(fmt.Errorf("invalid registry contract id: %w", err))
	}

	entries, latest, _, err := d.rpc.LedgerEntries(ctx, []xdr.LedgerKey{key})
	if err != nil {
		return registry.Stats{}, 0, fmt.Errorf("read contract instance %s: %w", d.settings.RegistryContractID, err)
	}
	entry, ok := entries[mustKeyString(key)]
	if !ok {
		return registry.Stats{}, 0, downstream(fmt.Errorf("contract %s not found on network %q: check the contract id and the network in the datasource settings",
			d.settings.RegistryContractID, d.settings.NetworkPassphrase))
	}

	stats, err := registry.DecodeStats(entry)
	if err != nil {
		return registry.Stats{}, 0, downstream(fmt.Errorf("contract %s does not hold ModelTrace registry stats: %w: check that the id is the audit-registry contract",
			d.settings.RegistryContractID, err))
	}
	return stats, latest, nil
}

// queryModels reads ModelRecords from persistent storage, newest model first.
func (d *Datasource) queryModels(ctx context.Context, q Query) backend.DataResponse {
	models, calls, err := d.readModels(ctx, q.ModelIDs, q.Limit)
	if err != nil {
		return errorResponse(err)
	}

	frame := frames.ModelsFrame(models)
	frame.RefID = q.RefID
	annotate(frame, fmt.Sprintf("getLedgerEntries %d model record(s) of %s; rpcCalls=%d", len(models), d.settings.RegistryContractID, calls), nil)
	return backend.DataResponse{Frames: data.Frames{frame}}
}

// readModels returns the records of ids (all models when ids is empty), newest first, at most
// limit of them when limit > 0. It also returns the RPC calls it made.
func (d *Datasource) readModels(ctx context.Context, ids []uint64, limit int) ([]registry.ModelRecord, int, error) {
	calls := 0
	if len(ids) == 0 {
		stats, _, err := d.readStats(ctx)
		if err != nil {
			return nil, 0, err
		}
		calls++
		for id := stats.TotalModels; id >= 1; id-- {
			ids = append(ids, id)
		}
	} else {
		ids = slices.Clone(ids)
		slices.Reverse(ids)
	}
	if limit > 0 && len(ids) > limit {
		ids = ids[:limit]
	}
	if len(ids) == 0 {
		return nil, calls, nil
	}

	keys := make([]xdr.LedgerKey, len(ids))
	for i, id := range ids {
		key, err := registry.ModelKey(d.settings.RegistryContractID, id)
		if err != nil {
			return nil, calls, downstream(fmt.Errorf("invalid registry contract id: %w", err))
		}
		keys[i] = key
	}
	entries, _, entryCalls, err := d.rpc.LedgerEntries(ctx, keys)
	calls += entryCalls
	if err != nil {
		return nil, calls, fmt.Errorf("read %d model record(s) of %s: %w", len(keys), d.settings.RegistryContractID, err)
	}

	models := make([]registry.ModelRecord, 0, len(entries))
	for _, key := range keys {
		entry, ok := entries[mustKeyString(key)]
		if !ok {
			continue
		}
		model, err := registry.DecodeModel(entry)
		if err != nil {
			return nil, calls, fmt.Errorf("decode model record of %s: %w", d.settings.RegistryContractID, err)
		}
		models = append(models, model)
	}
	return models, calls, nil
}

// mustKeyString encodes a ledger key built by pkg/registry, which always marshals.
func mustKeyString(key xdr.LedgerKey) string {
	encoded, err := xdr.MarshalBase64(key)
	if err != nil {
		panic(fmt.Sprintf("marshal ledger key: %v", err))
	}
	return encoded
}
