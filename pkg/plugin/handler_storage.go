package plugin

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/stellar/go-stellar-sdk/xdr"

	"github.com/modeltrace/soroban-datasource/pkg/frames"
	"github.com/modeltrace/soroban-datasource/pkg/registry"
)

// queryStats reads RegistryStats from the contract instance entry.
func (d *Datasource) queryStats(ctx context.Context, q Query) backend.DataResponse {
	stats, ledger, shared, err := d.sharedStats(ctx)
	if err != nil {
		return errorResponse(err)
	}

	frame := frames.StatsFrame(stats, ledger)
	frame.RefID = q.RefID
	executed := fmt.Sprintf("getLedgerEntries contract instance of %s at ledger %d; rpcCalls=1", d.settings.RegistryContractID, ledger)
	if shared {
		executed = fmt.Sprintf("contract instance of %s at ledger %d, read by getLedgerEntries within the last 2 s for another query; rpcCalls=0",
			d.settings.RegistryContractID, ledger)
	}
	annotate(frame, executed, nil)
	return backend.DataResponse{Frames: data.Frames{frame}}
}

// statsRead is the registry counters and the ledger they were read at.
type statsRead struct {
	stats  registry.Stats
	ledger uint32
}

// sharedStats returns the registry counters, the ledger they were read at, and whether the
// read was shared with another query of the same refresh.
func (d *Datasource) sharedStats(ctx context.Context) (registry.Stats, uint32, bool, error) {
	read, shared, err := d.stats.get("stats", func() (statsRead, error) {
		stats, ledger, err := d.readStats(ctx)
		return statsRead{stats: stats, ledger: ledger}, err
	})
	return read.stats, read.ledger, shared, err
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
	read, err := d.readModels(ctx, q.ModelIDs, q.Limit)
	if err != nil {
		return errorResponse(err)
	}

	frame := frames.ModelsFrame(read.models)
	frame.RefID = q.RefID
	annotate(frame, fmt.Sprintf("getLedgerEntries %d model record(s) of %s; rpcCalls=%d",
		len(read.models), d.settings.RegistryContractID, read.calls), read.notices())
	return backend.DataResponse{Frames: data.Frames{frame}}
}

// modelsRead is the result of readModels.
type modelsRead struct {
	models    []registry.ModelRecord // newest first
	calls     int                    // RPC calls made
	missing   []uint64               // requested ids whose entry the node did not return
	malformed []uint64               // ids whose entry is not a ModelRecord
}

// notices returns the notices that name requested models missing from the table.
func (r modelsRead) notices() []data.Notice {
	var notices []data.Notice
	if len(r.missing) > 0 {
		notices = append(notices, data.Notice{Severity: data.NoticeSeverityWarning, Text: fmt.Sprintf(
			"%d model record(s) were not found: ids %s. They were never registered, or their storage entry expired and must be restored on chain.",
			len(r.missing), joinIDs(r.missing))})
	}
	if len(r.malformed) > 0 {
		notices = append(notices, data.Notice{Severity: data.NoticeSeverityWarning, Text: fmt.Sprintf(
			"%d model record(s) could not be decoded and are not listed: ids %s.", len(r.malformed), joinIDs(r.malformed))})
	}
	return notices
}

// joinIDs lists at most 20 ids, then how many more there are.
func joinIDs(ids []uint64) string {
	listed := ids[:min(len(ids), 20)]
	text := joinUints(listed)
	text = strings.ReplaceAll(text, "-", ", ")
	if len(ids) > len(listed) {
		text += fmt.Sprintf(" and %d more", len(ids)-len(listed))
	}
	return text
}

// readModels returns the records of ids (all models when ids is empty), newest first, at most
// limit of them when limit > 0.
func (d *Datasource) readModels(ctx context.Context, ids []uint64, limit int) (modelsRead, error) {
	var read modelsRead
	if len(ids) == 0 {
		stats, _, shared, err := d.sharedStats(ctx)
		if err != nil {
			return read, err
		}
		if !shared {
			read.calls++
		}
		for id := stats.TotalModels; id >= 1; id-- {
			ids = append(ids, id)
		}
		// Ids run from 1 to TotalModels, so the newest limit of them all exist.
		if limit > 0 && len(ids) > limit {
			ids = ids[:limit]
		}
	} else {
		ids = slices.Clone(ids)
		slices.Reverse(ids)
	}
	if len(ids) == 0 {
		return read, nil
	}

	keys := make([]xdr.LedgerKey, len(ids))
	for i, id := range ids {
		key, err := registry.ModelKey(d.settings.RegistryContractID, id)
		if err != nil {
			return read, downstream(fmt.Errorf("invalid registry contract id: %w", err))
		}
		keys[i] = key
	}
	entries, _, entryCalls, err := d.rpc.LedgerEntries(ctx, keys)
	read.calls += entryCalls
	if err != nil {
		return read, fmt.Errorf("read %d model record(s) of %s: %w", len(keys), d.settings.RegistryContractID, err)
	}

	for i, key := range keys {
		entry, ok := entries[mustKeyString(key)]
		if !ok {
			read.missing = append(read.missing, ids[i])
			continue
		}
		model, err := registry.DecodeModel(entry)
		if err != nil {
			log.DefaultLogger.FromContext(ctx).Warn("Skipped undecodable model record",
				"contract", d.settings.RegistryContractID, "model", ids[i], "error", err)
			read.malformed = append(read.malformed, ids[i])
			continue
		}
		read.models = append(read.models, model)
	}
	if limit > 0 && len(read.models) > limit {
		read.models = read.models[:limit]
	}
	return read, nil
}

// mustKeyString encodes a ledger key built by pkg/registry, which always marshals.
func mustKeyString(key xdr.LedgerKey) string {
	encoded, err := xdr.MarshalBase64(key)
	if err != nil {
		panic(fmt.Sprintf("marshal ledger key: %v", err))
	}
	return encoded
}
