// Package registry is the schema of the ModelTrace audit-registry contract: its event topics
// and bodies, its storage keys and values, and the conversions between their XDR ScVal form
// (as Soroban RPC returns it) and Go structs.
package registry

import (
	"fmt"
	"strconv"
	"strings"
)

// RiskLevel is the risk level an operator gives an inference. Its wire form is a U32 ScVal.
type RiskLevel uint32

// Risk levels, in the order of the contract's #[repr(u32)] enum.
const (
	RiskLow RiskLevel = iota
	RiskMedium
	RiskHigh
	RiskCritical
)

// RiskLevels lists every risk level in ascending order.
var RiskLevels = []RiskLevel{RiskLow, RiskMedium, RiskHigh, RiskCritical}

var riskNames = [...]string{"low", "medium", "high", "critical"}

// ParseRiskLevel parses a risk level name: low, medium, high or critical, in any case.
func ParseRiskLevel(s string) (RiskLevel, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	for i, n := range riskNames {
		if name == n {
			return RiskLevel(i), nil
		}
	}
	return 0, fmt.Errorf("invalid risk level %q: use low, medium, high or critical", s)
}

// String returns the level's name, or "risk_<n>" for a value outside the enum.
func (r RiskLevel) String() string {
	if r.Valid() {
		return riskNames[r]
	}
	return "risk_" + strconv.FormatUint(uint64(r), 10)
}

// Valid reports whether r is one of RiskLevels.
func (r RiskLevel) Valid() bool {
	return r <= RiskCritical
}

// IsHigh reports whether r counts as high risk: High or Critical.
func (r RiskLevel) IsHigh() bool {
	return r == RiskHigh || r == RiskCritical
}

// EventKind is the name of a registry event, which is also its first topic (a Symbol).
type EventKind string

// Registry event kinds.
const (
	KindModelRegistered EventKind = "model_registered"
	KindInferenceLogged EventKind = "inference_logged"
	KindBiasFlagged     EventKind = "bias_flagged"
)

// EventKinds lists every registry event kind.
var EventKinds = []EventKind{KindModelRegistered, KindInferenceLogged, KindBiasFlagged}

// ParseEventKind parses an event kind name such as "inference_logged", in any case.
func ParseEventKind(s string) (EventKind, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	for _, kind := range EventKinds {
		if name == string(kind) {
			return kind, nil
		}
	}
	return "", fmt.Errorf("invalid event kind %q: use model_registered, inference_logged or bias_flagged", s)
}
