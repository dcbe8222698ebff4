package frames

import (
	"strconv"
	"strings"

	"github.com/modeltrace/soroban-datasource/pkg/registry"
)

// Log levels of the events frame, as Grafana's logs panel names them.
const (
	levelInfo     = "info"
	levelWarning  = "warning"
	levelError    = "error"
	levelCritical = "critical"
)

// eventBody summarises ev as one logfmt line, which Grafana's logs panel splits into fields.
func eventBody(ev registry.Event) string {
	var b logfmt
	b.add("kind", string(ev.Kind))
	b.add("model", strconv.FormatUint(ev.ModelID, 10))

	switch ev.Kind {
	case registry.KindModelRegistered:
		b.add("name", ev.Name)
		b.add("version", ev.Version)
		b.add("operator", ev.Operator)
		b.add("weights_hash", ev.WeightsHash)
		b.add("training_data_cid", ev.TrainingDataCID)
	case registry.KindInferenceLogged:
		b.add("risk", ev.Risk.String())
		b.add("event_id", strconv.FormatUint(ev.EventID, 10))
		b.add("operator", ev.Operator)
		b.add("payload_hash", ev.PayloadHash)
	case registry.KindBiasFlagged:
		b.add("event_id", strconv.FormatUint(ev.EventID, 10))
		b.add("auditor", ev.Auditor)
		b.add("evidence_hash", ev.EvidenceHash)
	}
	return b.String()
}

// eventLevel maps ev to a log level: inferences by risk, bias flags as warnings and the rest
// as info.
func eventLevel(ev registry.Event) string {
	switch {
	case ev.Kind == registry.KindBiasFlagged:
		return levelWarning
	case ev.Kind != registry.KindInferenceLogged:
		return levelInfo
	case ev.Risk == registry.RiskCritical:
		return levelCritical
	case ev.Risk == registry.RiskHigh:
		return levelError
	case ev.Risk == registry.RiskMedium:
		return levelWarning
	default:
		return levelInfo
	}
}

// eventActor returns the account that caused ev: the auditor of a bias flag, else the operator.
func eventActor(ev registry.Event) string {
	if ev.Kind == registry.KindBiasFlagged {
		return ev.Auditor
	}
	return ev.Operator
}

// eventHash returns the hash ev carries: weights, payload or evidence hash.
func eventHash(ev registry.Event) string {
	switch ev.Kind {
	case registry.KindModelRegistered:
		return ev.WeightsHash
	case registry.KindInferenceLogged:
		return ev.PayloadHash
	case registry.KindBiasFlagged:
		return ev.EvidenceHash
	default:
		return ""
	}
}

// biasFlagText is the annotation text of a bias flag.
func biasFlagText(ev registry.Event) string {
	return "Bias flag " + strconv.FormatUint(ev.EventID, 10) +
		" on model " + strconv.FormatUint(ev.ModelID, 10) +
		" by " + ev.Auditor + ", evidence " + ev.EvidenceHash
}

// logfmt builds a logfmt line: key=value pairs separated by spaces, with values quoted when
// they are empty or contain spaces, quotes or '='.
type logfmt struct {
	strings.Builder
}

func (l *logfmt) add(key, value string) {
	if l.Len() > 0 {
		l.WriteByte(' ')
	}
	l.WriteString(key)
	l.WriteByte('=')
	if value == "" || strings.ContainsAny(value, " \"=\t\n\\") {
		value = strconv.Quote(value)
	}
	l.WriteString(value)
}
