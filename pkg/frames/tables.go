package frames

import (
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/modeltrace/soroban-datasource/pkg/registry"
)

// StatsFrame returns the registry counters as a one-row frame with the fields total_models,
// total_events, high_risk_flags, bias_flags and ledger (the ledger they were read at).
func StatsFrame(stats registry.Stats, ledger uint32) *data.Frame {
	return data.NewFrame("stats",
		data.NewField("total_models", nil, []uint64{stats.TotalModels}),
		data.NewField("total_events", nil, []uint64{stats.TotalEvents}),
		data.NewField("high_risk_flags", nil, []uint64{stats.HighRiskFlags}),
		data.NewField("bias_flags", nil, []uint64{stats.BiasFlags}),
		data.NewField("ledger", nil, []uint32{ledger}),
	)
}

// ModelsFrame returns one table row per model record, in the order given.
func ModelsFrame(models []registry.ModelRecord) *data.Frame {
	n := len(models)
	ids := make([]uint64, n)
	names, versions, operators := make([]string, n), make([]string, n), make([]string, n)
	weights, cids := make([]string, n), make([]string, n)
	registeredLedgers, lastLedgers := make([]uint32, n), make([]uint32, n)
	registeredAt := make([]time.Time, n)
	inferences, highRisk, biasFlags := make([]uint64, n), make([]uint64, n), make([]uint64, n)

	for i, m := range models {
		ids[i] = m.ID
		names[i], versions[i], operators[i] = m.Name, m.Version, m.Operator
		weights[i], cids[i] = m.WeightsHash, m.TrainingDataCID
		registeredLedgers[i], lastLedgers[i] = m.RegisteredLedger, m.LastEventLedger
		registeredAt[i] = time.Unix(int64(m.RegisteredAt), 0).UTC()
		inferences[i], highRisk[i], biasFlags[i] = m.InferenceCount, m.HighRiskCount, m.BiasFlagCount
	}

	frame := data.NewFrame("models",
		data.NewField("model_id", nil, ids),
		data.NewField("name", nil, names),
		data.NewField("version", nil, versions),
		data.NewField("operator", nil, operators),
		data.NewField("weights_hash", nil, weights),
		data.NewField("training_data_cid", nil, cids),
		data.NewField("registered_ledger", nil, registeredLedgers),
		data.NewField("registered_at", nil, registeredAt),
		data.NewField("inference_count", nil, inferences),
		data.NewField("high_risk_count", nil, highRisk),
		data.NewField("bias_flag_count", nil, biasFlags),
		data.NewField("last_event_ledger", nil, lastLedgers),
	)
	frame.Meta = &data.FrameMeta{PreferredVisualization: data.VisTypeTable}
	return frame
}

// EventRow is a decoded registry event with its place on the chain.
type EventRow struct {
	Time   time.Time // close time of the ledger
	Ledger uint32
	TxHash string
	ID     string // getEvents event id, which sorts in chain order
	Event  registry.Event
}

// EventsFrame returns one row per event, in the order given, shaped for both the table and
// the logs visualization. The fields are time, body (a logfmt summary), level (info, warning,
// error or critical, for log colouring), ledger, tx_hash, event_id, kind, model_id, risk
// (empty unless inference_logged), actor (operator or auditor) and hash (weights, payload or
// evidence hash).
func EventsFrame(rows []EventRow) *data.Frame {
	n := len(rows)
	times := make([]time.Time, n)
	bodies, levels := make([]string, n), make([]string, n)
	ledgers := make([]uint32, n)
	txHashes, ids, kinds := make([]string, n), make([]string, n), make([]string, n)
	models := make([]uint64, n)
	risks, actors, hashes := make([]string, n), make([]string, n), make([]string, n)

	for i, row := range rows {
		ev := row.Event
		times[i], ledgers[i], txHashes[i], ids[i] = row.Time, row.Ledger, row.TxHash, row.ID
		bodies[i], levels[i] = eventBody(ev), eventLevel(ev)
		kinds[i], models[i] = string(ev.Kind), ev.ModelID
		actors[i], hashes[i] = eventActor(ev), eventHash(ev)
		if ev.Kind == registry.KindInferenceLogged {
			risks[i] = ev.Risk.String()
		}
	}

	frame := data.NewFrame("events",
		data.NewField("time", nil, times),
		data.NewField("body", nil, bodies),
		data.NewField("level", nil, levels),
		data.NewField("ledger", nil, ledgers),
		data.NewField("tx_hash", nil, txHashes),
		data.NewField("event_id", nil, ids),
		data.NewField("kind", nil, kinds),
		data.NewField("model_id", nil, models),
		data.NewField("risk", nil, risks),
		data.NewField("actor", nil, actors),
		data.NewField("hash", nil, hashes),
	)
	frame.Meta = &data.FrameMeta{PreferredVisualization: data.VisTypeLogs}
	return frame
}

// BiasFlagsTable returns one row per bias flag, in the order given, with a "text" field that
// Grafana uses as the annotation text.
func BiasFlagsTable(rows []EventRow) *data.Frame {
	n := len(rows)
	times := make([]time.Time, n)
	ledgers := make([]uint32, n)
	txHashes, ids := make([]string, n), make([]string, n)
	models, flagIDs := make([]uint64, n), make([]uint64, n)
	auditors, evidence, texts := make([]string, n), make([]string, n), make([]string, n)

	for i, row := range rows {
		ev := row.Event
		times[i], ledgers[i], txHashes[i], ids[i] = row.Time, row.Ledger, row.TxHash, row.ID
		models[i], flagIDs[i] = ev.ModelID, ev.EventID
		auditors[i], evidence[i] = ev.Auditor, ev.EvidenceHash
		texts[i] = biasFlagText(ev)
	}

	frame := data.NewFrame("bias_flags",
		data.NewField("time", nil, times),
		data.NewField("ledger", nil, ledgers),
		data.NewField("tx_hash", nil, txHashes),
		data.NewField("event_id", nil, ids),
		data.NewField("model_id", nil, models),
		data.NewField("flag_id", nil, flagIDs),
		data.NewField("auditor", nil, auditors),
		data.NewField("evidence_hash", nil, evidence),
		data.NewField("text", nil, texts),
	)
	frame.Meta = &data.FrameMeta{PreferredVisualization: data.VisTypeTable}
	return frame
}

// Annotate sets the frame's executed query string, unless executed is empty, and appends
// notices to the frame's notices.
func Annotate(f *data.Frame, executed string, notices ...data.Notice) {
	if f.Meta == nil {
		f.Meta = &data.FrameMeta{}
	}
	if executed != "" {
		f.Meta.ExecutedQueryString = executed
	}
	f.Meta.Notices = append(f.Meta.Notices, notices...)
}
