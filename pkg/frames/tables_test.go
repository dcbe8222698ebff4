package frames

import (
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modeltrace/soroban-datasource/pkg/registry"
)

const (
	operatorKey = "GDHV434GESQHPBOZ7WSHQQZUSH7GQYFVVIDECYFALF5RLWQY4R4RGLOJ"
	auditorKey  = "GCS4JQLPHPAKLXBIHIGFAG7V55MGWKCG5WVI2IQ5XZPFFY5PAZ7WQNKR"
	hashA       = "f932ff693283aaa5f5d4e568734fcb3b480e4e1960a9baea53b462da2e560568"
	hashB       = "5e9218a68c0d58f9f9c7c447ca8fb2610dc4735a0623f9103639b9566acdfcbe"
	txHash      = "b1d5d2b0c5f6ad1c4a0c2c5b40f4c6c5b8d3a1e2f0a9b8c7d6e5f4a3b2c1d0e9"
)

// column is one field of a table frame, for exact comparisons.
type column struct {
	Name   string
	Values []any
}

func columns(frame *data.Frame) []column {
	out := make([]column, len(frame.Fields))
	for i, f := range frame.Fields {
		values := make([]any, f.Len())
		for j := range values {
			values[j] = f.At(j)
		}
		out[i] = column{Name: f.Name, Values: values}
	}
	return out
}

func TestStatsFrame(t *testing.T) {
	frame := StatsFrame(registry.Stats{TotalModels: 6, TotalEvents: 315, HighRiskFlags: 55, BiasFlags: 12}, 1029)

	assert.Equal(t, "stats", frame.Name)
	assert.Equal(t, []column{
		{"total_models", []any{uint64(6)}},
		{"total_events", []any{uint64(315)}},
		{"high_risk_flags", []any{uint64(55)}},
		{"bias_flags", []any{uint64(12)}},
		{"ledger", []any{uint32(1029)}},
	}, columns(frame))
}

func TestModelsFrame(t *testing.T) {
	models := []registry.ModelRecord{
		{
			ID: 2, Operator: operatorKey, Name: "credit-risk", Version: "1.0.0", WeightsHash: hashA,
			TrainingDataCID: "bafyone", RegisteredLedger: 1000, RegisteredAt: 1767225600,
			InferenceCount: 42, HighRiskCount: 6, BiasFlagCount: 1, LastEventLedger: 1028,
		},
		{ID: 1, Operator: auditorKey, Name: "fraud scorer", WeightsHash: hashB},
	}
	frame := ModelsFrame(models)

	assert.Equal(t, "models", frame.Name)
	require.NotNil(t, frame.Meta)
	assert.Equal(t, data.VisType(data.VisTypeTable), frame.Meta.PreferredVisualization)
	assert.Equal(t, []column{
		{"model_id", []any{uint64(2), uint64(1)}},
		{"name", []any{"credit-risk", "fraud scorer"}},
		{"version", []any{"1.0.0", ""}},
		{"operator", []any{operatorKey, auditorKey}},
		{"weights_hash", []any{hashA, hashB}},
		{"training_data_cid", []any{"bafyone", ""}},
		{"registered_ledger", []any{uint32(1000), uint32(0)}},
		{"registered_at", []any{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Unix(0, 0).UTC()}},
		{"inference_count", []any{uint64(42), uint64(0)}},
		{"high_risk_count", []any{uint64(6), uint64(0)}},
		{"bias_flag_count", []any{uint64(1), uint64(0)}},
		{"last_event_ledger", []any{uint32(1028), uint32(0)}},
	}, columns(frame))
}

func TestModelsFrameEmpty(t *testing.T) {
	frame := ModelsFrame(nil)
	assert.Len(t, frame.Fields, 12)
	rows, err := frame.RowLen()
	require.NoError(t, err)
	assert.Equal(t, 0, rows)
}

func sampleRows() []EventRow {
	closed := time.Date(2026, 1, 1, 0, 0, 5, 0, time.UTC)
	return []EventRow{
		{Time: closed, Ledger: 1001, TxHash: txHash, ID: "0004299262742528-0000000000", Event: registry.Event{
			Kind: registry.KindModelRegistered, ModelID: 1, Operator: operatorKey, Name: "fraud scorer",
			Version: "2.1.0", WeightsHash: hashA, TrainingDataCID: "bafy",
		}},
		{Time: closed, Ledger: 1001, TxHash: txHash, ID: "0004299262746624-0000000000", Event: registry.Event{
			Kind: registry.KindInferenceLogged, ModelID: 4, Risk: registry.RiskCritical, EventID: 7,
			Operator: operatorKey, PayloadHash: hashB,
		}},
		{Time: closed.Add(5 * time.Second), Ledger: 1002, TxHash: txHash, ID: "0004303557713920-0000000001", Event: registry.Event{
			Kind: registry.KindBiasFlagged, ModelID: 3, EventID: 36, Auditor: auditorKey, EvidenceHash: hashA,
		}},
	}
}

func TestEventsFrame(t *testing.T) {
	rows := sampleRows()
	frame := EventsFrame(rows)

	assert.Equal(t, "events", frame.Name)
	require.NotNil(t, frame.Meta)
	assert.Equal(t, data.VisType(data.VisTypeLogs), frame.Meta.PreferredVisualization)
	assert.Equal(t, []column{
		{"time", []any{rows[0].Time, rows[1].Time, rows[2].Time}},
		{"body", []any{
			`kind=model_registered model=1 name="fraud scorer" version=2.1.0 operator=` + operatorKey +
				` weights_hash=` + hashA + ` training_data_cid=bafy`,
			`kind=inference_logged model=4 risk=critical event_id=7 operator=` + operatorKey + ` payload_hash=` + hashB,
			`kind=bias_flagged model=3 event_id=36 auditor=` + auditorKey + ` evidence_hash=` + hashA,
		}},
		{"level", []any{"info", "critical", "warning"}},
		{"ledger", []any{uint32(1001), uint32(1001), uint32(1002)}},
		{"tx_hash", []any{txHash, txHash, txHash}},
		{"event_id", []any{"0004299262742528-0000000000", "0004299262746624-0000000000", "0004303557713920-0000000001"}},
		{"kind", []any{"model_registered", "inference_logged", "bias_flagged"}},
		{"model_id", []any{uint64(1), uint64(4), uint64(3)}},
		{"risk", []any{"", "critical", ""}},
		{"actor", []any{operatorKey, operatorKey, auditorKey}},
		{"hash", []any{hashA, hashB, hashA}},
	}, columns(frame))
}

func TestEventsFrameLevels(t *testing.T) {
	want := map[registry.RiskLevel]string{
		registry.RiskLow: "info", registry.RiskMedium: "warning",
		registry.RiskHigh: "error", registry.RiskCritical: "critical",
	}
	for risk, level := range want {
		t.Run(risk.String(), func(t *testing.T) {
			row := EventRow{Event: registry.Event{Kind: registry.KindInferenceLogged, Risk: risk}}
			frame := EventsFrame([]EventRow{row})
			field, _ := frame.FieldByName("level")
			require.NotNil(t, field)
			assert.Equal(t, level, field.At(0))
		})
	}
}

func TestEventsFrameQuotesBody(t *testing.T) {
	row := EventRow{Event: registry.Event{
		Kind: registry.KindModelRegistered, ModelID: 2, Name: `a="b"`, Version: "",
		Operator: operatorKey, WeightsHash: hashA, TrainingDataCID: "line\nbreak",
	}}
	field, _ := EventsFrame([]EventRow{row}).FieldByName("body")
	require.NotNil(t, field)
	assert.Equal(t, `kind=model_registered model=2 name="a=\"b\"" version="" operator=`+operatorKey+
		` weights_hash=`+hashA+` training_data_cid="line\nbreak"`, field.At(0))
}

func TestEventsFrameEmpty(t *testing.T) {
	frame := EventsFrame(nil)
	assert.Len(t, frame.Fields, 11)
	rows, err := frame.RowLen()
	require.NoError(t, err)
	assert.Equal(t, 0, rows)
}

func TestBiasFlagsTable(t *testing.T) {
	row := sampleRows()[2]
	frame := BiasFlagsTable([]EventRow{row})

	assert.Equal(t, "bias_flags", frame.Name)
	require.NotNil(t, frame.Meta)
	assert.Equal(t, data.VisType(data.VisTypeTable), frame.Meta.PreferredVisualization)
	assert.Equal(t, []column{
		{"time", []any{row.Time}},
		{"ledger", []any{uint32(1002)}},
		{"tx_hash", []any{txHash}},
		{"event_id", []any{"0004303557713920-0000000001"}},
		{"model_id", []any{uint64(3)}},
		{"flag_id", []any{uint64(36)}},
		{"auditor", []any{auditorKey}},
		{"evidence_hash", []any{hashA}},
		{"text", []any{"Bias flag 36 on model 3 by " + auditorKey + ", evidence " + hashA}},
	}, columns(frame))
}

func TestAnnotate(t *testing.T) {
	notice := data.Notice{Severity: data.NoticeSeverityWarning, Text: "range clamped"}

	t.Run("nil meta", func(t *testing.T) {
		frame := StatsFrame(registry.Stats{}, 1)
		Annotate(frame, "getLedgerEntries 1 key", notice)
		require.NotNil(t, frame.Meta)
		assert.Equal(t, "getLedgerEntries 1 key", frame.Meta.ExecutedQueryString)
		assert.Equal(t, []data.Notice{notice}, frame.Meta.Notices)
	})
	t.Run("keeps meta", func(t *testing.T) {
		frame := NewRiskCounter(fourMinutes(), false).Frame("risk")
		Annotate(frame, "getEvents ledgers [1000, 1030)")
		Annotate(frame, "", notice, notice)
		assert.Equal(t, data.FrameTypeTimeSeriesWide, frame.Meta.Type)
		assert.Equal(t, "getEvents ledgers [1000, 1030)", frame.Meta.ExecutedQueryString)
		assert.Equal(t, []data.Notice{notice, notice}, frame.Meta.Notices)
	})
}
