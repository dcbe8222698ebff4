package plugin

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/modeltrace/soroban-datasource/pkg/registry"
)

// Stream kinds: the first segment of a Live channel path.
const (
	streamEvents = "events"
	streamRisk   = "risk"
)

// defaultStreamInterval is the bucket width of a risk stream whose path names none.
const defaultStreamInterval = time.Minute

// streamSpec is a parsed Live channel path: "events" or "risk", then optional segments in
// this order. Both kinds take "models-1-2" and "risk-high". An events path may add
// "kinds-inference_logged-bias_flagged" and "after-<ledger>", the last ledger the query
// returned. A risk path may add "group", "total", "interval-<ms>" (the bucket width) and
// "from-<unix ms>" (the first bucket to count).
type streamSpec struct {
	Kind         string
	ModelIDs     []uint64
	MinRisk      registry.RiskLevel
	EventKinds   []registry.EventKind // nil means every kind
	GroupByModel bool
	Total        bool
	Interval     time.Duration
	From         time.Time // zero: start at the bucket of the latest ledger
	AfterLedger  uint32    // 0: start after the latest ledger
}

// path returns the canonical channel path of s.
func (s streamSpec) path() string {
	parts := []string{s.Kind}
	if len(s.ModelIDs) > 0 {
		parts = append(parts, "models-"+joinUints(s.ModelIDs))
	}
	if s.MinRisk > registry.RiskLow {
		parts = append(parts, "risk-"+s.MinRisk.String())
	}
	if len(s.EventKinds) > 0 && len(s.EventKinds) < len(registry.EventKinds) {
		names := make([]string, len(s.EventKinds))
		for i, kind := range s.EventKinds {
			names[i] = string(kind)
		}
		parts = append(parts, "kinds-"+strings.Join(names, "-"))
	}
	if s.GroupByModel {
		parts = append(parts, "group")
	}
	if s.Total {
		parts = append(parts, "total")
	}
	if s.Interval > 0 {
		parts = append(parts, "interval-"+strconv.FormatInt(s.Interval.Milliseconds(), 10))
	}
	if !s.From.IsZero() {
		parts = append(parts, "from-"+strconv.FormatInt(s.From.UnixMilli(), 10))
	}
	if s.AfterLedger > 0 {
		parts = append(parts, "after-"+strconv.FormatUint(uint64(s.AfterLedger), 10))
	}
	return strings.Join(parts, "/")
}

func joinUints(ids []uint64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatUint(id, 10)
	}
	return strings.Join(parts, "-")
}

// parseStreamPath parses a channel path written by streamSpec.path.
func parseStreamPath(path string) (streamSpec, error) {
	segments := strings.Split(path, "/")
	spec := streamSpec{Kind: segments[0]}
	if spec.Kind != streamEvents && spec.Kind != streamRisk {
		return streamSpec{}, fmt.Errorf("unknown stream %q: use a path starting with %q or %q", path, streamEvents, streamRisk)
	}

	for _, segment := range segments[1:] {
		if err := spec.parseSegment(segment); err != nil {
			return streamSpec{}, fmt.Errorf("invalid stream path %q: %w", path, err)
		}
	}
	if spec.Kind == streamRisk && spec.Interval == 0 {
		spec.Interval = defaultStreamInterval
	}
	if err := spec.validate(); err != nil {
		return streamSpec{}, fmt.Errorf("invalid stream path %q: %w", path, err)
	}
	return spec, nil
}

func (s *streamSpec) parseSegment(segment string) error {
	name, value, _ := strings.Cut(segment, "-")
	var err error
	switch name {
	case "models":
		s.ModelIDs, err = parseModelIDs(strings.Split(value, "-"))
	case "risk":
		s.MinRisk, err = registry.ParseRiskLevel(value)
	case "kinds":
		s.EventKinds, err = parseEventKinds(strings.Split(value, "-"))
	case "group":
		s.GroupByModel = true
	case "total":
		s.Total = true
	case "interval":
		var ms uint64
		ms, err = parsePositive(segment, value)
		s.Interval = time.Duration(ms) * time.Millisecond
	case "from":
		var ms uint64
		ms, err = parsePositive(segment, value)
		s.From = time.UnixMilli(int64(ms)).UTC()
	case "after":
		var ledger uint64
		ledger, err = parsePositive(segment, value)
		s.AfterLedger = uint32(min(ledger, uint64(^uint32(0))))
	default:
		err = fmt.Errorf("unknown segment %q", segment)
	}
	return err
}

func parsePositive(segment, value string) (uint64, error) {
	n, err := strconv.ParseUint(value, 10, 63)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("segment %q needs a positive whole number after the dash", segment)
	}
	return n, nil
}

// validate rejects segments that do not belong to the stream kind.
func (s streamSpec) validate() error {
	if s.Kind == streamEvents && (s.GroupByModel || s.Total || s.Interval > 0 || !s.From.IsZero()) {
		return fmt.Errorf("an events stream takes only models, risk, kinds and after segments")
	}
	if s.Kind == streamRisk && (s.EventKinds != nil || s.AfterLedger > 0) {
		return fmt.Errorf("a risk stream takes no kinds or after segment")
	}
	if s.Kind == streamRisk && s.GroupByModel && len(s.ModelIDs) == 0 {
		return fmt.Errorf("a risk stream grouped by model needs a models segment")
	}
	if !s.From.IsZero() && s.From.UnixNano()%int64(s.Interval) != 0 {
		return fmt.Errorf("from %d ms is not a multiple of the interval %d ms",
			s.From.UnixMilli(), s.Interval.Milliseconds())
	}
	return nil
}

// query returns the Query whose filters the stream applies.
func (s streamSpec) query() Query {
	kinds := s.EventKinds
	switch {
	case s.Kind == streamRisk:
		kinds = []registry.EventKind{registry.KindInferenceLogged}
	case len(kinds) == 0:
		kinds = slices.Clone(registry.EventKinds)
	}
	return Query{
		Type: s.Kind, ModelIDs: s.ModelIDs, MinRisk: s.MinRisk, EventKinds: kinds,
		GroupByModel: s.GroupByModel, Total: s.Total,
	}
}
